// The main thread's end of the model channel (./channel.ts): it runs each request's handler on
// its lane and posts the replies back in batches, held until the waiting worker has as many as
// it wants.

import type { MessagePort } from 'node:worker_threads';
import {
  HELD,
  REPLIES,
  STOP,
  WANT,
  type Envelope,
  type Lane,
  type MessageBatch,
  type OpName,
  type OpTable,
  type Reply,
  type ReplyBatch,
  type WireError,
} from './channel-types.js';
import type { SerialLane } from './serial-lane.js';

/** The most replies the main thread holds back while the worker runs, and for how long at most. */
const HOLD_MAX = 256;
const HOLD_MS = 250;

/**
 * Answer is how a handler of the concurrent lane answers later without a promise: it returns
 * LATER and calls ok or fail once. (The seed loop's main thread, its bottleneck, answered each
 * of 100,000 requests through a promise of Delivery's and a reaction of its own here: two
 * promises, four closures and a turn of the microtask queue each.) It is the request's envelope.
 */
export interface Answer<V> {
  ok(value: V): void;
  fail(err: unknown): void;
}

/** What a handler returns when it answers through its Answer. */
export const LATER: unique symbol = Symbol('answered later');

export type Handlers<T extends OpTable<T>> = {
  readonly [K in OpName<T>]: (
    req: T[K]['req'],
    id: number,
    answer: Answer<T[K]['rep']>,
  ) => Promise<T[K]['rep']> | T[K]['rep'] | typeof LATER;
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
 * ReplyOutbox holds the replies to the worker and posts them in batches. Replies are held until
 * the waiting worker has as many as it wants (see Client#waitUntil); then those that complete in
 * the same turn of the event loop (several sockets' data, a page of database work) go out as one
 * message: setImmediate runs after this turn's I/O callbacks.
 */
class ReplyOutbox {
  readonly #port: MessagePort;
  readonly #signal: Int32Array;
  readonly #transferOf: ((value: unknown) => ArrayBuffer[] | undefined) | undefined;
  readonly #holdMs: number;
  #pending: ReplyBatch = [];
  /** The replies in #pending (a success takes two entries). */
  #count = 0;
  #transfer: ArrayBuffer[] = [];
  #scheduled = false;
  #urgent = false;
  // A safety net, not the mechanism: a waiting worker is answered through WANT (or its request
  // for what is held); this only bounds how long a reply can be held if that were ever missed.
  #holdTimer: NodeJS.Timeout | undefined;
  readonly #flush = () => this.flush();

  constructor(
    port: MessagePort,
    signal: Int32Array,
    transferOf: ((value: unknown) => ArrayBuffer[] | undefined) | undefined,
    holdMs: number,
  ) {
    this.#port = port;
    this.#signal = signal;
    this.#transferOf = transferOf;
    this.#holdMs = holdMs;
  }

  reply(r: Reply): void {
    if (r.ok) this.#pending.push(r.id, r.value);
    else this.#pending.push(r);
    this.#count++;
    // A reply's large buffer (a page's bytes) moves to the worker instead of being copied.
    const buffers = r.ok && this.#transferOf ? this.#transferOf(r.value) : undefined;
    for (const b of buffers ?? []) if (!this.#transfer.includes(b)) this.#transfer.push(b);
    Atomics.store(this.#signal, HELD, this.#count);
    // A failure outside any reply stops the script: it goes at once.
    if (r.id === 0) this.#urgent = true;
    this.maybeFlush();
  }

  /** maybeFlush posts the replies held once the worker waits for them (or they are many, or urgent). */
  maybeFlush(): void {
    if (this.#scheduled || this.#count === 0) return;
    const want = Atomics.load(this.#signal, WANT);
    const n = this.#count;
    if (this.#urgent || (want > 0 && n >= want) || n >= HOLD_MAX) {
      this.#scheduled = true;
      setImmediate(this.#flush);
    } else if (this.#holdTimer === undefined) {
      this.#holdTimer = setTimeout(this.#flush, this.#holdMs);
      this.#holdTimer.unref();
    }
  }

  flush(): void {
    this.#scheduled = false;
    this.#urgent = false;
    if (this.#holdTimer !== undefined) clearTimeout(this.#holdTimer);
    this.#holdTimer = undefined;
    const batch = this.#pending;
    const moved = this.#transfer;
    this.#pending = [];
    this.#count = 0;
    this.#transfer = [];
    Atomics.store(this.#signal, HELD, 0);
    if (batch.length === 0) return;
    try {
      this.#port.postMessage(batch, moved);
    } catch {
      return; // the worker is gone
    }
    Atomics.add(this.#signal, REPLIES, 1);
    Atomics.notify(this.#signal, REPLIES);
  }
}

/** What answers a request: Operations. */
interface Answering {
  answer(env: Envelope, value: unknown): void;
  refuse(env: Envelope, err: unknown): void;
}

/** A request received, until it is answered: also its handler's Answer. */
class Pending implements Envelope, Answer<unknown> {
  readonly id: number;
  readonly op: string;
  readonly req: unknown;
  readonly origin: string | undefined;
  readonly at: string | undefined;
  readonly #ops: Answering;

  constructor(ops: Answering, id: number, op: string, req: unknown, origin?: string, at?: string) {
    this.#ops = ops;
    this.id = id;
    this.op = op;
    this.req = req;
    this.origin = origin;
    this.at = at;
  }

  ok(value: unknown): void {
    this.#ops.answer(this, value);
  }

  fail(err: unknown): void {
    this.#ops.refuse(this, err);
  }
}

/**
 * Operations runs each request's handler and answers it: a handler's value in the same turn, a
 * promise's once it settles — no promise of its own around it (an HTTP request and an ack per
 * row: every promise counts) — or when the handler calls its Answer, and those of the serial
 * lane one at a time, in order.
 */
class Operations<T extends OpTable<T>> implements Answering {
  readonly #handlers: Handlers<T>;
  readonly #toError: (err: unknown, op: string) => WireError;
  readonly #outbox: ReplyOutbox;
  #open = 0;
  #idleWaiters: Array<() => void> = [];
  /** The first failure of a one-way message (or reported with fail()). */
  failure: WireError | undefined;

  constructor(handlers: Handlers<T>, toError: (err: unknown, op: string) => WireError, outbox: ReplyOutbox) {
    this.#handlers = handlers;
    this.#toError = toError;
    this.#outbox = outbox;
  }

  /**
   * receive runs a request on its lane: counted as open from now until it is answered. A
   * one-way message (negative head) has its origin and position.
   */
  receive(
    head: number,
    op: string,
    req: unknown,
    origin: unknown,
    at: unknown,
    lane: Lane,
    serial: SerialLane,
  ): void {
    const env =
      head > 0
        ? new Pending(this, head, op, req)
        : new Pending(this, -head, op, req, origin as string, at as string | undefined);
    this.#open++;
    if (lane === 'serial') void serial.run(() => this.#execInOrder(env));
    else this.#exec(env);
  }

  /** idle resolves when every request received so far has been answered. */
  idle(): Promise<void> {
    return this.#open === 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  /** #exec answers the request whenever its handler is done (the concurrent lane). */
  #exec(env: Pending): void {
    let value: unknown;
    try {
      value = this.#handler(env)(env.req, env.id, env);
    } catch (err) {
      this.refuse(env, err);
      return;
    }
    if (value === LATER) return;
    if (value instanceof Promise)
      value.then(
        (v: unknown) => this.answer(env, v),
        (err: unknown) => this.refuse(env, err),
      );
    else this.answer(env, value);
  }

  /** #execInOrder settles once the request is answered: the serial lane then goes on (no LATER here). */
  async #execInOrder(env: Pending): Promise<void> {
    let value: unknown;
    try {
      value = await this.#handler(env)(env.req, env.id, env);
    } catch (err) {
      this.refuse(env, err);
      return;
    }
    this.answer(env, value);
  }

  #handler(env: Envelope): (req: unknown, id: number, answer: Answer<unknown>) => unknown {
    const handler = this.#handlers[env.op as OpName<T>] as
      | ((req: unknown, id: number, answer: Answer<unknown>) => unknown)
      | undefined;
    if (!handler) throw new Error(`unknown operation ${env.op}`);
    return handler;
  }

  answer(env: Envelope, value: unknown): void {
    if (env.origin === undefined) this.#outbox.reply({ id: env.id, ok: true, value });
    this.#done();
  }

  refuse(env: Envelope, err: unknown): void {
    const error = this.#toError(err, env.op);
    if (env.origin === undefined) this.#outbox.reply({ id: env.id, ok: false, error });
    else {
      const caused: WireError =
        env.at === undefined
          ? { ...error, origin: env.origin }
          : { ...error, origin: env.origin, position: env.at };
      this.failure ??= caused;
      this.#outbox.reply({ id: 0, ok: false, error: caused });
    }
    this.#done();
  }

  #done(): void {
    if (--this.#open === 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}

/**
 * serve is the main thread's end. `toError` turns a handler's exception into the error the
 * worker sees. Replies completed in one tick are posted together. `holdMs` bounds how long a
 * reply is held back (tests make it long, to tell the mechanism from its safety net).
 */
export function serve<T extends OpTable<T>>(
  port: MessagePort,
  signal: Int32Array,
  handlers: Handlers<T>,
  lanes: { readonly [K in OpName<T>]: Lane },
  serial: SerialLane,
  toError: (err: unknown, op: string) => WireError,
  transferOf?: (value: unknown) => ArrayBuffer[] | undefined,
  holdMs = HOLD_MS,
): Served {
  const outbox = new ReplyOutbox(port, signal, transferOf, holdMs);
  const ops = new Operations(handlers, toError, outbox);
  port.on('message', (batch: MessageBatch) => {
    for (let i = 0; i < batch.length; ) {
      // A request is (id, op, req); a one-way message (-id, op, req, origin, at): channel-types.ts.
      const head = batch[i] as number;
      const op = batch[i + 1] as string;
      const lane = lanes[op as OpName<T>] ?? 'concurrent';
      if (head > 0) ops.receive(head, op, batch[i + 2], undefined, undefined, lane, serial);
      else ops.receive(head, op, batch[i + 2], batch[i + 3], batch[i + 4], lane, serial);
      i += head > 0 ? 3 : 5;
    }
    // An empty batch is the waiting worker asking for the replies held (see waitUntil).
    outbox.maybeFlush();
  });
  return {
    fail: (error) => {
      ops.failure ??= error;
      outbox.reply({ id: 0, ok: false, error });
    },
    failure: () => ops.failure,
    stop: () => {
      Atomics.store(signal, STOP, 1);
      Atomics.add(signal, REPLIES, 1);
      Atomics.notify(signal, REPLIES);
    },
    idle: () => ops.idle(),
  };
}
