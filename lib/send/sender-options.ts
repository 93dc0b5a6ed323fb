// What a Sender is given: its options (SenderOptions), the event it reports after each attempt
// (AttemptEvent), and the checks and defaults it applies to them when it is made — the retry
// limits and the breaker rule, filled in from SEND_DEFAULTS, and settings that cannot work
// (a concurrency below 1, a timeout of 0) refused with EBB_SEND_SETTINGS before any request.

import { CODE } from '../error-codes.js';
import type { BreakerRule, BreakerTrip } from './breaker.js';
import { ruleProblem } from './breaker.js';
import type { Clock } from './clock.js';
import { SEND_DEFAULTS } from './defaults.js';
import { SendError } from './errors.js';
import type { Limiter } from './rate-limiter.js';
import type { RetryLimits } from './retry-policy.js';
import type { BreakerState } from './shared-breaker.js';
import type { HttpRequest, HttpResponse, SendOutcome, SenderSettings, Transport } from './types.js';

/** One finished attempt, for progress lines and tests. */
export interface AttemptEvent {
  readonly request: HttpRequest;
  readonly origin: string;
  readonly attempt: number; // 1-based
  readonly startedAt: number; // clock.now() when the attempt started (after its token)
  readonly tokenAt: number | null; // when the rate limiter granted its token (clock ms); null without @rate_limit
  readonly durationMs: number;
  readonly waitedMs: number; // waited before this attempt: rate limit + backoff / Retry-After
  readonly status: number | null; // null when no response came
  readonly errorCode: string | null; // transport error code, if any
  /** The attempt's answer (the request log keeps its body), or its transport error. */
  readonly response: HttpResponse | null;
  readonly error: SendError | null;
}

export interface SenderOptions {
  readonly model: string;
  /** The project's secret that keys idempotency keys (lib/store/state/project-key.ts). */
  readonly idempotencySecret: Uint8Array;
  readonly settings: SenderSettings;
  readonly transport: Transport;
  readonly breaker?: Partial<BreakerRule>;
  readonly limits?: Partial<Omit<RetryLimits, 'retries'>>;
  readonly maxErrorBodyChars?: number;
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly onAttempt?: (event: AttemptEvent) => void;
  readonly onOutcome?: (request: HttpRequest, outcome: SendOutcome) => void;
  /** Called with the number of requests waiting to retry (without a slot) when it changes. */
  readonly onWaiting?: (waiting: number) => void;
  /** Called once, when the first origin trips. */
  readonly onTrip?: (trip: BreakerTrip) => void;
  /**
   * The rate limit's grants, when they come from a budget shared with other processes (the
   * coordinator): it replaces the model's own RateLimiter. A grant that fails stops the sender.
   */
  readonly limiter?: Limiter;
  /**
   * The breaker's open state shared with other processes (the coordinator, shared-breaker.ts):
   * an origin another process opened is open here too, and one opened here is told to them.
   */
  readonly breakerState?: BreakerState;
}

/** Throws EBB_SEND_SETTINGS for settings no Sender can work with. */
export function checkSettings(s: SenderSettings): void {
  positiveInt('concurrency', s.concurrency, 1);
  positiveInt('retries', s.retries, 0);
  if (!(s.timeoutMs > 0)) throw settingsError(`timeout must be > 0 ms, got ${s.timeoutMs}`);
}

/** The retry limits: the settings' retries, the rest from the options or SEND_DEFAULTS. */
export function retryLimits(options: SenderOptions): RetryLimits {
  return {
    retries: options.settings.retries,
    backoffBaseMs: options.limits?.backoffBaseMs ?? SEND_DEFAULTS.backoffBaseMs,
    backoffMaxMs: options.limits?.backoffMaxMs ?? SEND_DEFAULTS.backoffMaxMs,
    retryAfterCapMs: options.limits?.retryAfterCapMs ?? SEND_DEFAULTS.retryAfterCapMs,
    maxRetryAfterWaits: options.limits?.maxRetryAfterWaits ?? SEND_DEFAULTS.maxRetryAfterWaits,
    maxRetryAfterTotalMs: options.limits?.maxRetryAfterTotalMs ?? SEND_DEFAULTS.maxRetryAfterTotalMs,
  };
}

/** The breaker rule: the options' over SEND_DEFAULTS; throws EBB_SEND_SETTINGS for one that cannot work. */
export function breakerRule(options: SenderOptions): BreakerRule {
  const rule: BreakerRule = {
    window: SEND_DEFAULTS.breakerWindow,
    minRequests: SEND_DEFAULTS.breakerMinRequests,
    failureRatio: SEND_DEFAULTS.breakerFailureRatio,
    networkFailures: SEND_DEFAULTS.breakerNetworkFailures,
    ...options.breaker,
  };
  const problem = ruleProblem(rule);
  if (problem !== null) throw settingsError(`breaker: ${problem}`);
  return rule;
}

function positiveInt(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min)
    throw settingsError(`${name} must be a whole number ≥ ${min}, got ${value}`);
}

function settingsError(message: string): SendError {
  return new SendError(CODE.EBB_SEND_SETTINGS, message);
}
