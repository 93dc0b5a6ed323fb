/**
 * A simulator of Segment's HTTP Tracking API batch endpoint as the @ebb/segment.star library
 * uses it: `POST /v1/batch` with identify and track calls, Basic auth with the source's write key
 * as user name, at most 500 KB per request and 32 KB per event (400 beyond), and 200 for
 * everything else: Segment drops an event it cannot accept (no userId/anonymousId, a track
 * without `event`) without telling the sender, so the simulator keeps those apart in `dropped`.
 *
 * Sources (read 2026-12-05):
 * - https://www.twilio.com/docs/segment/connections/sources/catalog/libraries/server/http-api
 *   (Basic auth with the write key; batch; 500 KB per batch request, 32 KB per event, 400 Bad
 *   Request beyond; 200 for all else; identifiers required; messageId deduplication)
 * - https://github.com/segmentio/segment-docs/pull/6966 (the Errors section quoted above)
 * - Segment's rate limits: per source, 429 when exceeded (no documented headers)
 *
 * A write key the source does not know is answered 401 here; Segment documents no answer for
 * it, and a sync must not believe an unknown key delivered anything.
 */
import {
  type FaultOptions,
  type Route,
  type SimRequest,
  type SimResponse,
  WindowCounter,
  basic,
  parseJson,
  serve,
} from './common.js';

/** The documented maxima, in bytes (KB = 1024 bytes). */
export const SEGMENT_BATCH_MAX_BYTES = 500 * 1024;
export const SEGMENT_EVENT_MAX_BYTES = 32 * 1024;

export interface SegmentOptions extends FaultOptions {
  readonly writeKey: string;
}

export interface SegmentEvent {
  readonly type: string;
  readonly userId?: string;
  readonly anonymousId?: string;
  readonly event?: string;
  readonly traits?: Record<string, unknown>;
  readonly properties?: Record<string, unknown>;
  readonly messageId?: string;
}

export interface SegmentSimulator {
  readonly url: string;
  /** Traits of identified users, by userId (merged across identify calls). */
  readonly users: Map<string, Record<string, unknown>>;
  /** Track calls accepted, in order. */
  readonly tracks: SegmentEvent[];
  /** Events Segment would drop after answering 200. */
  readonly dropped: SegmentEvent[];
  readonly log: readonly string[];
  close(): Promise<void>;
}

export async function startSegment(options: SegmentOptions): Promise<SegmentSimulator> {
  const users = new Map<string, Record<string, unknown>>();
  const tracks: SegmentEvent[] = [];
  const dropped: SegmentEvent[] = [];
  const seen = new Set<string>();
  const window = new WindowCounter(options.rate);

  const batch = (req: SimRequest): SimResponse => {
    if (basic(req)?.user !== options.writeKey) {
      return { status: 401, json: { success: false, message: 'Invalid write key' } };
    }
    if (!window.take().allowed)
      return { status: 429, json: { success: false, message: 'Too Many Requests' } };
    if (req.raw.length > SEGMENT_BATCH_MAX_BYTES) {
      return {
        status: 400,
        json: { success: false, message: `batch of ${req.raw.length} bytes exceeds 500 KB` },
      };
    }
    const body = parseJson(req) as { batch?: SegmentEvent[] } | undefined;
    if (!body || !Array.isArray(body.batch))
      return { status: 400, json: { success: false, message: 'Invalid JSON' } };
    const oversize = body.batch.findIndex(
      (e) => Buffer.byteLength(JSON.stringify(e)) > SEGMENT_EVENT_MAX_BYTES,
    );
    if (oversize >= 0) {
      return {
        status: 400,
        json: { success: false, message: `event ${oversize} exceeds the 32 KB limit per event` },
      };
    }
    for (const e of body.batch) accept(e);
    return { status: 200, json: { success: true } };
  };

  const accept = (e: SegmentEvent): void => {
    if (e.messageId !== undefined) {
      if (seen.has(e.messageId)) return;
      seen.add(e.messageId);
    }
    if ((e.userId ?? e.anonymousId) === undefined) dropped.push(e);
    else if (e.type === 'identify' && e.userId !== undefined)
      users.set(e.userId, { ...users.get(e.userId), ...e.traits });
    else if (e.type === 'track' && typeof e.event === 'string' && e.event !== '') tracks.push(e);
    else dropped.push(e);
  };

  const routes: Route[] = [{ method: 'POST', pattern: /^\/v1\/batch$/, handle: batch }];
  const served = await serve(
    routes,
    () => ({ status: 404, json: { success: false, message: 'Not Found' } }),
    options,
  );
  return { url: served.url, users, tracks, dropped, log: served.log, close: served.close };
}
