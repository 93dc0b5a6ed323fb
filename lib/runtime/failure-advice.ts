// What to tell a user whose requests failed: the first failure (method, URL, what happened,
// after how many attempts) and what to do about that kind of failure — a refused connection,
// a host name that does not resolve, a timeout, credentials the API refused, data it refused.
// The model's error message and code are built from it; secrets are redacted by the caller.

import { CODE, type EbbCode } from '../error-codes.js';
import type { SendOutcome } from '../send/index.js';
import type { HttpCall } from './protocol.js';

/** One request that ended without a 2xx, as the Delivery kept it. */
export interface FailedRequest {
  readonly req: HttpCall;
  readonly outcome: SendOutcome;
}

/** failureCode is the code a model failed by this request reports (EBB_HTTP_STATUS, EBB_HTTP_NETWORK, …). */
export function failureCode(f: FailedRequest): EbbCode {
  return f.outcome.error?.code ?? CODE.EBB_HTTP_STATUS;
}

/**
 * describeFailure is `POST http://host/path: answered 401: <body excerpt> (1 attempt)` or
 * `POST http://host/path: connection refused by http://host (after 6 attempts)`. The URL is
 * shown without its query string, which may hold a key.
 */
export function describeFailure(f: FailedRequest): string {
  const what =
    f.outcome.error?.message ?? (f.outcome.status === null ? 'no response' : `status ${f.outcome.status}`);
  const attempts = f.outcome.attempts;
  const url = withoutQuery(f.req.url);
  // A status error names the method and origin itself: keep what follows them.
  const prefix = `${f.req.method} ${originOf(url)} `;
  const rest = what.startsWith(prefix) ? what.slice(prefix.length) : what;
  const at = f.req.at === undefined ? '' : ` (at ${f.req.at})`;
  return `${f.req.method} ${url}${at}: ${rest} (${attempts === 1 ? '1 attempt' : `after ${attempts} attempts`})`;
}

function withoutQuery(url: string): string {
  const at = url.search(/[?#]/);
  return at < 0 ? url : url.slice(0, at);
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/** advice says what to do about a failed request, from its code and status. */
export function advice(f: FailedRequest): string {
  const code = failureCode(f);
  const status = f.outcome.status;
  const message = f.outcome.error?.message ?? '';
  if (code === CODE.EBB_HTTP_NETWORK) {
    if (/host not found/.test(message))
      return 'check the host name in the URL (it does not resolve) and the network';
    if (/refused/.test(message)) return 'is the API running, on that host and port? check the URL';
    return 'check that the API is reachable from here, and the URL';
  }
  if (code === CODE.EBB_HTTP_TIMEOUT)
    return `the API did not answer within @timeout (${f.req.timeoutMs / 1000}s): raise @timeout, or check the API`;
  if (status === 401 || status === 403) {
    return 'the API refused the credentials: check the token or key the model sends (the value env.get() reads from the environment or .env) and its permissions';
  }
  if (status === 404) return 'check the URL and its path';
  if (status === 429) return 'the API kept asking to slow down: lower @rate_limit';
  if (status !== null && status >= 500)
    return 'the API failed on its side, after the retries: try again later, or raise @retries';
  if (status !== null && status >= 400)
    return "the API refused the request: its answer above says why; fix the data or the model's request";
  return 'see ebb status for each row';
}
