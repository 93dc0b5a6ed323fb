// buildRequest turns the arguments of a script's http call (url, params, headers, json, data,
// body, auth, timeout) into the request handed to the main thread; a mistake in them fails at
// the model's line with the builtin's name. It also adds the Idempotency-Key here, in the
// worker, where the body was just built: the main thread, the seed loop's bottleneck, then only
// sends (the key's definition is lib/send/idempotency.ts's, the same either side).

import { idempotencyKey, needsKey } from '../send/idempotency.js';
import { OAUTH_HEADER } from './oauth-grant.js';
import type { Thread } from '../starlark/index.js';
import type { RequestArgs } from './http-args.js';
import { encodeJson } from './http-json.js';
import type { ScriptCall } from './protocol.js';

/**
 * A json= body up to this many bytes crosses to the main thread as the byte string json.encode
 * made (a string's clone is cheaper than a buffer's); a larger one as its own buffer, which moves
 * to the main thread without a copy (a batch of 500 rows is ~50 KB).
 */
const INLINE_BODY_BYTES = 4096;

/** What keys a model's requests: the state's secret and the model's name (initIdempotency done). */
export interface RequestKeying {
  readonly secret: Uint8Array;
  readonly model: string;
}

/**
 * buildRequest applies params/headers/json/data/body/auth/timeout; mistakes fail at the model's
 * line. With `keying`, a request that needs an Idempotency-Key (not a GET, none set by the
 * script) gets it.
 */
export function buildRequest(
  th: Thread,
  fn: string,
  method: string,
  text: string,
  args: RequestArgs,
  defaultTimeoutMs: number,
  keying?: RequestKeying,
): ScriptCall {
  let href: string;
  if (args.params === undefined || args.params.length === 0) href = hrefOf(fn, text);
  else {
    const url = parseUrl(fn, text);
    for (const [k, v] of args.params) {
      for (const x of Array.isArray(v) ? v : [v])
        url.searchParams.append(k, scalarText(x, `${fn}: params[${JSON.stringify(k)}]`));
    }
    href = url.href;
  }
  const headers: Record<string, string> = {};
  const given = [args.json, args.data, args.body].filter((x) => x !== undefined).length;
  if (given > 1) throw new Error(`${fn}: json=, data= and body= are alternatives; pass only one`);
  let payload: Uint8Array | string | undefined = args.body;
  if (args.json !== undefined) {
    const text = encodeJson(args.json, `${fn}: json=`);
    payload = text.length > INLINE_BODY_BYTES ? Buffer.from(text, 'latin1') : text;
    headers['content-type'] = 'application/json';
  } else if (args.data !== undefined) {
    const form = new URLSearchParams();
    for (const [k, v] of args.data) {
      for (const x of Array.isArray(v) ? v : [v])
        form.append(k, scalarText(x, `${fn}: data[${JSON.stringify(k)}]`));
    }
    payload = Buffer.from(form.toString(), 'utf8');
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  if (typeof args.auth === 'string') headers['authorization'] = args.auth;
  else if (args.auth !== undefined) headers[OAUTH_HEADER] = String(args.auth.id);
  for (const [k, v] of args.headers ?? []) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k))
      throw new Error(`${fn}: ${JSON.stringify(k)} is not a valid header name`);
    headers[k.toLowerCase()] = scalarText(v, `${fn}: headers[${JSON.stringify(k)}]`);
  }
  const timeoutMs = args.timeoutMs ?? defaultTimeoutMs;
  const call: ScriptCall =
    payload === undefined
      ? { method, url: href, headers, timeoutMs }
      : { method, url: href, headers, body: payload, timeoutMs };
  if (keying !== undefined && needsKey(call))
    headers['idempotency-key'] = idempotencyKey(keying.secret, keying.model, method, call.url, payload);
  return call;
}

/**
 * The last URL text without params and its normalised form: a loop that posts to one URL parses
 * it once, not once a row (a URL object costs the worker a parse and a few objects).
 */
let lastText = '';
let lastHref = '';

/** hrefOf is the normalised form of an absolute http(s) URL (parseUrl's href). */
function hrefOf(fn: string, text: string): string {
  if (text !== lastText || lastText === '') {
    lastHref = parseUrl(fn, text).href;
    lastText = text;
  }
  return lastHref;
}

/** parseUrl reads an absolute http(s) URL. */
function parseUrl(fn: string, text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(
      `${fn}: ${JSON.stringify(text)} is not a valid URL (write it in full, e.g. https://api.example.com/v1/users)`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(
      `${fn}: ${JSON.stringify(text)} is not an http(s) URL (the scheme is ${url.protocol.slice(0, -1)})`,
    );
  }
  return url;
}

function scalarText(x: unknown, where: string): string {
  if (typeof x === 'string') return x;
  if (typeof x === 'number' || typeof x === 'bigint') return String(x);
  if (typeof x === 'boolean') return x ? 'true' : 'false';
  throw new Error(
    `${where} must be a string, number or bool, not ${x === null ? 'NoneType' : Array.isArray(x) ? 'list' : typeof x}`,
  );
}
