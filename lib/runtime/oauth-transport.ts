// OAuth 2.0 for a model's requests (issue 18 §3), on the main thread. A script makes an auth
// value with the `oauth` module (oauth-module.ts), which registers its grant here under an id;
// a request made with `auth=` that value carries the id in an internal header, and this
// transport, between the Sender and the real transport, swaps it for `Authorization: Bearer …`
// from the grant's TokenCache: one token per run, fetched on first use, refreshed before it
// expires, and fetched again once after a 401 (per attempt, so the Sender's retries and rate
// limit see one attempt). The token request goes through the inner transport too, so `ebb test`
// and `--offline` runs record it and no request leaves the process. Every token is handed to the
// model's redactor before use, and to the inner transport's (the offline recorder's), as is a
// JWT assertion (a credential for minutes): neither appears in output, failures, goldens or
// recordings. A grant the
// endpoint refuses is remembered: later requests fail at once with its message (401), instead
// of asking the endpoint again for each row; so is an endpoint that answers 2xx without a token.

import { NEVER_ABORTED, type HttpRequest, type HttpResponse, type Transport } from '../send/index.js';
import {
  endpointName,
  grantForm,
  readTokenAnswer,
  type OAuthGrant,
  type TokenGrantResult,
} from '../send/oauth.js';
import { TokenCache } from '../send/token-cache.js';
import { OAUTH_HEADER, type OAuthRegistration } from './oauth-grant.js';

/** The timeout of a token request, ms. */
const TOKEN_TIMEOUT_MS = 30_000;

export class OAuthTransport implements Transport {
  readonly #inner: Transport;
  readonly #onSecret: (value: string) => void;
  readonly #caches = new Map<number, TokenCache>();
  /** The message of a grant the endpoint refused, by id. */
  readonly #refused = new Map<number, string>();

  constructor(inner: Transport, onSecret: (value: string) => void) {
    this.#inner = inner;
    this.#onSecret = (value) => {
      onSecret(value);
      inner.redactAlso?.(value);
    };
  }

  /** register keeps a script's grant; its token is fetched when a request first needs it. */
  register(r: OAuthRegistration): void {
    this.#caches.set(
      r.id,
      new TokenCache({
        tokenUrl: r.tokenUrl,
        grant: r.grant,
        onSecret: this.#onSecret,
        fetchToken: (url, grant) => this.#fetchToken(url, grant),
      }),
    );
  }

  request(req: HttpRequest, signal: AbortSignal): Promise<HttpResponse> {
    const id = req.headers[OAUTH_HEADER];
    // Most requests carry no grant: the inner transport's promise, not one more around it.
    if (id === undefined) return this.#inner.request(req, signal);
    return this.#granted(req, id, signal);
  }

  async #granted(req: HttpRequest, id: string, signal: AbortSignal): Promise<HttpResponse> {
    const { [OAUTH_HEADER]: _, ...headers } = req.headers;
    const cache = this.#caches.get(Number(id));
    if (cache === undefined) throw new Error(`no OAuth grant ${id} was registered for this request`);
    const refused = this.#refused.get(Number(id));
    if (refused !== undefined) return refusal(refused);
    try {
      return await cache.authorized((authorization) =>
        this.#inner.request({ ...req, headers: { ...headers, authorization } }, signal),
      );
    } catch (err) {
      const status = (err as { status?: unknown }).status;
      // A refusal (4xx) stays one, as does a 2xx without a token (not a token endpoint: the
      // recorder's `200 {}` under ebb test); no answer or a 5xx from the token endpoint may pass.
      const message = err instanceof Error ? err.message : String(err);
      if (typeof status === 'number' && status < 500) this.#refused.set(Number(id), message);
      if (typeof status === 'number' && status >= 500)
        return { status: 503, headers: {}, body: text(message) };
      if (typeof status !== 'number') throw err;
      return refusal(message);
    }
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  async #fetchToken(tokenUrl: string, grant: OAuthGrant): Promise<TokenGrantResult> {
    const { form, basic } = grantForm(grant, Date.now());
    const assertion = form.get('assertion');
    if (assertion !== null) this.#onSecret(assertion);
    const res = await this.#inner.request(
      {
        method: 'POST',
        url: tokenUrl,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          ...(basic === undefined ? {} : { authorization: basic }),
        },
        body: Buffer.from(form.toString(), 'utf8'),
        timeoutMs: TOKEN_TIMEOUT_MS,
      },
      NEVER_ABORTED,
    );
    const answer = Buffer.from(res.body).toString('utf8');
    return readTokenAnswer(endpointName(tokenUrl), grant.kind, res.status, answer, Date.now());
  }
}

const text = (s: string): Uint8Array => Buffer.from(s, 'utf8');

/** refusal is the answer of a request whose token could not be had: 401, not retried, with why. */
function refusal(message: string): HttpResponse {
  return { status: 401, headers: { 'content-type': 'text/plain' }, body: text(`ebb OAuth: ${message}`) };
}
