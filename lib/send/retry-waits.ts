// The retry waits of a SlotPool (slots.ts) on one timer. A request whose attempt failed waits
// a jittered backoff before its next attempt; with a timer each, a sync with 10 % of its rows
// failing made and cleared thousands of timers of as many durations, and Node keeps a list per
// duration in a priority queue: ~70 ms of the main thread's profile per 5,000 retries. Here the
// waits are a heap by deadline (ties in the order they began) and one timer is armed for the
// earliest; when it fires, every wait that is due ends, in order.

import type { Clock } from './clock.js';

interface Wait {
  readonly at: number;
  readonly seq: number;
  readonly resolve: (slept: boolean) => void;
}

export class RetryWaits {
  readonly #clock: Clock;
  readonly #heap: Wait[] = [];
  #seq = 0;
  #timer: unknown = undefined;
  /** The deadline the armed timer is for (Infinity: none armed). */
  #armedFor = Infinity;
  readonly #fire = (): void => this.#due();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** How many waits are under way. */
  get size(): number {
    return this.#heap.length;
  }

  /** wait resolves true after `ms`, or false when cancelAll() ends it first. */
  wait(ms: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      push(this.#heap, { at: this.#clock.now() + ms, seq: this.#seq++, resolve });
      this.#arm();
    });
  }

  /** cancelAll ends every wait under way with false (the pool stopped). */
  cancelAll(): void {
    this.#disarm();
    const waits = this.#heap.splice(0);
    waits.sort(earlier);
    for (const w of waits) w.resolve(false);
  }

  /** #due ends the waits whose deadline has come, then arms the timer for the next one. */
  #due(): void {
    this.#timer = undefined;
    this.#armedFor = Infinity;
    const now = this.#clock.now();
    const heap = this.#heap;
    while (heap.length > 0 && heap[0]!.at <= now) pop(heap).resolve(true);
    this.#arm();
  }

  /** #arm makes sure a timer is armed for the earliest deadline (not later). */
  #arm(): void {
    const first = this.#heap[0];
    if (first === undefined || first.at >= this.#armedFor) return;
    this.#disarm();
    this.#armedFor = first.at;
    this.#timer = this.#clock.setTimeout(this.#fire, Math.max(0, first.at - this.#clock.now()));
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedFor = Infinity;
  }
}

function earlier(a: Wait, b: Wait): number {
  return a.at - b.at || a.seq - b.seq;
}

function push(heap: Wait[], w: Wait): void {
  let i = heap.push(w) - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (earlier(heap[parent]!, w) <= 0) break;
    heap[i] = heap[parent]!;
    i = parent;
  }
  heap[i] = w;
}

function pop(heap: Wait[]): Wait {
  const top = heap[0]!;
  const last = heap.pop()!;
  if (heap.length === 0) return top;
  let i = 0;
  for (;;) {
    const left = 2 * i + 1;
    if (left >= heap.length) break;
    const right = left + 1;
    const child = right < heap.length && earlier(heap[right]!, heap[left]!) < 0 ? right : left;
    if (earlier(heap[child]!, last) >= 0) break;
    heap[i] = heap[child]!;
    i = child;
  }
  heap[i] = last;
  return top;
}
