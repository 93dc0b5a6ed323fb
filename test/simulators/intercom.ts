/**
 * A simulator of Intercom's Contacts API as the @ebb/intercom.star library uses it: create a
 * contact (`POST /contacts`; 409 conflict naming the existing contact's id when its external_id
 * is taken), update it (`PUT /contacts/{id}`), find it by external_id (`POST /contacts/search`),
 * archive it (`POST /contacts/{id}/archive`), with an access token as Bearer and the
 * X-RateLimit-Limit / -Remaining / -Reset headers on every answer (429 past the limit).
 *
 * Sources (read 2026-12-05):
 * - https://developers.intercom.com/docs/references/2.1/rest-api/contacts/create-contact (body
 *   role, external_id, email, name, custom_attributes; 409 `{type: "error.list", request_id,
 *   errors: [{code: "conflict", message: "A contact matching those details already exists with
 *   id=…"}]}`; 400 parameter_invalid)
 * - Intercom OpenAPI descriptions (github.com/intercom/Intercom-OpenAPI, api.intercom.io.yaml):
 *   401 `{type: "error.list", errors: [{code: "unauthorized", message: "Access Token Invalid"}]}`,
 *   the archived-duplicate 409, the archived contact object `{type, id, external_id, archived}`
 * - Intercom's rate limiting page: 10,000 calls per minute per app, spread over 10-second
 *   windows; X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset (epoch seconds); 429
 *   with code rate_limit_exceeded
 *
 * The search accepts the one query the library sends, `{field: "external_id", operator: "=",
 * value}`; other queries get 400.
 */
import {
  type FaultOptions,
  type Route,
  type SimRequest,
  type SimResponse,
  WindowCounter,
  bearer,
  hexId,
  parseJson,
  serve,
} from './common.js';

/** The published limit of one app: 10,000 calls per minute, counted in 10-second windows. */
export const INTERCOM_PUBLISHED_RATE = { limit: 1666, windowMs: 10_000 } as const;

export interface IntercomOptions extends FaultOptions {
  readonly token: string;
  /** Marks a contact body invalid: refused with 400 parameter_invalid on its email. */
  readonly invalid?: (contact: Readonly<Record<string, unknown>>) => boolean;
}

export interface IntercomContact {
  readonly type: 'contact';
  readonly id: string;
  readonly external_id: string | null;
  readonly email: string | null;
  readonly role: string;
  readonly name: string | null;
  readonly custom_attributes: Record<string, unknown>;
  readonly archived: boolean;
}

export interface IntercomSimulator {
  readonly url: string;
  /** Contacts by Intercom id, archived ones included (archived: true). */
  readonly contacts: Map<string, IntercomContact>;
  /** The live (not archived) contacts by external_id. */
  byExternalId(): Map<string, IntercomContact>;
  readonly log: readonly string[];
  close(): Promise<void>;
}

let requestSeq = 0;
const errorList = (
  status: number,
  code: string,
  message: string,
  headers?: Record<string, string>,
): SimResponse => ({
  status,
  ...(headers ? { headers } : {}),
  json: { type: 'error.list', request_id: `req-${hexId(++requestSeq, 12)}`, errors: [{ code, message }] },
});

export async function startIntercom(options: IntercomOptions): Promise<IntercomSimulator> {
  const contacts = new Map<string, IntercomContact>();
  const window = new WindowCounter(options.rate);
  let ids = 0;

  const guard = (req: SimRequest, then: (body: Record<string, unknown>) => SimResponse): SimResponse => {
    const state = window.take();
    const headers = {
      'X-RateLimit-Limit': String(state.limit),
      'X-RateLimit-Remaining': String(Math.max(0, state.remaining)),
      'X-RateLimit-Reset': String(Math.ceil(state.resetAt / 1000)),
    };
    if (bearer(req) !== options.token) return errorList(401, 'unauthorized', 'Access Token Invalid');
    if (!state.allowed)
      return errorList(429, 'rate_limit_exceeded', 'Exceeded rate limit of requests per window', headers);
    const body = req.raw.length ? parseJson(req) : {};
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      return errorList(400, 'parameter_invalid', 'The request body is not a JSON object', headers);
    }
    const answer = then(body as Record<string, unknown>);
    return { ...answer, headers: { ...headers, ...answer.headers } };
  };

  const live = (externalId: unknown, archived: boolean): IntercomContact | undefined =>
    [...contacts.values()].find((c) => c.external_id === externalId && c.archived === archived);

  const fields = (body: Record<string, unknown>, base?: IntercomContact): IntercomContact => ({
    type: 'contact',
    id: base?.id ?? hexId(++ids),
    external_id:
      body['external_id'] === undefined ? (base?.external_id ?? null) : String(body['external_id']),
    email: body['email'] === undefined ? (base?.email ?? null) : String(body['email']),
    role: String(body['role'] ?? base?.role ?? 'user'),
    name: body['name'] === undefined ? (base?.name ?? null) : String(body['name']),
    custom_attributes: {
      ...base?.custom_attributes,
      ...(body['custom_attributes'] as Record<string, unknown>),
    },
    archived: false,
  });

  const create = (req: SimRequest): SimResponse =>
    guard(req, (body) => {
      if (body['external_id'] === undefined && body['email'] === undefined) {
        return errorList(400, 'parameter_not_found', 'Either an external_id or an email must be given');
      }
      if (options.invalid?.(body))
        return errorList(400, 'parameter_invalid', `Invalid email: ${String(body['email'])}`);
      const taken = live(body['external_id'], false);
      if (body['external_id'] !== undefined && taken) {
        return errorList(
          409,
          'conflict',
          `A contact matching those details already exists with id=${taken.id}`,
        );
      }
      const archived = live(body['external_id'], true);
      if (body['external_id'] !== undefined && archived) {
        return errorList(
          409,
          'conflict',
          `An archived contact matching those details already exists with id=${archived.id}`,
        );
      }
      const c = fields(body);
      contacts.set(c.id, c);
      return { status: 200, json: c };
    });

  const update = (req: SimRequest): SimResponse =>
    guard(req, (body) => {
      const existing = contacts.get(req.params[0]!);
      if (!existing || existing.archived) return errorList(404, 'not_found', 'User Not Found');
      if (options.invalid?.({ ...existing, ...body })) {
        return errorList(
          400,
          'parameter_invalid',
          `Invalid email: ${String(body['email'] ?? existing.email)}`,
        );
      }
      const c = fields(body, existing);
      contacts.set(c.id, c);
      return { status: 200, json: c };
    });

  const search = (req: SimRequest): SimResponse =>
    guard(req, (body) => {
      const q = body['query'] as { field?: string; operator?: string; value?: unknown } | undefined;
      if (q?.field !== 'external_id' || q.operator !== '=') {
        return errorList(400, 'parameter_invalid', 'This simulator searches by external_id = value only');
      }
      const data = [...contacts.values()].filter((c) => c.external_id === String(q.value) && !c.archived);
      return {
        status: 200,
        json: {
          type: 'list',
          data,
          total_count: data.length,
          pages: { type: 'pages', page: 1, per_page: 50, total_pages: 1 },
        },
      };
    });

  const setArchived =
    (archived: boolean) =>
    (req: SimRequest): SimResponse =>
      guard(req, () => {
        const c = contacts.get(req.params[0]!);
        if (!c) return errorList(404, 'not_found', 'User Not Found');
        contacts.set(c.id, { ...c, archived });
        return { status: 200, json: { type: 'contact', id: c.id, external_id: c.external_id, archived } };
      });

  const routes: Route[] = [
    { method: 'POST', pattern: /^\/contacts$/, handle: create },
    { method: 'POST', pattern: /^\/contacts\/search$/, handle: search },
    { method: 'PUT', pattern: /^\/contacts\/([^/]+)$/, handle: update },
    { method: 'POST', pattern: /^\/contacts\/([^/]+)\/archive$/, handle: setArchived(true) },
    { method: 'POST', pattern: /^\/contacts\/([^/]+)\/unarchive$/, handle: setArchived(false) },
  ];
  const served = await serve(routes, () => errorList(404, 'not_found', 'Resource Not Found'), options);
  const byExternalId = () =>
    new Map(
      [...contacts.values()]
        .filter((c) => !c.archived && c.external_id !== null)
        .map((c) => [c.external_id!, c]),
    );
  return { url: served.url, contacts, byExternalId, log: served.log, close: served.close };
}
