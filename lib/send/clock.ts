// The sender's notion of time, injectable so the rate limiter and the retry waits can be unit
// tested with a fake clock. The system clock is monotonic (performance.now), so a wall-clock
// jump cannot open a burst in the rate limiter.

import { performance } from 'node:perf_hooks';

export interface Clock {
  /** Milliseconds on a monotonic scale (only differences matter). */
  now(): number;
  /** Wall-clock milliseconds since the epoch, for Retry-After HTTP dates. */
  wallNow(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
