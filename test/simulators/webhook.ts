/**
 * A webhook receiver for the @ebb/webhook.star library's tests: it accepts a POST (any path)
 * only when a signature header carries the HMAC-SHA256 of the raw request body under a shared
 * secret, as `sha256=<hex>` (the form GitHub and Stripe-style receivers use), and keeps what it
 * received. A missing or wrong signature is 401; a body that is not JSON is 400. `answer` lets a
 * test make some deliveries fail (e.g. 500 for one key) or refuse them with a reason (422 and a
 * JSON error), to check what is re-sent or rejected.
 *
 * Sources: RFC 2104 (HMAC), and https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
 * (X-Hub-Signature-256: sha256= HMAC hex of the raw payload, compared in constant time).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  type FaultOptions,
  type Route,
  type SimRequest,
  type SimResponse,
  parseJson,
  serve,
} from './common.js';

export interface WebhookOptions extends FaultOptions {
  readonly secret: string;
  /** The signature header's name (default `x-signature-256`). */
  readonly header?: string;
  /**
   * How to answer a verified delivery: a status (default 200), or a status and a JSON body (a
   * receiver's reason, e.g. 422 `{"error": "email is invalid"}`).
   */
  readonly answer?: (body: unknown, path: string) => number | { status: number; json: unknown };
}

export interface WebhookDelivery {
  readonly path: string;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface WebhookReceiver {
  readonly url: string;
  /** Verified deliveries answered 2xx, in order. */
  readonly deliveries: WebhookDelivery[];
  /** Deliveries refused for their signature. */
  readonly refused: number;
  readonly log: readonly string[];
  close(): Promise<void>;
}

/** signature computes the header value a sender must send: `sha256=` + HMAC-SHA256 hex. */
export function signature(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export async function startWebhook(options: WebhookOptions): Promise<WebhookReceiver> {
  const deliveries: WebhookDelivery[] = [];
  const header = (options.header ?? 'x-signature-256').toLowerCase();
  let refused = 0;

  const receive = (req: SimRequest): SimResponse => {
    const given = Buffer.from(String(req.headers[header] ?? ''));
    const wanted = Buffer.from(signature(options.secret, req.raw));
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
      refused++;
      return { status: 401, json: { error: 'invalid signature' } };
    }
    const body = parseJson(req);
    if (body === undefined) return { status: 400, json: { error: 'body is not JSON' } };
    const chosen = options.answer?.(body, req.path) ?? 200;
    const { status, json } =
      typeof chosen === 'number' ? { status: chosen, json: { received: chosen < 300 } } : chosen;
    if (status >= 200 && status < 300) deliveries.push({ path: req.path, body, headers: req.headers });
    return { status, json };
  };

  const routes: Route[] = [{ method: 'POST', pattern: /^\/.*$/, handle: receive }];
  const served = await serve(routes, () => ({ status: 405, json: { error: 'POST only' } }), options);
  return {
    url: served.url,
    deliveries,
    get refused() {
      return refused;
    },
    log: served.log,
    close: served.close,
  };
}
