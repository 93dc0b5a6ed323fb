// The per-model rate limit (@rate_limit: N/PERIOD): never more than N attempts start in any
// window of PERIOD. It is a bucket of N tokens in which each token comes back exactly PERIOD
// after it was spent, kept as a ring of the last N grant times: a grant at time t needs the
// N-th previous grant at or before t - PERIOD. So any N+1 consecutive grants span at least
// PERIOD, which is the guarantee (a bucket refilled continuously at N/PERIOD would allow up to
// 2N-1 in one window after an idle spell). Waiters are served in order by one timer that fires
// when the oldest token comes back.

import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { SendError } from './errors.js';

interface Waiter {
  resolve(grantedAt: number): void;
  reject(err: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  done: boolean;
}

export class RateLimiter {
  readonly count: number;
  readonly periodMs: number;
  readonly #clock: Clock;
  readonly #times: Float64Array;
  #next = 0; // ring index of the oldest grant, where the next grant is written
  #used = 0; // grants recorded so far, up to count
  #waiters: Waiter[] = [];
  #head = 0;
  #timer: unknown = null;

  constructor(count: number, periodMs: number, clock: Clock = systemClock) {
    if (!Number.isInteger(count) || count < 1) {
      throw new SendError('EBB_SEND_SETTINGS', `rate limit count must be a whole number ≥ 1, got ${count}`);
    }
    if (!Number.isFinite(periodMs) || periodMs <= 0) {
      throw new SendError('EBB_SEND_SETTINGS', `rate limit period must be > 0 ms, got ${periodMs}`);
    }
    this.count = count;
    this.periodMs = periodMs;
    this.#clock = clock;
    this.#times = new Float64Array(count);
  }

  /** When the last token was granted (clock ms): read it right after tryTake() returned true. */
  get lastGrantAt(): number {
    return this.#times[(this.#next + this.count - 1) % this.count]!;
  }

  /** Takes a token now if one is free and nobody waits before us. */
  tryTake(): boolean {
    return this.#head === this.#waiters.length && this.#grant(this.#clock.now());
  }

  /** Resolves with the grant time (clock ms) when a token is taken; rejects with the signal's
   *  reason if it aborts first. */
  take(signal?: AbortSignal): Promise<number> {
    if (this.tryTake()) return Promise.resolve(this.lastGrantAt);
    if (signal?.aborted === true) return Promise.reject(signal.reason);
    return new Promise<number>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined, done: false };
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

  /** Milliseconds until a token is free (0: now). */
  delayMs(): number {
    if (this.#used < this.count) return 0;
    return Math.max(0, this.#times[this.#next]! + this.periodMs - this.#clock.now());
  }

  #grant(now: number): boolean {
    if (this.#used < this.count) {
      this.#used++;
    } else if (this.#times[this.#next]! + this.periodMs > now) {
      return false;
    }
    this.#times[this.#next] = now;
    this.#next = this.#next + 1 === this.count ? 0 : this.#next + 1;
    return true;
  }

  #arm(): void {
    if (this.#timer !== null) return;
    // Round up: a timer that fires a fraction early grants nothing and re-arms.
    this.#timer = this.#clock.setTimeout(this.#fire, Math.ceil(this.delayMs()));
  }

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
      if (!this.#grant(now)) break;
      this.#head++;
      w.done = true;
      if (w.signal !== undefined && w.onAbort !== undefined) w.signal.removeEventListener('abort', w.onAbort);
      w.resolve(now);
    }
    if (this.#head === waiters.length) {
      this.#waiters = [];
      this.#head = 0;
    } else {
      if (this.#head > 1024) {
        this.#waiters = waiters.slice(this.#head);
        this.#head = 0;
      }
      this.#arm();
    }
  };
}
