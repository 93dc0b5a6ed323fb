/**
 * A simulator of Braze's REST API as the @ebb/braze.star library uses it: `POST /users/track`
 * (user attribute objects by external_id, at most 75 per request, non-fatal errors by index) and
 * `POST /users/delete` (at most 50 external_ids), with a REST API key as Bearer token and 429
 * with the X-RateLimit-* headers.
 *
 * Sources (read 2026-12-05):
 * - https://braze.com/docs/api/endpoints/user_data/post_user_track (attributes/events/purchases
 *   arrays, an identifier per object, 75 objects of each per request on the classic limits,
 *   3,000 requests per 3 seconds)
 * - https://braze.com/docs/api/errors (`{"message": "success"}`; `{"message": "success",
 *   "errors": [...]}` for non-fatal errors, the other objects still processed; a fatal error is
 *   `{"message": <fatal error>}` with a 4XX; 401 for an invalid API key)
 * - https://braze.com/docs/api/api_limits (429 with X-RateLimit-Limit, X-RateLimit-Remaining,
 *   X-RateLimit-Reset as epoch seconds; /users/delete shares 20,000 requests per minute)
 * - https://braze.com/docs/api/endpoints/user_data/post_user_delete (external_ids, up to 50)
 *
 * The non-fatal error objects are `{type, input_array, index}` and a partial success answers 201,
 * as Braze's endpoint reference shows; above the maximum the fatal message is this simulator's
 * own wording. Newer contracts cap attributes + events + purchases together at 75: the library
 * sends attributes only, where both rules agree.
 */
import {
  type FaultOptions,
  type Route,
  type SimRequest,
  type SimResponse,
  WindowCounter,
  bearer,
  parseJson,
  serve,
} from './common.js';

/** The documented maximum of attribute objects per /users/track request. */
export const BRAZE_TRACK_MAX = 75;
/** The documented maximum of external_ids per /users/delete request. */
export const BRAZE_DELETE_MAX = 50;

/** The published /users/track limit: 3,000 requests per 3 seconds per workspace. */
export const BRAZE_PUBLISHED_RATE = { limit: 3000, windowMs: 3000 } as const;

export interface BrazeOptions extends FaultOptions {
  readonly apiKey: string;
  /** Marks an attributes object invalid; it is skipped with a non-fatal error on its email. */
  readonly invalid?: (attributes: Readonly<Record<string, unknown>>) => boolean;
}

export interface BrazeSimulator {
  readonly url: string;
  /** User profiles by external_id: the attributes set so far. */
  readonly users: Map<string, Record<string, unknown>>;
  readonly log: readonly string[];
  close(): Promise<void>;
}

const IDENTIFIERS = ['external_id', 'braze_id', 'user_alias', 'email', 'phone'];

export async function startBraze(options: BrazeOptions): Promise<BrazeSimulator> {
  const users = new Map<string, Record<string, unknown>>();
  const window = new WindowCounter(options.rate);

  const guard = (req: SimRequest, then: (body: Record<string, unknown>) => SimResponse): SimResponse => {
    const state = window.take();
    const headers = {
      'X-RateLimit-Limit': String(state.limit),
      'X-RateLimit-Remaining': String(Math.max(0, state.remaining)),
      'X-RateLimit-Reset': String(Math.ceil(state.resetAt / 1000)),
    };
    if (bearer(req) !== options.apiKey) {
      return {
        status: 401,
        json: { message: 'Invalid API key: the key is unknown or lacks this permission' },
      };
    }
    if (!state.allowed) return { status: 429, headers, json: { message: 'API rate limit exceeded' } };
    const body = parseJson(req);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      return {
        status: 400,
        headers,
        json: { message: 'Received unparseable response: the body must be a JSON object' },
      };
    }
    const answer = then(body as Record<string, unknown>);
    return { ...answer, headers: { ...headers, ...answer.headers } };
  };

  const track = (req: SimRequest): SimResponse =>
    guard(req, (body) => {
      const attributes = (body['attributes'] ?? []) as Record<string, unknown>[];
      for (const name of ['attributes', 'events', 'purchases']) {
        const list = body[name];
        if (list !== undefined && !Array.isArray(list))
          return { status: 400, json: { message: `'${name}' must be an array` } };
        if (Array.isArray(list) && list.length > BRAZE_TRACK_MAX) {
          return {
            status: 400,
            json: {
              message: `Too many objects in '${name}': at most ${BRAZE_TRACK_MAX} per request, got ${list.length}`,
            },
          };
        }
      }
      const errors: unknown[] = [];
      let processed = 0;
      attributes.forEach((a, index) => {
        const type = refusal(a, options);
        if (type) {
          errors.push({ type, input_array: 'attributes', index });
          return;
        }
        const id = String(a['external_id']);
        const { external_id: _, ...fields } = a;
        users.set(id, { ...users.get(id), ...fields });
        processed++;
      });
      return {
        status: errors.length ? 201 : 200,
        json: { attributes_processed: processed, message: 'success', ...(errors.length ? { errors } : {}) },
      };
    });

  const del = (req: SimRequest): SimResponse =>
    guard(req, (body) => {
      const ids = body['external_ids'];
      if (!Array.isArray(ids)) return { status: 400, json: { message: "'external_ids' must be an array" } };
      if (ids.length > BRAZE_DELETE_MAX) {
        return {
          status: 400,
          json: { message: `Too many ids: at most ${BRAZE_DELETE_MAX} per request, got ${ids.length}` },
        };
      }
      let deleted = 0;
      for (const id of ids) if (users.delete(String(id))) deleted++;
      return { status: 200, json: { deleted, message: 'success' } };
    });

  const routes: Route[] = [
    { method: 'POST', pattern: /^\/users\/track$/, handle: track },
    { method: 'POST', pattern: /^\/users\/delete$/, handle: del },
  ];
  const served = await serve(routes, () => ({ status: 404, json: { message: 'Not Found' } }), options);
  return { url: served.url, users, log: served.log, close: served.close };
}

/** refusal returns the non-fatal error type for an attributes object, or undefined. */
function refusal(a: Record<string, unknown>, options: BrazeOptions): string | undefined {
  if (!IDENTIFIERS.some((k) => a[k] !== undefined && a[k] !== null)) {
    return `one of ${IDENTIFIERS.map((k) => `'${k}'`).join(', ')} is required`;
  }
  if (a['external_id'] === undefined) return "this simulator keeps users by 'external_id' only";
  if (options.invalid?.(a)) return `'email' is not a valid email address: '${String(a['email'])}'`;
  return undefined;
}
