// The breaker's open state beyond this process. A Sender's breaker (breaker.ts) learns about a
// destination only from its own requests; with a coordinator, a process whose breaker opens an
// origin records it there, and every other process sending to that origin reads it and stops
// too, instead of spending its own window of failing requests (50 at least) to find the outage
// again. BreakerState is the Sender's side of that, kept free of any store (like Limiter and
// SharedRateLimiter): SharedBreakerState reads a BreakerSource (lib/coordinate implements it)
// at most once every `refreshMs` per origin, in the background, so a check before an attempt
// costs nothing but the first one to an origin.
//
// A source that cannot be read (the coordinator is gone) fails the checks that follow with its
// error: the sender then stops, as it does when the shared rate limit cannot be leased — a
// process never goes on sending blind to what the others know.

import type { Clock } from './clock.js';
import { systemClock } from './clock.js';

/** An origin another process found down: who, why (completing "found it down …"), its last error. */
export interface OpenElsewhere {
  /** The process that opened it, e.g. "pid 4121 on worker-3". */
  readonly by: string;
  readonly why: string;
  readonly lastError: string;
}

/** What a Sender's breaker shares with other processes (SenderOptions.breakerState). */
export interface BreakerState {
  /**
   * Whether another process opened `origin`: answered from what was last read (refreshed in the
   * background), or a promise for the first read of an origin. Throws (or rejects) with the
   * source's error, which carries its code, when the shared state cannot be read.
   */
  check(origin: string): OpenElsewhere | null | Promise<OpenElsewhere | null>;
  /** This process opened `origin`: tells the others. Never throws; a failure to tell is dropped. */
  opened(origin: string, why: string, lastError: string): void;
}

/** BreakerSource is where the open states are kept (lib/coordinate's PostgreSQL). */
export interface BreakerSource {
  /** Why `origin` is open, or null when nobody opened it recently. */
  read(origin: string): Promise<OpenElsewhere | null>;
  open(origin: string, why: string, lastError: string): Promise<void>;
}

/** How often an origin's shared state is read while requests go to it (ms). */
export const BREAKER_REFRESH_MS = 250; // ms: at 1,000 requests/s, at most ~250 more reach a dead API

interface Entry {
  value: OpenElsewhere | null;
  readAt: number;
  reading: Promise<OpenElsewhere | null> | null;
  failed: unknown;
}

export class SharedBreakerState implements BreakerState {
  readonly #source: BreakerSource;
  readonly #clock: Clock;
  readonly #refreshMs: number;
  readonly #origins = new Map<string, Entry>();

  constructor(source: BreakerSource, clock: Clock = systemClock, refreshMs = BREAKER_REFRESH_MS) {
    this.#source = source;
    this.#clock = clock;
    this.#refreshMs = refreshMs;
  }

  check(origin: string): OpenElsewhere | null | Promise<OpenElsewhere | null> {
    let entry = this.#origins.get(origin);
    if (entry === undefined) {
      entry = { value: null, readAt: -Infinity, reading: null, failed: undefined };
      this.#origins.set(origin, entry);
      return this.#read(origin, entry);
    }
    if (entry.failed !== undefined) throw entry.failed;
    // Open stays open: the sender's breaker keeps an origin open for the rest of its life.
    if (entry.value !== null) return entry.value;
    if (entry.reading !== null && entry.readAt === -Infinity) return entry.reading;
    if (entry.reading === null && this.#clock.now() - entry.readAt >= this.#refreshMs) {
      void this.#read(origin, entry).catch(() => undefined);
    }
    return entry.value;
  }

  opened(origin: string, why: string, lastError: string): void {
    this.#source.open(origin, why, lastError).catch(() => undefined);
  }

  #read(origin: string, entry: Entry): Promise<OpenElsewhere | null> {
    const reading = this.#source.read(origin).then(
      (value) => {
        entry.value = value;
        entry.readAt = this.#clock.now();
        entry.reading = null;
        return value;
      },
      (err: unknown) => {
        entry.failed = err;
        entry.reading = null;
        throw err;
      },
    );
    entry.reading = reading;
    return reading;
  }
}
