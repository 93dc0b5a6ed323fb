// One OAuth 2.0 access token per run: fetched once on first use (concurrent callers share that
// one request), refreshed shortly before it expires, and dropped when the API answers 401 with
// it, so the next use fetches a new one: once, however many requests saw the 401. A refresh
// token the endpoint rotates is kept for the next refresh. Every token and refresh token is
// handed to `onSecret` first, so the host can redact it from all output like an env.get secret.

import {
  type AccessToken,
  type OAuthGrant,
  type TokenGrantResult,
  type TokenRequestOptions,
  requestToken,
} from './oauth.js';

export interface TokenCacheOptions {
  readonly tokenUrl: string;
  readonly grant: OAuthGrant;
  /** Fetch a new token this long before the current one expires, ms (a request in flight must not carry a stale token). */
  readonly refreshMarginMs?: number;
  /** Called with each secret value received (access and refresh tokens) before it is used. */
  readonly onSecret?: (value: string) => void;
  readonly request?: TokenRequestOptions;
  /** The token request itself; tests and other transports may replace it. */
  readonly fetchToken?: (
    tokenUrl: string,
    grant: OAuthGrant,
    options: TokenRequestOptions,
  ) => Promise<TokenGrantResult>;
}

/** The default refresh margin: one minute, longer than any single request's @timeout default. */
const REFRESH_MARGIN_MS = 60_000;

export class TokenCache {
  #grant: OAuthGrant;
  #current: AccessToken | undefined;
  #pending: Promise<AccessToken> | undefined;
  #fetches = 0;
  readonly #options: TokenCacheOptions;
  constructor(options: TokenCacheOptions) {
    this.#options = options;
    this.#grant = options.grant;
  }

  /** How many token requests this cache has made (successful or not). */
  get fetches(): number {
    return this.#fetches;
  }

  /** get returns a token valid for at least the refresh margin, fetching one if needed. */
  get(): Promise<AccessToken> {
    const now = (this.#options.request?.now ?? Date.now)();
    const margin = this.#options.refreshMarginMs ?? REFRESH_MARGIN_MS;
    const t = this.#current;
    if (t && (t.expiresAt === undefined || t.expiresAt - margin > now)) return Promise.resolve(t);
    this.#pending ??= this.#fetch().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /**
   * invalidate drops `token` after the API refused it (401). Only the current token is dropped:
   * requests that carried it and fail together cause one new fetch, not one each.
   */
  invalidate(token: AccessToken): void {
    if (this.#current === token) this.#current = undefined;
  }

  /**
   * authorized sends with the current token's Authorization header; on a 401 it invalidates the
   * token and sends once more with a new one. A second 401 is returned as it came.
   */
  async authorized<R extends { readonly status: number }>(
    send: (authorization: string) => Promise<R>,
  ): Promise<R> {
    const token = await this.get();
    const first = await send(token.authorization());
    if (first.status !== 401) return first;
    this.invalidate(token);
    return send((await this.get()).authorization());
  }

  async #fetch(): Promise<AccessToken> {
    this.#fetches++;
    const fetchToken = this.#options.fetchToken ?? requestToken;
    const result = await fetchToken(this.#options.tokenUrl, this.#grant, this.#options.request ?? {});
    this.#options.onSecret?.(result.token.value());
    if (result.refreshToken !== undefined && this.#grant.kind === 'refresh_token') {
      this.#options.onSecret?.(result.refreshToken);
      this.#grant = { ...this.#grant, refreshToken: result.refreshToken };
    }
    this.#current = result.token;
    return result.token;
  }
}
