// The channel between a Starlark model, running in a worker thread, and the main thread that
// owns DuckDB and the network. The interpreter is synchronous, so the worker's end submits
// requests (each with an id) and goes on; it blocks only when it waits for a reply: for one
// id, for any of several, or until a condition holds. The main thread answers in any order:
// operations of the serial lane (the database) one at a time in the order they came, those
// of the concurrent lane (HTTP) as they complete. Errors cross as values {code, message}.
//
// Messages are batched both ways: the worker queues requests in an outbox posted when it is
// large or old enough, or before it blocks; the main thread holds replies until the worker
// waits for as many as it needs (a shared "want" slot), then posts them together and bumps a
// shared counter the worker waits on with Atomics. A seed loop that waits for 32 of its 64
// requests in flight is woken once, not once per response: each wake-up is a message and a
// futex call on both threads.

import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { CODE, type EbbCode } from '../error-codes.js';
import {
  ASIDE,
  ASIDE_SEEN,
  HELD,
  NOT_ASIDE,
  REPLIES,
  STOP,
  WANT,
  type MessageBatch,
  type OpName,
  type OpTable,
  type Outcome,
  type Reply,
  type ReplyBatch,
  type WireError,
} from './channel-types.js';
import { IdMap } from './id-map.js';

export {
  newSignal,
  setAside,
  SIGNAL_SLOTS,
  type Lane,
  type OpName,
  type OpSpec,
  type OpTable,
  type Outcome,
  type WireError,
} from './channel-types.js';
export { LATER, serve, type Answer, type Handlers, type Served } from './channel-server.js';
export { SerialLane } from './serial-lane.js';

/** HostCallError is a failed host call, thrown in the worker with the main thread's code and message. */
export class HostCallError extends Error {
  readonly code: EbbCode;
  readonly origin: string | undefined;
  /** Where the script made the call that caused a failed one-way message (file:line:col). */
  readonly position: string | undefined;
  constructor(error: WireError) {
    super(error.origin === undefined ? error.message : `${error.origin}: ${error.message}`);
    this.name = 'HostCallError';
    this.code = error.code;
    this.origin = error.origin;
    this.position = error.position;
  }
}

/** StoppedError is thrown in the worker when the main thread asked the script to stop (Ctrl-C). */
export class StoppedError extends Error {
  constructor() {
    super('interrupted');
    this.name = 'StoppedError';
  }
}

/** Outbox limits: post when this many messages wait, or when the oldest waited this long (ms). */
const OUTBOX_MAX = 64;
const OUTBOX_MS = 2;
/**
 * A waiting worker looks at the signal again after this long (ms) even without a notify: every
 * reply and stop notifies, so this only bounds the cost of a notify that came between its checks.
 */
const RECHECK_MS = 1000;

/** Client is the worker's end. */
export class Client<T extends OpTable<T>> {
  readonly #port: MessagePort;
  readonly #signal: Int32Array;
  #nextId = 1;
  /** The messages waiting to be posted, flat (channel-types.ts MessageBatch). */
  #outbox: MessageBatch = [];
  /** Where the newest message in the outbox starts, -1 when it is empty. */
  #newest = -1;
  /** Buffers that move to the main thread with the outbox (submit's `moving`). */
  #moving: ArrayBuffer[] = [];
  #outboxSince = 0;
  /** Messages in the outbox. */
  #count = 0;
  readonly #replies = new Map<number, Reply>();
  /** The callbacks of requests submitted with one, by id (an IdMap: one set and delete per request). */
  readonly #callbacks = new IdMap<(o: Outcome<unknown>) => void>();
  #fatal: WireError | undefined;

  constructor(port: MessagePort, signal: Int32Array) {
    this.#port = port;
    this.#signal = signal;
  }

  /**
   * submit queues a request and returns its id; `onReply` (if given) receives its outcome.
   * `moving` is a buffer of the request that moves to the main thread with it instead of being
   * copied (the whole buffer of a body the script never sees again).
   */
  submit<K extends OpName<T>>(
    op: K,
    req: T[K]['req'],
    onReply?: (o: Outcome<T[K]['rep']>) => void,
    final = false,
    moving?: ArrayBuffer,
  ): number {
    if (!final) this.#check();
    const id = this.#nextId++;
    if (onReply) this.#callbacks.set(id, onReply as (o: Outcome<unknown>) => void);
    if (moving !== undefined && !this.#moving.includes(moving)) this.#moving.push(moving);
    this.#mark();
    this.#outbox.push(id, op, req);
    this.#posted();
    return id;
  }

  /**
   * post sends a one-way message: no reply unless it fails, and then the failure is raised at
   * the worker's next call with `origin` (the call that caused it) in its message and `at`
   * (where the script made that call, file:line:col) as its position.
   */
  post<K extends OpName<T>>(op: K, req: T[K]['req'], origin: string, at?: string): void {
    this.#check();
    this.#mark();
    this.#outbox.push(-this.#nextId++, op, req, origin, at);
    this.#posted();
  }

  /** postNow posts the outbox at once (latency matters: e.g. the pipeline is starved). */
  postNow(): void {
    if (this.#outbox.length === 0) return;
    const batch = this.#outbox;
    const moving = this.#moving;
    this.#outbox = [];
    this.#newest = -1;
    this.#moving = [];
    this.#port.postMessage(batch, moving);
  }

  /** lastQueued gives the newest queued message if it is still in the outbox (to coalesce into it). */
  lastQueued(): { readonly id: number; readonly op: string; readonly req: unknown } | undefined {
    const at = this.#newest;
    if (at < 0) return undefined;
    const box = this.#outbox;
    return { id: Math.abs(box[at] as number), op: box[at + 1] as string, req: box[at + 2] };
  }

  /** finalCall is the worker's last call: it goes through whatever was reported or requested before. */
  finalCall<K extends OpName<T>>(op: K, req: T[K]['req']): void {
    let done = false;
    this.submit(op, req, () => (done = true), true);
    this.waitUntil(() => done, true);
  }

  /** call submits a request and waits for its reply; a failure throws HostCallError. */
  call<K extends OpName<T>>(op: K, req: T[K]['req']): T[K]['rep'] {
    return this.wait(this.submit(op, req)) as T[K]['rep'];
  }

  /** wait blocks until the reply of `id` (submitted without a callback) and returns its value. */
  wait(id: number): unknown {
    let reply: Reply | undefined;
    this.waitUntil(() => (reply = this.#replies.get(id)) !== undefined);
    this.#replies.delete(id);
    if (!reply!.ok) throw new HostCallError(reply!.error);
    return reply!.value;
  }

  /** waitAny blocks until one of `ids` has a reply and returns that id (its reply is kept for wait). */
  waitAny(ids: readonly number[]): number {
    let done = -1;
    this.waitUntil(() => (done = ids.find((id) => this.#replies.has(id)) ?? -1) !== -1);
    return done;
  }

  /** poll reads the replies that arrived, without blocking. */
  poll(): void {
    this.#drain();
    this.#check();
  }

  /**
   * waitUntil blocks (posting the outbox first) until `ready()` holds after replies are read.
   * `need` tells how many more replies must arrive at least before it can (never more: the main
   * thread holds replies until it has that many). A `final` wait (the worker's last message)
   * ignores stop requests and reported failures. With `countsAside`, requests set aside
   * (setAside) count towards `need` too: the main thread wakes it when enough were.
   */
  waitUntil(ready: () => boolean, final = false, need: () => number = () => 1, countsAside = false): void {
    this.postNow();
    const signal = this.#signal;
    for (;;) {
      const seen = Atomics.load(signal, REPLIES);
      this.#drain();
      if (!final) this.#check();
      if (ready()) return;
      if (!final && Atomics.load(signal, STOP) !== 0) throw new StoppedError();
      // Say what is wanted, then look at what is held: with sequentially consistent atomics,
      // either the main thread sees the want when it next holds a reply, or this sees what it
      // holds already and asks it to post them.
      const want = Math.max(1, need());
      Atomics.store(signal, ASIDE_SEEN, countsAside ? Atomics.load(signal, ASIDE) : NOT_ASIDE);
      Atomics.store(signal, WANT, want);
      if (Atomics.load(signal, HELD) >= want) this.#port.postMessage([]);
      Atomics.wait(signal, REPLIES, seen, RECHECK_MS);
      Atomics.store(signal, WANT, 0);
    }
  }

  /** aside is how many of this worker's requests the main thread has set aside (setAside). */
  get aside(): number {
    return Atomics.load(this.#signal, ASIDE);
  }

  /** stopRequested says whether the main thread asked the script to stop. */
  get stopRequested(): boolean {
    return Atomics.load(this.#signal, STOP) !== 0;
  }

  /** #mark notes that a message starts here (before its entries are pushed). */
  #mark(): void {
    if (this.#outbox.length === 0) {
      this.#outboxSince = performance.now();
      this.#count = 0;
    }
    this.#newest = this.#outbox.length;
  }

  /** #posted counts the message just pushed and posts the outbox when it is full or old. */
  #posted(): void {
    if (++this.#count >= OUTBOX_MAX || performance.now() - this.#outboxSince >= OUTBOX_MS) this.postNow();
  }

  #drain(): void {
    for (;;) {
      const m = receiveMessageOnPort(this.#port);
      if (!m) return;
      const batch = m.message as ReplyBatch;
      for (let i = 0; i < batch.length; i++) {
        const head = batch[i];
        // A success is its id and its value (channel-types.ts ReplyBatch); a failure its Reply.
        const r: Reply =
          typeof head === 'number' ? { id: head, ok: true, value: batch[++i] } : (head as Reply);
        if (r.id === 0) {
          // A failure of a one-way message, or the main thread stopping the script.
          if (!r.ok) this.#fatal ??= r.error;
          continue;
        }
        const cb = this.#callbacks.delete(r.id);
        if (cb) {
          cb(r.ok ? { ok: true, value: r.value } : { ok: false, error: r.error });
        } else {
          this.#replies.set(r.id, r);
        }
      }
    }
  }

  /** #check raises a failure the main thread reported outside any reply, once. */
  #check(): void {
    const fatal = this.#fatal;
    if (fatal === undefined) return;
    this.#fatal = { ...fatal, code: CODE.EBB_REPORTED };
    if (fatal.code !== CODE.EBB_REPORTED) throw new HostCallError(fatal);
  }
}
