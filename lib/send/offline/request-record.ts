// A RequestRecord is one request as the offline recorder writes it to NDJSON: method, URL,
// headers and body, with secrets redacted, in a form that is stable from run to run (header
// names sorted, content-length left out because it follows from the body) and readable in a
// golden file (a JSON body is written as JSON, not as an escaped string).

import type { HttpRequest } from '../types.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface RequestRecord {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The body: parsed JSON when the content type says JSON, else its text; absent when empty. */
  readonly body?: JsonValue;
  /** A body that is not UTF-8 text, base64-encoded (then `body` is absent). */
  readonly body_base64?: string;
}

export type Redact = (text: string) => string;

/** Headers that follow from others or from the body; recording them only adds noise to goldens. */
const DERIVED_HEADERS = new Set(['content-length']);

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * toRecord turns a request into its record, passing every header value, the URL and every
 * string of the body through `redact`. The idempotency key of a request whose URL or body held
 * a secret is redacted too: it is a hash of them, and `ebb test` keys it with a fixed, public
 * project key (so goldens are stable), against which a short secret could be guessed.
 */
export function toRecord(req: HttpRequest, redact: Redact): RequestRecord {
  const url = redact(req.url);
  let text: string | undefined;
  try {
    text = req.body && req.body.length > 0 ? utf8.decode(req.body) : undefined;
  } catch {
    text = undefined;
  }
  const secretBased = url !== req.url || (text !== undefined && redact(text) !== text);
  const headers: Record<string, string> = {};
  for (const name of Object.keys(req.headers).sort()) {
    if (DERIVED_HEADERS.has(name)) continue;
    headers[name] =
      name === 'idempotency-key' && secretBased ? '***' : redactHeader(name, req.headers[name]!, redact);
  }
  const base = { method: req.method, url, headers };
  if (!req.body || req.body.length === 0) return base;
  if (text === undefined) return { ...base, body_base64: Buffer.from(req.body).toString('base64') };
  if (isJsonType(req.headers['content-type'])) {
    const parsed = tryParse(text);
    if (parsed !== undefined) return { ...base, body: redactJson(parsed, redact) };
  }
  return { ...base, body: redact(text) };
}

/** isJsonType tells whether a content type is JSON (application/json, anything+json). */
export function isJsonType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const mime = contentType.split(';')[0]!.trim().toLowerCase();
  return mime === 'application/json' || mime.endsWith('+json');
}

function tryParse(text: string): JsonValue | undefined {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return undefined;
  }
}

/**
 * redactHeader redacts a header value. Basic credentials are base64, so a secret password
 * would not appear in the header's text: they are decoded, redacted and encoded again.
 */
function redactHeader(name: string, value: string, redact: Redact): string {
  if (name === 'authorization' || name === 'proxy-authorization') {
    const basic = /^basic\s+(\S+)$/i.exec(value);
    if (basic) {
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const redacted = redact(decoded);
      if (redacted !== decoded) return `Basic ${Buffer.from(redacted, 'utf8').toString('base64')}`;
    }
  }
  return redact(value);
}

/** redactJson redacts every string (keys too) of a parsed JSON value. */
function redactJson(value: JsonValue, redact: Redact): JsonValue {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactJson(v, redact));
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: JsonValue } = {};
    for (const [k, v] of Object.entries(value)) out[redact(k)] = redactJson(v, redact);
    return out;
  }
  return value;
}
