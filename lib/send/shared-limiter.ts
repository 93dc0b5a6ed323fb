// SharedRateLimiter is the rate limit of a model when several processes share one budget
// (@rate_limit through a coordinator, or a @rate_limit_key): the same GCRA as RateLimiter, but
// its theoretical time lives in the coordinator, one row per key, and a process leases a run of
// slots at once — `count` grants spaced `intervalMs` apart from `first`, reserved for it alone —
// so one round trip buys many requests. Every process's slots come from the same sequence, so
// grants stay evenly spaced across the cluster and never exceed the limit, whatever the number of
// processes; a leased slot nobody used is lost, which is why a lease asks only for what waits now
// (and at most `maxLeaseMs` of the budget).
//
// A slot is granted only within `toleranceMs` of its time (half the rate limit's slack, as in
// RateLimiter): a timer that fires late, or an event loop busy for a while, skips the slots it
// missed instead of granting them together — a burst that would put more than N requests into
// one window at the destination.
//
// A lease that fails (the coordinator is unreachable) rejects every waiter and every later take
// with the error: the sender then stops sending — it never falls back to an unlimited rate.

import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import type { Limiter } from './rate-limiter.js';
import type { BreakerState } from './shared-breaker.js';

/** A run of slots reserved by the coordinator, in this process's clock (Clock.now() ms). */
export interface Lease {
  readonly first: number;
  readonly intervalMs: number;
  readonly count: number;
}

/** LeaseSource reserves `slots` consecutive slots of a key's budget (the coordinator). */
export interface LeaseSource {
  lease(slots: number): Promise<Lease>;
}

/** SharedLimits is what a run shares with other processes through a coordinator (lib/coordinate). */
export interface SharedLimits {
  /** The project's name in the coordinator (ebb.yaml's `name:`, else its folder's): it keys budgets and locks. */
  readonly project: string;
  /** A limiter drawing from the budget `key`: one grant every `intervalMs`, late by at most `toleranceMs`. */
  limiter(key: string, intervalMs: number, toleranceMs: number): Limiter;
  /**
   * Takes `name` for this process: false when another process holds it. With `layout`, the run
   * also joins the model's runs of that shard count, and is refused (the other counts in use,
   * nothing taken) while any process runs the model with another count: an unsharded run and a
   * shard, or shards of two counts, would each send the keys they share.
   */
  lock(name: string, layout?: ShardLayout): Promise<boolean | LayoutConflict>;
  unlock(name: string): Promise<void>;
  /** The breaker's open state per origin, shared with the other processes (one per Sender). */
  breakerState(): BreakerState;
}

/** Which runs of one model must not overlap: `group` names the model (project/model), `count` the run's shard count (1: unsharded). */
export interface ShardLayout {
  readonly group: string;
  readonly count: number;
}

/** The shard counts other processes run the model with now (1: an unsharded run). */
export interface LayoutConflict {
  readonly counts: readonly number[];
}

interface Waiter {
  resolve(grantedAt: number): void;
  reject(err: unknown): void;
}

/** The leased slots not yet granted: the next one's time and how many are left, per lease. */
interface Run {
  next: number;
  left: number;
  readonly intervalMs: number;
}

/** How much of the budget one lease may reserve: a bound on what a lease can waste. */
const DEFAULT_MAX_LEASE_MS = 50; // ms of the shared budget

export class SharedRateLimiter implements Limiter {
  readonly intervalMs: number;
  readonly toleranceMs: number;
  readonly #source: LeaseSource;
  readonly #clock: Clock;
  readonly #maxSlots: number;
  /** Leased runs in order; slots of an earlier lease are granted first. */
  readonly #runs: Run[] = [];
  #left = 0;
  #waiters: Waiter[] = [];
  #leasing = false;
  #timer: unknown = null;
  #failed: unknown = undefined;
  #lastGrantAt = Number.NaN;

  constructor(
    source: LeaseSource,
    intervalMs: number,
    toleranceMs: number,
    clock: Clock = systemClock,
    maxLeaseMs = DEFAULT_MAX_LEASE_MS,
  ) {
    this.#source = source;
    this.intervalMs = intervalMs;
    this.toleranceMs = toleranceMs;
    this.#clock = clock;
    this.#maxSlots = Math.max(1, Math.floor(maxLeaseMs / intervalMs));
  }

  /** When the last slot was granted (clock ms): read it right after tryTake() returned true. */
  get lastGrantAt(): number {
    return this.#lastGrantAt;
  }

  /** Takes a leased slot now if one is due and nobody waits before us. */
  tryTake(): boolean {
    if (this.#failed !== undefined || this.#waiters.length > 0) return false;
    const now = this.#clock.now();
    if (!this.#due(now)) return false;
    this.#grant(now);
    return true;
  }

  /** Resolves with the grant time once a leased slot is due; rejects when leasing failed or `signal` aborts. */
  take(signal?: AbortSignal): Promise<number> {
    if (this.#failed !== undefined) return Promise.reject(this.#failed);
    if (this.tryTake()) return Promise.resolve(this.#lastGrantAt);
    if (signal?.aborted === true) return Promise.reject(signal.reason);
    return new Promise<number>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject };
      this.#waiters.push(waiter);
      signal?.addEventListener(
        'abort',
        () => {
          const i = this.#waiters.indexOf(waiter);
          if (i >= 0) {
            this.#waiters.splice(i, 1);
            reject(signal.reason);
          }
        },
        { once: true },
      );
      this.#pump();
    });
  }

  /** #due says whether a slot can be granted now, after skipping the slots missed by more than the tolerance. */
  #due(now: number): boolean {
    for (;;) {
      const run = this.#runs[0];
      if (run === undefined) return false;
      if (now < run.next) return false;
      if (now - run.next <= this.toleranceMs) return true;
      const missed = Math.min(run.left, Math.ceil((now - run.next - this.toleranceMs) / run.intervalMs));
      run.next += missed * run.intervalMs;
      run.left -= missed;
      this.#left -= missed;
      if (run.left === 0) this.#runs.shift();
    }
  }

  #grant(now: number): void {
    const run = this.#runs[0]!;
    this.#lastGrantAt = now;
    run.next += run.intervalMs;
    run.left--;
    this.#left--;
    if (run.left === 0) this.#runs.shift();
  }

  /** #pump grants due slots in order, arms a timer for the next one, and leases when slots run short. */
  #pump(): void {
    if (this.#timer !== null) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = null;
    }
    const now = this.#clock.now();
    while (this.#waiters.length > 0 && this.#due(now)) {
      this.#grant(now);
      this.#waiters.shift()!.resolve(now);
    }
    if (this.#waiters.length > this.#left && !this.#leasing) this.#lease(this.#waiters.length - this.#left);
    const run = this.#runs[0];
    if (this.#waiters.length > 0 && run !== undefined) {
      this.#timer = this.#clock.setTimeout(
        () => {
          this.#timer = null;
          this.#pump();
        },
        Math.max(0, Math.ceil(run.next - now)),
      );
    }
  }

  #lease(wanted: number): void {
    this.#leasing = true;
    this.#source.lease(Math.min(wanted, this.#maxSlots)).then(
      (lease) => {
        this.#leasing = false;
        if (lease.count > 0) {
          this.#runs.push({ next: lease.first, left: lease.count, intervalMs: lease.intervalMs });
          this.#left += lease.count;
        }
        this.#pump();
      },
      (err: unknown) => {
        this.#leasing = false;
        this.#failed = err;
        if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
        this.#timer = null;
        for (const w of this.#waiters.splice(0)) w.reject(err);
      },
    );
  }
}
