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

/** An operation table: name → request type → reply type. */
export interface OpSpec {
  readonly req: unknown;
  readonly rep: unknown;
}
/** An operation table type T: every member is an OpSpec (`T extends OpTable<T>`). */
export type OpTable<T> = { readonly [K in keyof T]: OpSpec };
export type OpName<T> = keyof T & string;
export type Lane = 'serial' | 'concurrent';

/**
 * An error as it crosses the channel. `origin` names the one-way message's call that caused it
 * and `position` where the script made that call (file:line:col).
 */
export interface WireError {
  readonly code: string;
  readonly message: string;
  readonly position?: string;
  readonly origin?: string;
}

export type Outcome<V> =
  | { readonly ok: true; readonly value: V }
  | { readonly ok: false; readonly error: WireError };

interface Envelope {
  readonly id: number;
  readonly op: string;
  readonly req: unknown;
  /** Set for one-way messages: what caused it, so a failure names that call. */
  readonly origin?: string;
  /** Where the script made that call (file:line:col), when known. */
  readonly at?: string;
}

type Reply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: WireError };

/**
 * Slots of the shared Int32Array: a counter bumped on every batch of replies, a stop flag, how
 * many replies the waiting worker needs before it can go on (0: it is not waiting), how many
 * the main thread holds, and how many of the worker's requests are set aside on the main thread
 * (waiting to retry: they hold no slot, and the worker's bound on unfinished requests may leave
 * them out).
 */
export const SIGNAL_SLOTS = 6;
const REPLIES = 0;
const STOP = 1;
const WANT = 2;
const HELD = 3;
const ASIDE = 4;
/** The ASIDE count a waiting worker last saw, or NOT_ASIDE when its wait does not count it. */
const ASIDE_SEEN = 5;
const NOT_ASIDE = 0x7fffffff;
/** The most replies the main thread holds back while the worker runs, and for how long at most. */
const HOLD_MAX = 256;
const HOLD_MS = 250;

export function newSignal(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * SIGNAL_SLOTS));
}

/**
 * setAside (main thread) publishes how many requests are set aside. A worker waiting until fewer
 * requests are unfinished, counting those aside as finished, is woken once as many were set
 * aside since it began to wait as it waits for replies: one wake-up for many, as for replies
 * (a wake-up per request set aside cost the main thread ~0.4 ms each on a loaded machine).
 */
export function setAside(signal: Int32Array, n: number): void {
  const before = Atomics.exchange(signal, ASIDE, n);
  if (n <= before) return;
  // The bump alone makes a worker about to wait look again (its wait sees the counter moved).
  Atomics.add(signal, REPLIES, 1);
  const want = Atomics.load(signal, WANT);
  if (want !== 0 && n - Atomics.load(signal, ASIDE_SEEN) >= want) Atomics.notify(signal, REPLIES);
}

/** HostCallError is a failed host call, thrown in the worker with the main thread's code and message. */
export class HostCallError extends Error {
  readonly code: string;
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

/** Client is the worker's end. */
export class Client<T extends OpTable<T>> {
  readonly #port: MessagePort;
  readonly #signal: Int32Array;
  #nextId = 1;
  #outbox: Envelope[] = [];
  #outboxSince = 0;
  readonly #replies = new Map<number, Reply>();
  readonly #callbacks = new Map<number, (o: Outcome<unknown>) => void>();
  #fatal: WireError | undefined;

  constructor(port: MessagePort, signal: Int32Array) {
    this.#port = port;
    this.#signal = signal;
  }

  /** submit queues a request and returns its id; `onReply` (if given) receives its outcome. */
  submit<K extends OpName<T>>(
    op: K,
    req: T[K]['req'],
    onReply?: (o: Outcome<T[K]['rep']>) => void,
    final = false,
  ): number {
    if (!final) this.#check();
    const id = this.#nextId++;
    if (onReply) this.#callbacks.set(id, onReply as (o: Outcome<unknown>) => void);
    this.#enqueue({ id, op, req });
    return id;
  }

  /**
   * post sends a one-way message: no reply unless it fails, and then the failure is raised at
   * the worker's next call with `origin` (the call that caused it) in its message and `at`
   * (where the script made that call, file:line:col) as its position.
   */
  post<K extends OpName<T>>(op: K, req: T[K]['req'], origin: string, at?: string): void {
    this.#check();
    this.#enqueue(
      at === undefined
        ? { id: this.#nextId++, op, req, origin }
        : { id: this.#nextId++, op, req, origin, at },
    );
  }

  /** postNow posts the outbox at once (latency matters: e.g. the pipeline is starved). */
  postNow(): void {
    if (this.#outbox.length === 0) return;
    const batch = this.#outbox;
    this.#outbox = [];
    this.#port.postMessage(batch, movable(batch));
  }

  /** lastQueued gives the newest queued message if it is still in the outbox (to coalesce into it). */
  lastQueued(): { readonly op: string; readonly req: unknown } | undefined {
    return this.#outbox[this.#outbox.length - 1];
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
      Atomics.wait(signal, REPLIES, seen, 1000);
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

  #enqueue(env: Envelope): void {
    if (this.#outbox.length === 0) this.#outboxSince = performance.now();
    this.#outbox.push(env);
    if (this.#outbox.length >= OUTBOX_MAX || performance.now() - this.#outboxSince >= OUTBOX_MS)
      this.postNow();
  }

  #drain(): void {
    for (;;) {
      const m = receiveMessageOnPort(this.#port);
      if (!m) return;
      for (const r of m.message as Reply[]) {
        if (r.id === 0) {
          // A failure of a one-way message, or the main thread stopping the script.
          if (!r.ok) this.#fatal ??= r.error;
          continue;
        }
        const cb = this.#callbacks.get(r.id);
        if (cb) {
          this.#callbacks.delete(r.id);
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
    this.#fatal = { ...fatal, code: 'EBB_REPORTED' };
    if (fatal.code !== 'EBB_REPORTED') throw new HostCallError(fatal);
  }
}

/**
 * movable lists the request bodies of a batch that own their whole buffer: they move to the
 * main thread rather than being copied (the script never sees a body again once it is sent).
 */
function movable(batch: readonly Envelope[]): ArrayBuffer[] {
  let out: ArrayBuffer[] | undefined;
  for (const env of batch) {
    const body = (env.req as { body?: unknown } | null)?.body;
    if (
      body instanceof Uint8Array &&
      body.byteOffset === 0 &&
      body.byteLength === body.buffer.byteLength &&
      body.buffer instanceof ArrayBuffer
    ) {
      if (!(out ??= []).includes(body.buffer)) out.push(body.buffer);
    }
  }
  return out ?? [];
}

/** SerialLane runs tasks one at a time in the order they were queued. */
export class SerialLane {
  #tail: Promise<unknown> = Promise.resolve();

  run<V>(task: () => Promise<V> | V): Promise<V> {
    const next = this.#tail.then(task);
    this.#tail = next.catch(() => undefined);
    return next;
  }

  /** idle resolves when every task queued so far is over. */
  async idle(): Promise<void> {
    let tail;
    do {
      tail = this.#tail;
      await tail;
    } while (tail !== this.#tail);
  }
}

export type Handlers<T extends OpTable<T>> = {
  readonly [K in OpName<T>]: (req: T[K]['req'], id: number) => Promise<T[K]['rep']> | T[K]['rep'];
};

export interface Served {
  /** fail reports a failure to the worker outside any reply: raised at its next call. */
  readonly fail: (error: WireError) => void;
  /** stop asks the script to stop: its next call (or the wait it is in) throws StoppedError. */
  readonly stop: () => void;
  /** idle resolves when every request received so far has been answered. */
  readonly idle: () => Promise<void>;
  /** The first failure of a one-way message (or reported with fail()), with its origin. */
  readonly failure: () => WireError | undefined;
}

/**
 * serve is the main thread's end. `toError` turns a handler's exception into the error the
 * worker sees. Replies completed in one tick are posted together.
 */
export function serve<T extends OpTable<T>>(
  port: MessagePort,
  signal: Int32Array,
  handlers: Handlers<T>,
  lanes: { readonly [K in OpName<T>]: Lane },
  serial: SerialLane,
  toError: (err: unknown, op: string) => WireError,
  transferOf?: (value: unknown) => ArrayBuffer[] | undefined,
): Served {
  let pending: Reply[] = [];
  let transfer: ArrayBuffer[] = [];
  let scheduled = false;
  let urgent = false;
  // A safety net, not the mechanism: a waiting worker is answered through WANT (or its request
  // for what is held); this only bounds how long a reply can be held if that were ever missed.
  let holdTimer: NodeJS.Timeout | undefined;
  let open = 0;
  let idleWaiters: Array<() => void> = [];
  let failure: WireError | undefined;
  const flush = () => {
    scheduled = false;
    urgent = false;
    if (holdTimer !== undefined) clearTimeout(holdTimer);
    holdTimer = undefined;
    const batch = pending;
    const moved = transfer;
    pending = [];
    transfer = [];
    Atomics.store(signal, HELD, 0);
    if (batch.length === 0) return;
    try {
      port.postMessage(batch, moved);
    } catch {
      return; // the worker is gone
    }
    Atomics.add(signal, REPLIES, 1);
    Atomics.notify(signal, REPLIES);
  };
  // Replies are held until the waiting worker has as many as it wants (see waitUntil); then
  // those that complete in the same turn of the event loop (several sockets' data, a page of
  // database work) go out as one message: setImmediate runs after this turn's I/O callbacks.
  const maybeFlush = () => {
    if (scheduled || pending.length === 0) return;
    const want = Atomics.load(signal, WANT);
    if (urgent || (want > 0 && pending.length >= want) || pending.length >= HOLD_MAX) {
      scheduled = true;
      setImmediate(flush);
    } else if (holdTimer === undefined) {
      holdTimer = setTimeout(flush, HOLD_MS);
      holdTimer.unref();
    }
  };
  const reply = (r: Reply) => {
    pending.push(r);
    // A reply's large buffer (a page's bytes) moves to the worker instead of being copied.
    const buffers = r.ok && transferOf ? transferOf(r.value) : undefined;
    for (const b of buffers ?? []) if (!transfer.includes(b)) transfer.push(b);
    Atomics.store(signal, HELD, pending.length);
    // A failure outside any reply stops the script: it goes at once.
    if (r.id === 0) urgent = true;
    maybeFlush();
  };
  const done = () => {
    if (--open === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    }
  };
  const exec = async (env: Envelope): Promise<void> => {
    const handler = handlers[env.op as OpName<T>] as ((req: unknown, id: number) => unknown) | undefined;
    try {
      if (!handler) throw new Error(`unknown operation ${env.op}`);
      const value = await handler(env.req, env.id);
      if (env.origin === undefined) reply({ id: env.id, ok: true, value });
    } catch (err) {
      const error = toError(err, env.op);
      if (env.origin === undefined) reply({ id: env.id, ok: false, error });
      else {
        const caused: WireError =
          env.at === undefined
            ? { ...error, origin: env.origin }
            : { ...error, origin: env.origin, position: env.at };
        failure ??= caused;
        reply({ id: 0, ok: false, error: caused });
      }
    }
  };
  port.on('message', (batch: Envelope[]) => {
    for (const env of batch) {
      open++;
      const lane = lanes[env.op as OpName<T>] ?? 'concurrent';
      const run = lane === 'serial' ? serial.run(() => exec(env)) : exec(env);
      void run.finally(done);
    }
    // An empty batch is the waiting worker asking for the replies held (see waitUntil).
    maybeFlush();
  });
  return {
    fail: (error) => {
      failure ??= error;
      reply({ id: 0, ok: false, error });
    },
    failure: () => failure,
    stop: () => {
      Atomics.store(signal, STOP, 1);
      Atomics.add(signal, REPLIES, 1);
      Atomics.notify(signal, REPLIES);
    },
    idle: () => (open === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve))),
  };
}
