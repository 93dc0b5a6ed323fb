/**
 * A simulator of a Slack incoming webhook, for the @ebb/slack.star library: `POST` of a JSON
 * message with `text` (or `blocks`) to the webhook's secret URL answers 200 with the plain text
 * `ok`; Slack's documented plain-text errors otherwise: 400 `invalid_payload` (not JSON),
 * 400 `no_text`, 403 `invalid_token` (a revoked URL), 404 `no_service` (an unknown one), 410
 * `channel_is_archived` (the webhook's channel was archived), and 429 with Retry-After past the
 * rate (about one message per second per channel).
 *
 * Sources (read 2026-12-05):
 * - https://docs.slack.dev/tools/java-slack-sdk/guides/incoming-webhooks and
 *   https://api.slack.com/messaging/webhooks (a JSON payload with text to the webhook's URL;
 *   the "Handling errors" table of plain-text codes)
 * - https://api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks (the
 *   statuses: 400 invalid_payload, 403 action_prohibited, 404 channel_not_found, 410
 *   channel_is_archived)
 * - https://github.com/gueils/whales/issues/38 (a revoked webhook: `invalid_token`, HTTP 403)
 * - https://api.slack.com/apis/rate-limits (incoming webhooks: one message per second, short
 *   bursts allowed; 429 with Retry-After in seconds)
 */
import {
  type FaultOptions,
  type Route,
  type SimRequest,
  type SimResponse,
  WindowCounter,
  parseJson,
  serve,
} from './common.js';

/** The published incoming-webhook limit: one message per second. */
export const SLACK_PUBLISHED_RATE = { limit: 1, windowMs: 1000 } as const;

export interface SlackOptions extends FaultOptions {
  /** The webhook path, e.g. `/services/T000/B000/XXXX`. */
  readonly path: string;
  /** Paths that were revoked (403 invalid_token). */
  readonly revoked?: readonly string[];
  /** Paths whose channel was archived (410 channel_is_archived). */
  readonly archived?: readonly string[];
}

export interface SlackSimulator {
  readonly url: string;
  /** The full webhook URL to post to. */
  readonly webhookUrl: string;
  /** Messages posted, in order. */
  readonly messages: Record<string, unknown>[];
  readonly log: readonly string[];
  close(): Promise<void>;
}

export async function startSlack(options: SlackOptions): Promise<SlackSimulator> {
  const messages: Record<string, unknown>[] = [];
  const window = new WindowCounter(options.rate);
  const text = (status: number, body: string, headers?: Record<string, string>): SimResponse => ({
    status,
    text: body,
    ...(headers ? { headers } : {}),
  });

  const post = (req: SimRequest): SimResponse => {
    if (options.revoked?.includes(req.path)) return text(403, 'invalid_token');
    if (options.archived?.includes(req.path)) return text(410, 'channel_is_archived');
    if (req.path !== options.path) return text(404, 'no_service');
    const state = window.take();
    if (!state.allowed) {
      return text(429, 'rate_limited', {
        'Retry-After': String(Math.max(1, Math.ceil((state.resetAt - Date.now()) / 1000))),
      });
    }
    const body = parseJson(req);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return text(400, 'invalid_payload');
    const m = body as Record<string, unknown>;
    if ((typeof m['text'] !== 'string' || m['text'] === '') && !Array.isArray(m['blocks']))
      return text(400, 'no_text');
    messages.push(m);
    return text(200, 'ok');
  };

  const routes: Route[] = [{ method: 'POST', pattern: /^\/services\/.+$/, handle: post }];
  const served = await serve(routes, () => text(404, 'no_service'), options);
  return {
    url: served.url,
    webhookUrl: served.url + options.path,
    messages,
    log: served.log,
    close: served.close,
  };
}
