// OAuth 2.0 access tokens for token-based APIs, with no dependency on ebb's runtime: the grants
// (client credentials, refresh token, and the JWT bearer grant Salesforce uses), one request to a
// token endpoint, and the token it returns. A token's value is reachable only through value():
// printing, logging or JSON-encoding a token shows a placeholder, so it cannot leak by accident.
// The cache that fetches once, refreshes before expiry and after a 401 is ./token-cache.ts.

import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { privateKeyFromPem, signJwtRs256 } from './jwt.js';
import { OAuthError } from './oauth-error.js';

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** How the client authenticates to the token endpoint: form fields (the default) or Basic. */
export type ClientAuth = 'body' | 'basic';

export interface ClientCredentialsGrant {
  readonly kind: 'client_credentials';
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scope?: string;
  readonly clientAuth?: ClientAuth;
}

export interface RefreshTokenGrant {
  readonly kind: 'refresh_token';
  readonly clientId: string;
  readonly clientSecret?: string;
  readonly refreshToken: string;
  readonly clientAuth?: ClientAuth;
}

/**
 * Salesforce's JWT bearer flow: iss = the connected app's consumer key, sub = the username. The
 * private key is given as PEM text (an env value) or as the path of a PEM file, read when a
 * token is requested.
 */
export type JwtBearerGrant = {
  readonly kind: 'jwt_bearer';
  readonly clientId: string;
  readonly subject: string;
  /** The login URL, e.g. https://login.salesforce.com (test.salesforce.com for sandboxes). */
  readonly audience: string;
  /** How long the assertion is valid, in seconds; Salesforce accepts at most 3 minutes. */
  readonly lifetimeS?: number;
} & ({ readonly privateKeyPem: string } | { readonly privateKeyFile: string });

export type OAuthGrant = ClientCredentialsGrant | RefreshTokenGrant | JwtBearerGrant;

/** An access token. Its value is only given by value(); every printed form is redacted. */
export class AccessToken {
  readonly #value: string;
  readonly tokenType: string;
  /** When the token expires (ms since the epoch); undefined when the endpoint did not say. */
  readonly expiresAt: number | undefined;
  /** Salesforce's instance_url: where the API lives for this token. */
  readonly instanceUrl: string | undefined;
  constructor(
    value: string,
    tokenType: string,
    expiresAt: number | undefined,
    instanceUrl: string | undefined,
  ) {
    this.#value = value;
    this.tokenType = tokenType;
    this.expiresAt = expiresAt;
    this.instanceUrl = instanceUrl;
  }
  value(): string {
    return this.#value;
  }
  /** The Authorization header's value, e.g. `Bearer …`. */
  authorization(): string {
    return `${/^bearer$/i.test(this.tokenType) ? 'Bearer' : this.tokenType} ${this.#value}`;
  }
  toString(): string {
    return '[access token]';
  }
  toJSON(): unknown {
    return { tokenType: this.tokenType, expiresAt: this.expiresAt, instanceUrl: this.instanceUrl };
  }
  [inspect.custom](): string {
    return `AccessToken { ${this.tokenType}, expiresAt: ${this.expiresAt ?? 'unknown'} }`;
  }
}

/** What a token endpoint answered: the token, and a new refresh token when it rotates them. */
export interface TokenGrantResult {
  readonly token: AccessToken;
  readonly refreshToken: string | undefined;
}

export interface TokenRequestOptions {
  /** The clock, in ms since the epoch (for expiresAt and the JWT's exp). */
  readonly now?: () => number;
  /** Per-request timeout, ms. */
  readonly timeoutMs?: number;
}

/** where names a token endpoint in messages: origin and path, never its query string. */
export function endpointName(tokenUrl: string): string {
  try {
    const u = new URL(tokenUrl);
    return `${u.origin}${u.pathname}`;
  } catch {
    throw new OAuthError(
      `the token URL is not a URL: give an absolute https:// address of the token endpoint`,
    );
  }
}

/** readKeyFile reads a PEM file; the error names the path and the reason, never the content. */
function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new OAuthError(`cannot read the JWT private key file ${path} (${reason}): check the path`, {
      cause: err,
    });
  }
}

/** grantForm builds the form body (and Basic header, if asked) of one token request. */
export function grantForm(grant: OAuthGrant, nowMs: number): { form: URLSearchParams; basic?: string } {
  const form = new URLSearchParams();
  if (grant.kind === 'jwt_bearer') {
    const claims = {
      iss: grant.clientId,
      sub: grant.subject,
      aud: grant.audience,
      exp: Math.floor(nowMs / 1000) + (grant.lifetimeS ?? 180),
    };
    const pem = 'privateKeyFile' in grant ? readKeyFile(grant.privateKeyFile) : grant.privateKeyPem;
    form.set('grant_type', JWT_BEARER_GRANT);
    form.set('assertion', signJwtRs256(claims, privateKeyFromPem(pem)));
    return { form };
  }
  form.set('grant_type', grant.kind);
  if (grant.kind === 'refresh_token') form.set('refresh_token', grant.refreshToken);
  if (grant.kind === 'client_credentials' && grant.scope !== undefined) form.set('scope', grant.scope);
  const secret = grant.clientSecret;
  if (grant.clientAuth === 'basic') {
    const basic = Buffer.from(`${encodeURIComponent(grant.clientId)}:${encodeURIComponent(secret ?? '')}`);
    return { form, basic: `Basic ${basic.toString('base64')}` };
  }
  form.set('client_id', grant.clientId);
  if (secret !== undefined) form.set('client_secret', secret);
  return { form };
}

/** requestToken makes one token request and reads the token, or throws an OAuthError. */
export async function requestToken(
  tokenUrl: string,
  grant: OAuthGrant,
  options: TokenRequestOptions = {},
): Promise<TokenGrantResult> {
  const where = endpointName(tokenUrl);
  const now = options.now ?? Date.now;
  const { form, basic } = grantForm(grant, now());
  const timeout = options.timeoutMs ?? 30_000;
  let status: number;
  let text: string;
  try {
    // undici is loaded at the first token request: importing it with this module made every
    // command pay its load (~0.1 s of CPU), sending or not (undici-transport.ts loads it lazily too).
    const { request } = await import('undici');
    const res = await request(tokenUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        ...(basic ? { authorization: basic } : {}),
      },
      body: form.toString(),
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    status = res.statusCode;
    text = await res.body.text();
  } catch (err) {
    throw new OAuthError(`token request to ${where} got no answer: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return readTokenAnswer(where, grant.kind, status, text, now());
}

/** readTokenAnswer turns a token endpoint's answer into a token, or an OAuthError saying why not. */
export function readTokenAnswer(
  where: string,
  grantKind: OAuthGrant['kind'],
  status: number,
  text: string,
  nowMs: number,
): TokenGrantResult {
  let body: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
      body = parsed as Record<string, unknown>;
  } catch {
    body = undefined;
  }
  if (status < 200 || status > 299) {
    const code = typeof body?.['error'] === 'string' ? body['error'] : undefined;
    const description =
      typeof body?.['error_description'] === 'string' ? `: ${body['error_description']}` : '';
    throw new OAuthError(
      `${where} refused the ${grantKind} grant (HTTP ${status}${code ? `, ${code}` : ''}${description}); ` +
        `check the client id, secret, key or refresh token it was given`,
      { status, ...(code ? { oauthError: code } : {}) },
    );
  }
  const value = body?.['access_token'];
  if (typeof value !== 'string' || value === '') {
    throw new OAuthError(`${where} answered ${status} without an access_token: is this the token endpoint?`, {
      status,
    });
  }
  const expiresIn = Number(body?.['expires_in']);
  const instanceUrl = body?.['instance_url'];
  const refresh = body?.['refresh_token'];
  return {
    token: new AccessToken(
      value,
      typeof body?.['token_type'] === 'string' ? body['token_type'] : 'Bearer',
      Number.isFinite(expiresIn) && expiresIn > 0 ? nowMs + expiresIn * 1000 : undefined,
      typeof instanceUrl === 'string' ? instanceUrl : undefined,
    ),
    refreshToken: typeof refresh === 'string' && refresh !== '' ? refresh : undefined,
  };
}
