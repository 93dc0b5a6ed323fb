// The clock of offline runs (`ebb test`, `ebb run --offline`): time that jumps instead of
// passing. Nothing offline waits for a server, so a backoff, a Retry-After or the rate limit's
// spacing only has to happen in order, not in real time: each timer fires on the next turn of
// the event loop, the earliest due first, and moves the clock to its due time. A step whose
// responses.json answers 429 with Retry-After: 50 takes no longer than one answered 200.

import type { Clock } from '../send/clock.js';

interface Timer {
  readonly id: number;
  readonly due: number;
  readonly fn: () => void;
}

export class VirtualClock implements Clock {
  #now = 0;
  readonly #wallStart = Date.now();
  #timers: Timer[] = [];
  #nextId = 0;
  #scheduled = false;

  now(): number {
    return this.#now;
  }

  wallNow(): number {
    return this.#wallStart + this.#now;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const timer = { id: ++this.#nextId, due: this.#now + Math.max(0, ms), fn };
    // Kept in due order; timers due at the same time fire in the order they were set.
    const at = this.#timers.findIndex((t) => t.due > timer.due);
    if (at < 0) this.#timers.push(timer);
    else this.#timers.splice(at, 0, timer);
    this.#schedule();
    return timer.id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle);
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      const next = this.#timers.shift();
      if (next === undefined) return;
      this.#now = Math.max(this.#now, next.due);
      if (this.#timers.length > 0) this.#schedule();
      next.fn();
    });
  }
}
