// The errors of lib/send, one class per stable code. Transports reject with EBB_HTTP_NETWORK /
// EBB_HTTP_TIMEOUT; the sender turns every failure into a SendOutcome whose `error` carries the
// code and message of one of these, so the bridge, `ebb status` and tests match on the code.

import { CODE, type EbbCode } from '../error-codes.js';
import { EbbError } from '../errors.js';

export class SendError extends EbbError {
  constructor(code: EbbCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SendError';
  }
}

/** Connection refused or reset, DNS failure, TLS failure: no HTTP response came. */
export class NetworkError extends SendError {
  readonly origin: string;
  constructor(origin: string, message: string, options?: { cause?: unknown }) {
    super(CODE.EBB_HTTP_NETWORK, message, options);
    this.name = 'NetworkError';
    this.origin = origin;
  }
}

/** An attempt exceeded its per-request timeout (@timeout). */
export class TimeoutError extends SendError {
  readonly origin: string;
  readonly timeoutMs: number;
  constructor(origin: string, timeoutMs: number, options?: { cause?: unknown }) {
    super(
      CODE.EBB_HTTP_TIMEOUT,
      `no complete response from ${origin} within ${timeoutMs} ms (raise @timeout if the API is slow)`,
      options,
    );
    this.name = 'TimeoutError';
    this.origin = origin;
    this.timeoutMs = timeoutMs;
  }
}

/** The last attempt got a non-2xx answer. `origin`, not the URL: a query string may hold a key.
 *  A redirect names its Location: it is not followed (the request's credentials were meant for
 *  its own origin), so the user needs the new URL to fix the model. */
export class HttpStatusError extends SendError {
  readonly status: number;
  constructor(method: string, origin: string, status: number, bodyExcerpt: string, location?: string) {
    super(CODE.EBB_HTTP_STATUS, statusMessage(method, origin, status, bodyExcerpt, location));
    this.name = 'HttpStatusError';
    this.status = status;
  }
}

/** statusMessage is an HttpStatusError's message. */
function statusMessage(
  method: string,
  origin: string,
  status: number,
  bodyExcerpt: string,
  location: string | undefined,
): string {
  const moved =
    location === undefined
      ? ''
      : ` (a redirect to ${location}, not followed: ebb does not follow redirects, so credentials stay with the origin they were written for; send to the new URL)`;
  return `${method} ${origin} answered ${status}${moved}` + (bodyExcerpt === '' ? '' : `: ${bodyExcerpt}`);
}

/** A failure as an outcome and the breaker keep it: its code and message. */
export interface SendFailure {
  readonly code: EbbCode;
  readonly message: string;
}

/**
 * statusFailure is what the Sender keeps of a non-2xx answer: EBB_HTTP_STATUS and
 * HttpStatusError's message, without making the Error: the answer is the API's, not a fault of
 * the code that noticed it, and an outcome and the breaker read only these two. An Error, even
 * without its stack, was ~3 µs per failed attempt on the main thread (two per failed row).
 */
export function statusFailure(
  method: string,
  origin: string,
  status: number,
  bodyExcerpt: string,
  location?: string,
): SendFailure {
  return {
    code: CODE.EBB_HTTP_STATUS,
    message: statusMessage(method, origin, status, bodyExcerpt, location),
  };
}

/** The origin's circuit breaker is open: the send was not attempted. */
export class CircuitOpenError extends SendError {
  readonly origin: string;
  /** `why` completes "stopped sending to ORIGIN …", e.g. "after 80 of the last 100 requests failed". */
  constructor(origin: string, why: string, lastError: string) {
    super(CODE.EBB_HTTP_CIRCUIT_OPEN, `stopped sending to ${origin} ${why}; last error: ${lastError}`);
    this.name = 'CircuitOpenError';
    this.origin = origin;
  }
}

/** A Retry-After beyond the cap (or beyond the bound on such waits) stops the request. */
export class RetryAfterTooLongError extends SendError {
  readonly origin: string;
  readonly retryAfterMs: number;
  constructor(origin: string, retryAfterMs: number, capMs: number, detail?: string) {
    super(
      CODE.EBB_HTTP_RETRY_AFTER_TOO_LONG,
      detail ??
        `${origin} asked to retry after ${Math.ceil(retryAfterMs / 1000)} s, more than the ` +
          `${Math.round(capMs / 1000)} s ebb waits; run again later`,
    );
    this.name = 'RetryAfterTooLongError';
    this.origin = origin;
    this.retryAfterMs = retryAfterMs;
  }
}

/** sender.stop() was called before this request's attempt could start. `origin`, not the URL
 *  (a query string may hold a key). */
export class SendStoppedError extends SendError {
  constructor(method: string, origin: string) {
    super(CODE.EBB_SEND_STOPPED, `${method} ${origin} was not sent: sending was stopped`);
    this.name = 'SendStoppedError';
  }
}

/** A URL that is not an absolute http(s) URL. */
export class BadUrlError extends SendError {
  constructor(url: string, why: string) {
    super(CODE.EBB_HTTP_BAD_URL, `bad URL ${JSON.stringify(url)}: ${why} (expected http://… or https://…)`);
    this.name = 'BadUrlError';
  }
}

/** undici refused the request itself (an invalid header value, a path with spaces): not retried. */
export class InvalidRequestError extends SendError {
  constructor(method: string, origin: string, why: string, options?: { cause?: unknown }) {
    super(CODE.EBB_HTTP_INVALID_REQUEST, `${method} ${origin} cannot be sent: ${why}`, options);
    this.name = 'InvalidRequestError';
  }
}
