// What the sender does after one attempt, in one place: which answers are retried, how long
// to wait, and whether the wait spends the retry budget. Pure functions of the attempt's
// result and the request's history, so every rule is unit-testable without a server.
//
// The rules:
// - 2xx ends the request, ok. Any other status below 500 except 429 ends it, not ok, not retried
//   (the destination answered clearly: a 400 will be a 400 again).
// - 429, and a 503 carrying Retry-After, are the destination telling us to slow down: the
//   request waits (Retry-After when given, else exponential backoff) and is re-attempted
//   WITHOUT spending the retry budget. A Retry-After above the cap ends the request with
//   EBB_HTTP_RETRY_AFTER_TOO_LONG (the sender then stops the origin, like the breaker). Such
//   free waits are bounded per request (a count and a total), so a destination answering 429
//   forever cannot hold a run forever; past the bound the request fails with its last status.
// - Other 5xx, timeouts and network errors spend one retry each and wait exponential backoff
//   with full jitter; when the budget is spent the request fails with the last error.
// - Errors that no retry can fix (a bad URL, a request undici refuses, a stopped sender) end it.
import { CODE, type EbbCode } from '../error-codes.js';

export interface RetryLimits {
  readonly retries: number; // failed attempts retried, after the first
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly retryAfterCapMs: number;
  readonly maxRetryAfterWaits: number;
  readonly maxRetryAfterTotalMs: number;
}

/** What one request has been through so far. */
export interface RetryState {
  /** Attempts that spent the budget (5xx, timeout, network). */
  failures: number;
  /** Free waits taken (429, 503 with Retry-After), and their total. */
  freeWaits: number;
  freeWaitedMs: number;
}

export type Decision =
  | { readonly kind: 'done' } // ok, or a final answer not worth retrying
  | { readonly kind: 'retry'; readonly waitMs: number; readonly free: boolean }
  | { readonly kind: 'give-up' } // budget or free-wait bound exhausted: fail with the last error
  | { readonly kind: 'too-long'; readonly retryAfterMs: number };

const DONE: Decision = { kind: 'done' };
const GIVE_UP: Decision = { kind: 'give-up' };

/** Codes of transport errors worth another attempt. */
export function isRetryableErrorCode(code: EbbCode): boolean {
  return code === CODE.EBB_HTTP_NETWORK || code === CODE.EBB_HTTP_TIMEOUT;
}

/**
 * Decides after an attempt that got an HTTP answer. `retryAfter` is the raw header (or
 * undefined); `state` is updated when the decision is to retry.
 */
export function decideAfterStatus(
  status: number,
  retryAfter: string | undefined,
  state: RetryState,
  limits: RetryLimits,
  random: () => number,
  wallNow: number,
): Decision {
  if (status < 500 && status !== 429) return DONE;
  const afterMs = retryAfter === undefined ? null : parseRetryAfter(retryAfter, wallNow);
  if (status === 429 || (status === 503 && afterMs !== null)) {
    if (afterMs !== null && afterMs > limits.retryAfterCapMs)
      return { kind: 'too-long', retryAfterMs: afterMs };
    const waitMs = afterMs ?? backoffMs(state.freeWaits + 1, limits, random);
    if (
      state.freeWaits >= limits.maxRetryAfterWaits ||
      state.freeWaitedMs + waitMs > limits.maxRetryAfterTotalMs
    ) {
      return GIVE_UP;
    }
    state.freeWaits++;
    state.freeWaitedMs += waitMs;
    return { kind: 'retry', waitMs, free: true };
  }
  return spend(state, limits, random);
}

/** Decides after an attempt that ended in a transport error with the given code. */
export function decideAfterError(
  code: EbbCode,
  state: RetryState,
  limits: RetryLimits,
  random: () => number,
): Decision {
  return isRetryableErrorCode(code) ? spend(state, limits, random) : DONE;
}

function spend(state: RetryState, limits: RetryLimits, random: () => number): Decision {
  if (state.failures >= limits.retries) return GIVE_UP;
  state.failures++;
  return { kind: 'retry', waitMs: backoffMs(state.failures, limits, random), free: false };
}

/** Full jitter: uniform in [0, min(max, base·2^(n-1))) for the n-th consecutive failure. */
export function backoffMs(
  n: number,
  limits: Pick<RetryLimits, 'backoffBaseMs' | 'backoffMaxMs'>,
  random: () => number,
): number {
  const ceiling = Math.min(limits.backoffMaxMs, limits.backoffBaseMs * 2 ** Math.min(n - 1, 30));
  return Math.floor(random() * ceiling);
}

const DELTA_SECONDS = /^\s*(\d+(?:\.\d+)?)\s*$/;

/**
 * Retry-After in milliseconds from now: delta-seconds ("120") or an HTTP-date
 * ("Wed, 21 Oct 2015 07:28:00 GMT"; a date in the past means 0). null when unparseable,
 * which is treated as if the header were absent.
 */
export function parseRetryAfter(value: string, wallNow: number): number | null {
  const m = DELTA_SECONDS.exec(value);
  if (m !== null) return Math.round(Number(m[1]) * 1000);
  // Only dates that name a weekday or month as HTTP-dates do; Date.parse accepts far more.
  if (!/[A-Za-z]{3}/.test(value)) return null;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - wallNow);
}
