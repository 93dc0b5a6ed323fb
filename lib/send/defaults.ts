// Every default of the sender in one block, each with its unit. Directives (@concurrency,
// @retries, @timeout, @rate_limit) override the first three per model; the others are
// engine-wide safety bounds documented in docs/http.md.

export const SEND_DEFAULTS = {
  /** Requests in flight at once per model (@concurrency). */
  concurrency: 16, // requests
  /** Retries after the first attempt (@retries); a request makes at most retries + 1 failed attempts. */
  retries: 5, // attempts
  /** Per-attempt timeout (@timeout): headers and the whole body must arrive within it
   *  (enforced with undici's coarse timers: up to about a second late). */
  timeoutMs: 30_000, // ms
  /** Exponential backoff with full jitter: wait = random() * min(max, base * 2^(failures-1)).
   *  100 ms, the AWS SDK for JavaScript's base for the same scheme: 250 ms made the last
   *  retries of a sync whose rows partly fail its tail (~250 ms of waiting for nothing else),
   *  and every failing row waited 2.5× longer while the destination answered the others. */
  backoffBaseMs: 100, // ms
  backoffMaxMs: 30_000, // ms
  /** A Retry-After longer than this stops the model (like the breaker) instead of waiting. */
  retryAfterCapMs: 60_000, // ms
  /** Free waits (after a 429, or a 503 carrying Retry-After) do not spend the retry budget;
   *  this bounds them per request so a destination answering 429 forever cannot hold a run
   *  forever (past it the request fails with its last status). */
  maxRetryAfterWaits: 100, // waits per request
  /** Total time one request may spend waiting on Retry-After before it fails. */
  maxRetryAfterTotalMs: 600_000, // ms (10 min)
  /** @rate_limit: N/PERIOD spaces attempts (PERIOD + slack) / N apart, slack = max(margin ×
   *  PERIOD, minimum): room for jitter between a grant and its arrival (event loop, network, the
   *  receiver's own scheduling), so that the destination does not see N + 1 in one PERIOD. Half
   *  the slack absorbs late timers (rate-limiter.ts). At 200/1s: one every 5.075 ms, 197.0/s. */
  rateMargin: 0.015, // fraction of the period (measured: 0.5 % let one arrival in 2,000 fall into the next window at the sink)
  rateMinSlackMs: 4, // ms: Node's timers step by 1 ms, so less could not absorb their lateness
  /** The circuit breaker (breaker.ts) opens when, of the last `breakerWindow` ended requests to
   *  an origin (at least `breakerMinRequests` of them), `breakerFailureRatio` or more failed for
   *  the destination's sake (network errors, timeouts, 5xx, 429 after its waits). 0.8: a sync
   *  whose 30 % of rows fail for good never comes near it (in a window of 100 requests, 80
   *  failures at a 30 % rate is ~20 standard deviations out), while an outage fails them all. */
  breakerWindow: 100, // requests
  /** 50: an outage stops the model after 50 failed requests, not 100, while 30 failing keys in
   *  a row (a key order that puts them first) stay under the ratio. */
  breakerMinRequests: 50, // requests
  breakerFailureRatio: 0.8, // share of the window
  /** Attempts in a row that got no HTTP answer (refused, reset, timed out): the destination is
   *  unreachable, whatever the ratio says yet. */
  breakerNetworkFailures: 10, // attempts
  /** Bytes of a response body kept by the transport; the rest is dropped (responses are API answers). */
  maxResponseBytes: 10 * 1024 * 1024, // bytes (10 MiB)
  /** Characters of a failed response's body quoted in an error message. */
  maxErrorBodyChars: 500, // characters
  /** An idle keep-alive socket is closed after this long when the server sends no keep-alive
   *  hint (a server's `Keep-Alive: timeout=N` wins, as undici does). */
  keepAliveTimeoutMs: 4_000, // ms
  /** Connect timeout for a new socket (counts as a network error). */
  connectTimeoutMs: 10_000, // ms
} as const;

export type SendDefaults = typeof SEND_DEFAULTS;

/**
 * A queue read from its head (the Sender's jobs, the rate limiter's waiters) drops the entries it
 * has read once there are more than this many: a slice copies the rest, so doing it rarely keeps
 * each entry's cost constant, and the slots held meanwhile are few.
 */
export const COMPACT_HEAD = 1024;
