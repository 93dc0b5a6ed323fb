// Splits an absolute http(s) URL into the origin (the key of its connection pool) and the
// request path, without building a URL object per request: the sender sees every request of
// a model, and the origin is all it needs to pick a pool and a circuit breaker. Anything the
// fast path does not recognise goes through WHATWG URL parsing, which also gives the error.

import { BadUrlError } from './errors.js';

export interface SplitUrl {
  /** scheme://host[:port], as written (the pool and breaker key). */
  readonly origin: string;
  /** path and query, starting with '/'; the fragment is dropped. */
  readonly path: string;
}

/** The URL split last and its parts: a loop posts to one URL, in a new string each time. */
let lastUrl: string | undefined;
let lastSplit: SplitUrl | undefined;

/** Splits `url` or throws BadUrlError (not http(s), no host, credentials in the URL, malformed). */
export function splitUrl(url: string): SplitUrl {
  if (url === lastUrl) return lastSplit!;
  const end = authorityEnd(url);
  const split = end > 0 ? fastSplit(url, end) : slowSplit(url);
  lastUrl = url;
  lastSplit = split;
  return split;
}

function fastSplit(url: string, end: number): SplitUrl {
  const hash = url.indexOf('#', end);
  const rest = hash < 0 ? url.slice(end) : url.slice(end, hash);
  return {
    origin: sameOrigin(url, end),
    path: rest === '' ? '/' : rest.charCodeAt(0) === 47 ? rest : '/' + rest,
  };
}

/**
 * The origin a fast path found last, returned again for a URL that has it: one string for every
 * request to an origin, not a slice each, so the maps keyed by it (pools, breakers) find it by
 * the hash the string keeps rather than hashing a new one (a loop posting to url + str(id) made
 * a new URL, and origin, per row).
 */
let lastOrigin = '';

/** sameOrigin is `url`'s first `end` characters (its origin), as the string of lastOrigin when it is that. */
function sameOrigin(url: string, end: number): string {
  if (end === lastOrigin.length && url.startsWith(lastOrigin)) return lastOrigin;
  lastOrigin = url.slice(0, end);
  return lastOrigin;
}

/** The origin of `url` (the same string splitUrl gives), or throws BadUrlError. */
export function originOf(url: string): string {
  const end = authorityEnd(url);
  return end > 0 ? sameOrigin(url, end) : slowSplit(url).origin;
}

/** Where the authority of a plain lower-case http(s) URL ends; -1 when the full parser must decide. */
function authorityEnd(url: string): number {
  const start = url.startsWith('https://') ? 8 : url.startsWith('http://') ? 7 : -1;
  if (start < 0) return -1;
  let end = start;
  while (end < url.length) {
    const c = url.charCodeAt(end);
    // '/', '?', '#' end the authority; '@' (userinfo), '\\', space and controls need the full parser.
    if (c === 47 || c === 63 || c === 35) break;
    if (c === 64 || c === 92 || c <= 32 || c >= 127) return -1;
    end++;
  }
  return end === start ? -1 : end;
}

function slowSplit(url: string): SplitUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new BadUrlError(url, 'not a valid absolute URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new BadUrlError(url, `the scheme ${parsed.protocol.slice(0, -1)} is not supported`);
  }
  if (parsed.hostname === '') throw new BadUrlError(url, 'no host');
  if (parsed.username !== '' || parsed.password !== '') {
    throw new BadUrlError(url, 'credentials in the URL are not sent; pass auth=(user, password)');
  }
  return { origin: parsed.origin, path: parsed.pathname + parsed.search };
}
