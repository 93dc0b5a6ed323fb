// A synchronous call channel between a Starlark model, running in a worker thread, and
// the main thread that owns DuckDB and the network. The interpreter is synchronous; a host
// call posts a request and blocks on an Atomics flag until the main thread has answered.

import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

export interface Request {
  readonly op: string;
  readonly payload: unknown;
  /** false for one-way messages (print), which get no reply. */
  readonly wantsReply: boolean;
}

export type Reply = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

/** HostCallError is a failed host call, re-thrown in the worker with the main thread's message. */
export class HostCallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostCallError';
  }
}

/** SyncClient is the worker's end. */
export class SyncClient {
  readonly #port: MessagePort;
  readonly #flag: Int32Array;

  constructor(port: MessagePort, flag: Int32Array) {
    this.#port = port;
    this.#flag = flag;
  }

  /** call sends a request and blocks until its reply; a failed call throws HostCallError. */
  call<T>(op: string, payload: unknown): T {
    Atomics.store(this.#flag, 0, 0);
    this.#port.postMessage({ op, payload, wantsReply: true } satisfies Request);
    for (;;) {
      Atomics.wait(this.#flag, 0, 0, 1000);
      const m = receiveMessageOnPort(this.#port);
      if (m) {
        const reply = m.message as Reply;
        if (!reply.ok) throw new HostCallError(reply.error);
        return reply.value as T;
      }
    }
  }

  /** post sends a one-way message. */
  post(op: string, payload: unknown): void {
    this.#port.postMessage({ op, payload, wantsReply: false } satisfies Request);
  }
}

export type Handler = (op: string, payload: unknown) => Promise<unknown>;

/** Served is the main thread's view of a channel: the first failure of a one-way message. */
export interface Served {
  readonly failure: () => string | undefined;
}

/**
 * serve is the main thread's end: requests are handled one at a time, in order, so a
 * model sees the effects of its earlier calls. A one-way message that fails makes every
 * later call fail with its error (except `exempt` ones), so the script stops at once.
 */
export function serve(port: MessagePort, flag: Int32Array, handler: Handler, exempt: readonly string[] = []): Served {
  let queue: Promise<void> = Promise.resolve();
  let failure: string | undefined;
  port.on('message', (req: Request) => {
    queue = queue.then(async () => {
      let reply: Reply;
      if (failure !== undefined && req.wantsReply && !exempt.includes(req.op)) {
        reply = { ok: false, error: failure };
      } else {
        try {
          reply = { ok: true, value: await handler(req.op, req.payload) };
        } catch (err) {
          reply = { ok: false, error: err instanceof Error ? err.message : String(err) };
        }
      }
      if (!req.wantsReply) {
        if (!reply.ok) failure ??= reply.error;
        return;
      }
      port.postMessage(reply);
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
    });
  });
  return { failure: () => failure };
}
