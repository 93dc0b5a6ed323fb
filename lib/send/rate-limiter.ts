// The per-model rate limit (@rate_limit: N/PERIOD): attempts are granted evenly spaced, one
// every T = (PERIOD + slack) / N, never N at once. It is a GCRA (a leaky bucket kept as
// one number, the theoretical time `tat` of the next grant): a grant is due when the clock
// reaches `tat`, and each grant moves `tat` on by T.
//
// Why evenly spaced: a bucket that hands out N tokens at once (and refills them a PERIOD later)
// never grants more than N per PERIOD at the grant, but its bursts arrive at the destination
// spread by jitter, and two neighbouring bursts then merge into more than N per window there
// (measured: 232 arrivals in one second at 200/1s). With grants T apart, jitter moves single
// requests a little, and the slack (1.5 % of PERIOD, at least 4 ms: SEND_DEFAULTS) is room for
// it: N + 1 consecutive grants span at least PERIOD + slack/2, so the destination sees no more
// than N in any PERIOD unless one arrival is delayed against another by more than slack/2
// (7.5 ms at 200/1s). The rate achieved is N / (PERIOD + slack): 197.0/s for 200/1s; periods
// under 0.27 s lose more than 1.5 % to the 4 ms minimum.
//
// Late timers: a timer fires a little after `tat` (Node's timers have 1 ms steps, and the event
// loop may be busy). When a waiter was already waiting, its grant counts as made at `tat`, so
// lateness does not pile up into a lower rate; but at most `tolerance` (half the slack, and at
// most T) is forgiven this way, which is what bounds N + 1 grants below by
// N × T - tolerance. A request that asks when the limiter is idle gets no credit for the idle
// time: its grant counts at the ask, so there is no burst after a pause either.
//
// Waiters are served in order by one timer armed for `tat`.

import { CODE } from '../error-codes.js';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { COMPACT_HEAD, SEND_DEFAULTS } from './defaults.js';
import { SendError } from './errors.js';

/**
 * gcraSpacing is how grants of N per PERIOD are spaced (see the top of this file): the slack, the
 * interval between grants and the lateness forgiven. Shared budgets (SharedRateLimiter) use the
 * same, so every process of a cluster spaces one key alike.
 */
export function gcraSpacing(
  count: number,
  periodMs: number,
  margin: number = SEND_DEFAULTS.rateMargin,
  minSlackMs: number = SEND_DEFAULTS.rateMinSlackMs,
): { slackMs: number; intervalMs: number; toleranceMs: number } {
  const slackMs = Math.max(periodMs * margin, minSlackMs);
  const intervalMs = (periodMs + slackMs) / count;
  return { slackMs, intervalMs, toleranceMs: Math.min(intervalMs, slackMs / 2) };
}

/** What the sender asks of a rate limit: this RateLimiter, or a SharedRateLimiter of the coordinator. */
export interface Limiter {
  /** Takes a grant now if one is due and nobody waits before us. */
  tryTake(): boolean;
  /** Resolves with the grant time (clock ms); rejects when `signal` aborts or no grant can come. */
  take(signal?: AbortSignal): Promise<number>;
  /** When the last grant was made (clock ms): read right after tryTake() returned true. */
  readonly lastGrantAt: number;
}

interface Waiter {
  readonly askedAt: number;
  resolve(grantedAt: number): void;
  reject(err: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  done: boolean;
}

export class RateLimiter implements Limiter {
  readonly count: number;
  readonly periodMs: number;
  /** Room for jitter in each PERIOD (ms): max(margin × PERIOD, minimum). */
  readonly slackMs: number;
  /** Time between grants (ms): (PERIOD + slack) / N. */
  readonly intervalMs: number;
  /** How late a waiter's grant may be and still count at its due time (ms). */
  readonly toleranceMs: number;
  readonly #clock: Clock;
  #tat = -Infinity; // theoretical time of the next grant (clock ms)
  #lastGrantAt = Number.NaN;
  #waiters: Waiter[] = [];
  #head = 0;
  #timer: unknown = null;

  readonly #fire = (): void => {
    this.#timer = null;
    const waiters = this.#waiters;
    const now = this.#clock.now();
    while (this.#head < waiters.length) {
      const w = waiters[this.#head]!;
      if (w.done) {
        this.#head++;
        continue;
      }
      if (now < this.#tat) break;
      this.#grant(now, w.askedAt);
      this.#head++;
      w.done = true;
      if (w.signal !== undefined && w.onAbort !== undefined) w.signal.removeEventListener('abort', w.onAbort);
      w.resolve(now);
    }
    if (this.#head === waiters.length) {
      this.#waiters = [];
      this.#head = 0;
    } else {
      if (this.#head > COMPACT_HEAD) {
        this.#waiters = waiters.slice(this.#head);
        this.#head = 0;
      }
      this.#arm();
    }
  };

  constructor(
    count: number,
    periodMs: number,
    clock: Clock = systemClock,
    margin: number = SEND_DEFAULTS.rateMargin,
    minSlackMs: number = SEND_DEFAULTS.rateMinSlackMs,
  ) {
    if (!Number.isInteger(count) || count < 1) {
      throw new SendError(
        CODE.EBB_SEND_SETTINGS,
        `rate limit count must be a whole number ≥ 1, got ${count}`,
      );
    }
    if (!Number.isFinite(periodMs) || periodMs <= 0) {
      throw new SendError(CODE.EBB_SEND_SETTINGS, `rate limit period must be > 0 ms, got ${periodMs}`);
    }
    if (!(margin >= 0 && margin < 1)) {
      throw new SendError(
        CODE.EBB_SEND_SETTINGS,
        `rate limit margin must be from 0 to below 1, got ${margin}`,
      );
    }
    this.count = count;
    this.periodMs = periodMs;
    ({
      slackMs: this.slackMs,
      intervalMs: this.intervalMs,
      toleranceMs: this.toleranceMs,
    } = gcraSpacing(count, periodMs, margin, minSlackMs));
    this.#clock = clock;
  }

  /** When the last token was granted (clock ms): read it right after tryTake() returned true. */
  get lastGrantAt(): number {
    return this.#lastGrantAt;
  }

  /** Takes a token now if one is due and nobody waits before us. */
  tryTake(): boolean {
    if (this.#head !== this.#waiters.length) return false;
    const now = this.#clock.now();
    if (now < this.#tat) return false;
    this.#grant(now, now);
    return true;
  }

  /** Resolves with the grant time (clock ms) when a token is taken; rejects with the signal's
   *  reason if it aborts first. */
  take(signal?: AbortSignal): Promise<number> {
    if (this.tryTake()) return Promise.resolve(this.#lastGrantAt);
    if (signal?.aborted === true) return Promise.reject(signal.reason);
    return new Promise<number>((resolve, reject) => {
      const waiter: Waiter = {
        askedAt: this.#clock.now(),
        resolve,
        reject,
        signal,
        onAbort: undefined,
        done: false,
      };
      this.#waiters.push(waiter);
      if (signal !== undefined) {
        waiter.onAbort = () => {
          if (!waiter.done) {
            waiter.done = true;
            reject(signal.reason);
          }
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#arm();
    });
  }

  /** Milliseconds until the next token is due (0: now), not counting waiters. */
  delayMs(): number {
    return Math.max(0, this.#tat - this.#clock.now());
  }

  /** Records a grant at `now` for a request that asked at `askedAt` (≤ now, and now ≥ tat). */
  #grant(now: number, askedAt: number): void {
    // The grant counts at its due time: the later of the ask and `tat`, unless the timer was
    // later than the tolerance, whose excess is lost (so a long stall cannot be made up with a burst).
    const due = Math.max(askedAt, this.#tat, now - this.toleranceMs);
    this.#tat = due + this.intervalMs;
    this.#lastGrantAt = now;
  }

  #arm(): void {
    if (this.#timer !== null) return;
    // Round up: a timer that fires a fraction early grants nothing and re-arms.
    this.#timer = this.#clock.setTimeout(this.#fire, Math.ceil(this.delayMs()));
  }
}
