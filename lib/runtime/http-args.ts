// The arguments of http.get/post/put/patch/delete and http.request as typed parameter kinds
// (the interpreter's `unpack`, as starlark-go's builtins use UnpackArgs): each keyword argument
// arrives converted and checked, and a mistake reads "http.post: for parameter timeout: …" at
// the script's line. None means "not given" for every optional one.

import {
  anyValue,
  orNone,
  repr,
  str,
  string,
  toJS,
  typeName,
  type Kind,
  type Value,
} from '../starlark/index.js';
import { OAuthAuth } from './oauth-module.js';

/** A dict's entries, its keys strings (params=, headers=, data=); values are checked where used. */
const entries: Kind<Array<[string, unknown]>> = {
  convert: (v, no) => {
    const t = typeName(v);
    if (t !== 'dict') return no(`got ${t}, want dict`);
    const m = toJS(v) as Map<unknown, unknown>;
    return [...m].map(([k, x]): [string, unknown] => {
      if (typeof k !== 'string')
        no(
          `has a key of type ${typeof k === 'bigint' || typeof k === 'number' ? 'int' : typeof k}; keys must be strings`,
        );
      return [k as string, x];
    });
  },
};

/** body=: a string (sent as UTF-8) or bytes. */
const body: Kind<Uint8Array> = {
  convert: (v, no) => {
    const t = typeName(v);
    if (t === 'string') return Buffer.from(str(v), 'utf8');
    if (t === 'bytes') return toJS(v) as Uint8Array;
    return no(`got ${t}, want string or bytes (use json= for a dict or list)`);
  },
};

/** auth=: a ("user", "password") pair, as the value of a Basic authorization header, or an oauth grant. */
const basicAuth: Kind<string | OAuthAuth> = {
  convert: (v, no) => {
    if (v instanceof OAuthAuth) return v;
    const t = typeName(v);
    const parts = t === 'tuple' || t === 'list' ? (toJS(v) as unknown[]) : undefined;
    const [user, password] = parts ?? [];
    if (parts?.length !== 2 || typeof user !== 'string' || typeof password !== 'string')
      return no(`want a pair of strings ("user", "password") or an oauth grant (the oauth module), got ${t}`);
    return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
  },
};

/** timeout=: seconds (int or float), as milliseconds. */
const seconds: Kind<number> = {
  convert: (v, no) => {
    const t = typeName(v);
    const n = t === 'int' || t === 'float' ? Number(toJS(v)) : NaN;
    if (!(n > 0) || !Number.isFinite(n)) return no(`in seconds, a positive number, not ${repr(v)}`);
    return Math.round(n * 1000);
  },
};

/** The keyword arguments every http.* function takes, after its URL. */
export const REQUEST_PARAMS = [
  ['params?', orNone(entries)],
  ['headers?', orNone(entries)],
  ['json?', orNone(anyValue)],
  ['data?', orNone(entries)],
  ['body?', orNone(body)],
  ['auth?', orNone(basicAuth)],
  ['timeout?', orNone(seconds)],
] as const;

/** http.request's method: letters, upper-cased. */
export const method: Kind<string> = {
  convert: (v, no) => {
    const m = string.convert(v, no).toUpperCase();
    if (!/^[A-Z]+$/.test(m)) return no(`bad method ${repr(v)}`);
    return m;
  },
};

/** RequestArgs are the keyword arguments of a request, converted (absent: not given). */
export interface RequestArgs {
  readonly params: Array<[string, unknown]> | undefined;
  readonly headers: Array<[string, unknown]> | undefined;
  readonly json: Value | undefined;
  readonly data: Array<[string, unknown]> | undefined;
  readonly body: Uint8Array | undefined;
  /** The Authorization header of auth=, or the oauth grant that gives it. */
  readonly auth: string | OAuthAuth | undefined;
  readonly timeoutMs: number | undefined;
}

/** No keyword argument given. */
export const NO_ARGS: RequestArgs = {
  params: undefined,
  headers: undefined,
  json: undefined,
  data: undefined,
  body: undefined,
  auth: undefined,
  timeoutMs: undefined,
};

/** requestArgs names the unpacked keyword arguments, in REQUEST_PARAMS's order. */
export function requestArgs(
  rest: readonly [
    RequestArgs['params'],
    RequestArgs['headers'],
    RequestArgs['json'],
    RequestArgs['data'],
    RequestArgs['body'],
    RequestArgs['auth'],
    RequestArgs['timeoutMs'],
  ],
): RequestArgs {
  const [params, headers, json, data, body, auth, timeoutMs] = rest;
  return { params, headers, json, data, body, auth, timeoutMs };
}
