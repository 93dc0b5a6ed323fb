// The outcomes the Sender ends requests with (a success, a failure with its code) and the text
// it puts in messages: the start of a body, a redirect's Location made absolute.

import { CODE } from '../error-codes.js';
import { SendError, type SendFailure } from './errors.js';
import { WithHeaderLines } from './header-lines.js';
import type { HttpResponse, SendOutcome } from './types.js';

const EMPTY_BODY = new Uint8Array(0);
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});
const decoder = new TextDecoder();

/** A success whose response kept its header lines: they stay lines (header-lines.ts). */
class Succeeded extends WithHeaderLines implements SendOutcome {
  readonly ok = true;
  readonly status: number;
  readonly body: Uint8Array;
  readonly attempts: number;
  readonly truncated: boolean | undefined;

  constructor(response: HttpResponse, lines: string, attempts: number) {
    super(lines);
    this.status = response.status;
    this.body = response.body;
    this.attempts = attempts;
    this.truncated = response.truncated === true ? true : undefined;
  }
}

export function success(response: HttpResponse, attempts: number): SendOutcome {
  if (response.headerLines !== undefined) return new Succeeded(response, response.headerLines, attempts);
  const ok: SendOutcome = {
    ok: true,
    status: response.status,
    headers: response.headers,
    body: response.body,
    attempts,
  };
  return response.truncated === true ? { ...ok, truncated: true } : ok;
}

export function failure(err: unknown, response: HttpResponse | null, attempts: number): SendOutcome {
  const code = err instanceof SendError ? err.code : CODE.EBB_SEND_INTERNAL;
  return failed({ code, message: errorMessage(err) }, response, attempts);
}

/** A failure whose last response kept its header lines: they stay lines (header-lines.ts). */
class Failed extends WithHeaderLines implements SendOutcome {
  readonly ok = false;
  readonly status: number;
  readonly body: Uint8Array;
  readonly attempts: number;
  readonly truncated: boolean | undefined;
  readonly error: SendFailure;

  constructor(response: HttpResponse, lines: string, attempts: number, error: SendFailure) {
    super(lines);
    this.status = response.status;
    this.body = response.body;
    this.attempts = attempts;
    this.truncated = response.truncated === true ? true : undefined;
    this.error = error;
  }
}

/** failed is the outcome of a request that ended with `error` (a status failure, no Error made). */
export function failed(error: SendFailure, response: HttpResponse | null, attempts: number): SendOutcome {
  if (response?.headerLines !== undefined) return new Failed(response, response.headerLines, attempts, error);
  const out: SendOutcome = {
    ok: false,
    status: response === null ? null : response.status,
    headers: response === null ? NO_HEADERS : response.headers,
    body: response === null ? EMPTY_BODY : response.body,
    attempts,
    error,
  };
  return response?.truncated === true ? { ...out, truncated: true } : out;
}

/** A Location header as an absolute URL (it may be relative to the request's). */
export function resolved(location: string, base: string): string {
  try {
    return new URL(location, base).href;
  } catch {
    return location;
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The start of a body as one line of text, for error messages. */
export function excerpt(body: Uint8Array, maxChars: number): string {
  if (body.length === 0 || maxChars <= 0) return '';
  const text = decoder
    .decode(body.length > maxChars * 4 ? body.subarray(0, maxChars * 4) : body)
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > maxChars ? text.slice(0, maxChars) + '…' : text;
}
