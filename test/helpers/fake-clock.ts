// A clock whose time moves only when the test says so (lib/send/clock.ts Clock): timers fire in
// order as it advances, with promise callbacks run between them; and maxInWindow, the check every
// rate test makes.

import type { Clock } from '../../lib/send/clock.js';

/** A clock whose time moves only when the test says so; timers fire in order. */
export class FakeClock implements Clock {
  t = 0;
  #timers: { at: number; fn: () => void; id: number }[] = [];
  #id = 0;
  now(): number {
    return this.t;
  }
  wallNow(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.#id;
    this.#timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.#timers = this.#timers.filter((x) => x.id !== handle);
  }
  /** Moves time forward by ms, firing due timers (and letting promise callbacks run) in order. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      this.#timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.#timers[0];
      if (next === undefined || next.at > end) break;
      this.#timers.shift();
      this.t = Math.max(this.t, next.at);
      next.fn();
      await flush();
    }
    this.t = end;
    await flush();
  }
}

export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

/** Largest number of times within any half-open window [a, a + period). */
export function maxInWindow(times: readonly number[], period: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= period) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}
