// The Sender's concurrency slots (sender.ts): at most @concurrency requests attempting at once,
// the others queued in order. A request waiting to retry gives its slot up for the wait, so
// requests that keep failing do not starve the others, and takes one again after it, ahead of
// requests not yet started. SlotPool keeps that bookkeeping — the queue, the slots held, the
// requests in flight and those waiting between attempts — and the waiters for idle(); the
// Sender tells it how to start a request and how to end one whose origin opened while queued.

import type { Clock } from './clock.js';
import { COMPACT_HEAD } from './defaults.js';
import type { Job } from './job.js';
import { observe } from './observe.js';
import { RetryWaits } from './retry-waits.js';

/** What the pool is given by its Sender. */
export interface SlotPoolOptions {
  readonly concurrency: number;
  readonly clock: Clock;
  /** Aborted by the Sender's stop() (after stop() here, which ends the retry waits). */
  readonly signal: AbortSignal;
  /** Starts a request that was given a slot. */
  readonly start: (job: Job) => void;
  /** Ends a queued request whose origin opened while it waited, without a slot. */
  readonly refuse: (job: Job) => void;
  /** Called with the number of requests waiting to retry (without a slot) when it changes. */
  readonly onWaiting: ((waiting: number) => void) | undefined;
}

export class SlotPool {
  readonly #concurrency: number;
  readonly #signal: AbortSignal;
  readonly #start: (job: Job) => void;
  readonly #refuse: (job: Job) => void;
  readonly #onWaiting: ((waiting: number) => void) | undefined;
  #queue: Job[] = [];
  #head = 0;
  /** Slots held: requests attempting (or waiting for a rate-limit token). */
  #active = 0;
  /** Requests started and not ended: those holding a slot and those waiting to retry. */
  #inFlight = 0;
  /** Requests whose retry wait is over, waiting for a slot: served before new requests. */
  #retrying: ((granted: boolean) => void)[] = [];
  /**
   * The retry waits under way, on one timer, each ended early (false) by stop(): not a listener
   * on the stop signal per wait (an AbortSignal's add/removeEventListener cost several µs each,
   * per failed attempt on the main thread), nor a timer each (retry-waits.ts).
   */
  readonly #waits: RetryWaits;
  /** Requests between attempts without a slot (waiting for the retry's time, then for a slot). */
  #waiting = 0;
  #stopped = false;
  #idleWaiters: (() => void)[] = [];

  constructor(options: SlotPoolOptions) {
    this.#concurrency = options.concurrency;
    this.#signal = options.signal;
    this.#start = options.start;
    this.#refuse = options.refuse;
    this.#onWaiting = options.onWaiting;
    this.#waits = new RetryWaits(options.clock);
  }

  /** Requests started and not yet ended (attempting, or waiting between attempts). */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Requests waiting for a slot. */
  get queued(): number {
    return this.#queue.length - this.#head;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Starts the request if a slot is free, else queues it. */
  add(job: Job): void {
    if (this.#active < this.#concurrency) {
      this.#active++;
      this.#inFlight++;
      this.#start(job);
    } else {
      this.#queue.push(job);
    }
  }

  /** No more slots given: empties the queue and returns the requests it held (not started). */
  stop(): Job[] {
    this.#stopped = true;
    const queue = this.#queue;
    const head = this.#head;
    this.#queue = [];
    this.#head = 0;
    // Those waiting for a slot to retry are told they get none (waitToRetry).
    const retrying = this.#retrying;
    this.#retrying = [];
    for (const wake of retrying) wake(false);
    this.#waits.cancelAll();
    return queue.slice(head);
  }

  /** Resolves when nothing is queued or in flight. */
  idle(): Promise<void> {
    if (this.#inFlight === 0 && this.queued === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Gives the slot up for the retry's wait (ms) and takes one again after it, ahead of requests
   * not yet started; false when stop() cut the wait short (the slot is then not held).
   */
  async waitToRetry(job: Job, ms: number): Promise<boolean> {
    job.holdsSlot = false;
    this.#active--;
    this.#setWaiting(+1);
    this.pump();
    try {
      if (ms > 0 && !(await this.#sleep(ms))) return false;
      if (this.#stopped) return false;
      if (this.#active < this.#concurrency && this.#retrying.length === 0) {
        this.#active++;
      } else {
        // pump takes a slot for it (true); stop() wakes it without one (false).
        const granted = await new Promise<boolean>((resolve) => this.#retrying.push(resolve));
        if (!granted) return false;
      }
      job.holdsSlot = true;
      // A stop between the grant and here: the slot is held, and given back by release.
      return !this.#stopped;
    } finally {
      this.#setWaiting(-1);
    }
  }

  /** The request ended: its slot (if it holds one) is free. The caller then resolves it and pumps. */
  release(job: Job): void {
    if (job.holdsSlot) this.#active--;
    this.#inFlight--;
  }

  /** Gives free slots to requests waiting to retry, then starts queued requests; those whose
   *  origin opened meanwhile end at once. */
  pump(): void {
    const concurrency = this.#concurrency;
    while (this.#retrying.length > 0 && this.#active < concurrency && !this.#stopped) {
      this.#active++;
      this.#retrying.shift()!(true);
    }
    const queue = this.#queue;
    while (this.#head < queue.length && this.#active < concurrency && !this.#stopped) {
      const next = queue[this.#head]!;
      this.#head++;
      if (next.state.open) {
        this.#refuse(next);
      } else {
        this.#active++;
        this.#inFlight++;
        this.#start(next);
      }
    }
    if (this.#head === queue.length) {
      if (this.#head !== 0) {
        this.#queue = [];
        this.#head = 0;
      }
    } else if (this.#head >= COMPACT_HEAD && this.#head * 2 >= queue.length) {
      this.#queue = queue.slice(this.#head);
      this.#head = 0;
    }
    this.checkIdle();
  }

  /** Lets idle()'s waiters go when nothing is queued or in flight. */
  checkIdle(): void {
    if (this.#inFlight !== 0 || this.queued !== 0 || this.#idleWaiters.length === 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }

  #setWaiting(delta: number): void {
    this.#waiting += delta;
    const onWaiting = this.#onWaiting;
    const waiting = this.#waiting;
    if (onWaiting !== undefined) observe(() => onWaiting(waiting));
  }

  /** Waits ms; false when stop() cut the wait short. */
  #sleep(ms: number): Promise<boolean> {
    if (this.#stopped || this.#signal.aborted) return Promise.resolve(false);
    return this.#waits.wait(ms);
  }
}
