/**
 * A simulator of Customer.io's Track API (v1) as the @ebb/customerio.star library uses it:
 * identify a person (`PUT /api/v1/customers/{identifier}`, creating or updating) and delete one
 * (`DELETE /api/v1/customers/{identifier}`), with HTTP Basic auth of site id and Track API key.
 *
 * Sources (read 2026-12-05):
 * - https://docs.customer.io/integrations/api/track/ ("Add or update a customer", "Delete a
 *   customer": 200 with an empty object; 401 for wrong credentials; identifiers are an id, an
 *   email or a cio_id prefixed `cio_`)
 * - https://github.com/customerio/customerio-node (lib/track.ts: Basic auth of site id and API
 *   key; non-2xx rejects)
 * - https://docs.customer.io/integrations/api/customerio-apis.md (Track API fair use: 100
 *   requests per second, v1 and v2; 429 beyond, no documented rate-limit headers)
 *
 * Refused attributes answer 400 with `{meta: {error}}`, the Track API v1 error body.
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

/** The published Track API fair-use limit: 100 requests per second. */
export const CUSTOMERIO_PUBLISHED_RATE = { limit: 100, windowMs: 1000 } as const;

export interface CustomerIoOptions extends FaultOptions {
  readonly siteId: string;
  readonly apiKey: string;
  /** Marks an identify body invalid: refused with 400 on its email. */
  readonly invalid?: (attributes: Readonly<Record<string, unknown>>) => boolean;
}

export interface CustomerIoSimulator {
  readonly url: string;
  /** People by identifier, with their attributes. */
  readonly people: Map<string, Record<string, unknown>>;
  readonly log: readonly string[];
  close(): Promise<void>;
}

const meta = (status: number, error: string): SimResponse => ({ status, json: { meta: { error } } });

export async function startCustomerIo(options: CustomerIoOptions): Promise<CustomerIoSimulator> {
  const people = new Map<string, Record<string, unknown>>();
  const window = new WindowCounter(options.rate);

  const guard = (req: SimRequest, then: () => SimResponse): SimResponse => {
    const auth = basic(req);
    if (auth?.user !== options.siteId || auth.password !== options.apiKey)
      return meta(401, 'Unauthorized request');
    if (!window.take().allowed) return meta(429, 'Too many requests');
    return then();
  };

  const identify = (req: SimRequest): SimResponse =>
    guard(req, () => {
      const body = req.raw.length ? parseJson(req) : {};
      if (body === null || typeof body !== 'object' || Array.isArray(body))
        return meta(400, 'Invalid JSON body');
      const attrs = body as Record<string, unknown>;
      if (options.invalid?.(attrs)) return meta(400, `Invalid email address: ${String(attrs['email'])}`);
      const id = req.params[0]!;
      people.set(id, { ...people.get(id), ...attrs });
      return { status: 200, json: {} };
    });

  const remove = (req: SimRequest): SimResponse =>
    guard(req, () => {
      people.delete(req.params[0]!);
      return { status: 200, json: {} };
    });

  const routes: Route[] = [
    { method: 'PUT', pattern: /^\/api\/v1\/customers\/([^/]+)$/, handle: identify },
    { method: 'DELETE', pattern: /^\/api\/v1\/customers\/([^/]+)$/, handle: remove },
  ];
  const served = await serve(routes, () => meta(404, 'Not Found'), options);
  return { url: served.url, people, log: served.log, close: served.close };
}
