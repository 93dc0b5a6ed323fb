// The `oauth` module of models and their libraries (worker side): OAuth 2.0 grants as values a
// script passes to http.*'s `auth=`. Making one fetches nothing: it registers the grant with the
// main thread (oauth-transport.ts), which gets the token when a request first needs it,
// refreshes it and keeps it out of every output. The script never sees the token.
//
//   auth = oauth.client_credentials(token_url=…, client_id=…, client_secret=env.get("SECRET"))
//   http.post(url, json=body, auth=auth)

import {
  Builtin,
  HostValue,
  int,
  makeModule,
  orNone,
  string,
  unpack,
  type Value,
} from '../starlark/index.js';
import type { Client } from './channel.js';
import type { ModelOps } from './protocol.js';
import type { OAuthGrant } from '../send/oauth.js';

/** OAuthAuth is a registered grant, as `auth=` of http.* takes it. */
export class OAuthAuth extends HostValue {
  readonly id: number;
  readonly #kind: OAuthGrant['kind'];
  readonly #tokenUrl: string;

  constructor(id: number, kind: OAuthGrant['kind'], tokenUrl: string) {
    super();
    this.id = id;
    this.#kind = kind;
    this.#tokenUrl = tokenUrl;
  }

  type(): string {
    return 'oauth';
  }

  /** Names the grant and its endpoint, never a secret (a query string may hold one: left out). */
  override repr(): string {
    return `<oauth ${this.#kind} ${this.#tokenUrl.split('?')[0]}>`;
  }
}

/** oauthModule is the predeclared `oauth`; `register` hands each grant to the main thread. */
export function oauthModule(client: Client<ModelOps>): Value {
  let next = 0;
  const register = (tokenUrl: string, grant: OAuthGrant, fn: string): OAuthAuth => {
    if (!/^https?:\/\/[^/]/.test(tokenUrl))
      throw new Error(
        `${fn}: token_url must be an absolute http(s) URL of the token endpoint, not ${JSON.stringify(tokenUrl)}`,
      );
    const id = ++next;
    client.post('oauth', { id, tokenUrl, grant }, fn);
    return new OAuthAuth(id, grant.kind, tokenUrl);
  };
  const scopeOf = (scope: string | undefined) => (scope === undefined ? {} : { scope });
  const basic = (b: string | undefined, fn: string) => {
    if (b === undefined || b === 'body') return {};
    if (b === 'basic') return { clientAuth: 'basic' as const };
    throw new Error(
      `${fn}: client_auth is "body" (form fields, the default) or "basic", not ${JSON.stringify(b)}`,
    );
  };
  return makeModule('oauth', {
    client_credentials: new Builtin('oauth.client_credentials', (_th, fn, args, kwargs) => {
      const [url, id, secret, scope, auth] = unpack(
        fn.name,
        args,
        kwargs,
        ['token_url', string],
        ['client_id', string],
        ['client_secret', string],
        ['scope?', orNone(string)],
        ['client_auth?', orNone(string)],
      );
      const grant = { kind: 'client_credentials' as const, clientId: id, clientSecret: secret };
      return register(url, { ...grant, ...scopeOf(scope), ...basic(auth, fn.name) }, fn.name);
    }),
    refresh_token: new Builtin('oauth.refresh_token', (_th, fn, args, kwargs) => {
      const [url, id, refresh, secret, auth] = unpack(
        fn.name,
        args,
        kwargs,
        ['token_url', string],
        ['client_id', string],
        ['refresh_token', string],
        ['client_secret?', orNone(string)],
        ['client_auth?', orNone(string)],
      );
      const grant = { kind: 'refresh_token' as const, clientId: id, refreshToken: refresh };
      const withSecret = secret === undefined ? grant : { ...grant, clientSecret: secret };
      return register(url, { ...withSecret, ...basic(auth, fn.name) }, fn.name);
    }),
    jwt_bearer: new Builtin('oauth.jwt_bearer', (_th, fn, args, kwargs) => {
      const [url, id, subject, audience, key, keyFile, lifetime] = unpack(
        fn.name,
        args,
        kwargs,
        ['token_url', string],
        ['client_id', string],
        ['subject', string],
        ['audience', string],
        ['private_key?', orNone(string)],
        ['private_key_file?', orNone(string)],
        ['lifetime?', orNone(int)],
      );
      if ((key === undefined) === (keyFile === undefined))
        throw new Error(
          `${fn.name}: give the private key as private_key= (PEM text) or private_key_file= (a path), one of them`,
        );
      const grant = { kind: 'jwt_bearer' as const, clientId: id, subject, audience };
      const withKey =
        key === undefined ? { ...grant, privateKeyFile: keyFile! } : { ...grant, privateKeyPem: key };
      return register(url, lifetime === undefined ? withKey : { ...withKey, lifetimeS: lifetime }, fn.name);
    }),
  });
}
