// The real network: one keep-alive undici Pool per origin, one attempt per request() call.
// Responses are small API answers, so the body is collected into one Uint8Array through a
// dispatch handler (no stream per response) and capped at SEND_DEFAULTS.maxResponseBytes.
// The per-attempt timeout covers the whole response and costs no timer of ours: undici's
// low-resolution timers (about a second of slack) bound the wait for the headers and any
// silence in the body, and each body chunk checks the deadline, so a body that trickles in
// forever times out too. Failures reject
// with a SendError whose message names the origin: EBB_HTTP_NETWORK, EBB_HTTP_TIMEOUT,
// EBB_HTTP_BAD_URL, EBB_HTTP_INVALID_REQUEST.

import { performance } from 'node:perf_hooks';
import type { Dispatcher, Pool } from 'undici';
import { SEND_DEFAULTS } from './defaults.js';
import { InvalidRequestError, NetworkError, SendError, SendStoppedError, TimeoutError } from './errors.js';
import { headerLines, WithHeaderLines } from './header-lines.js';
import { NEVER_ABORTED } from './never.js';
import type { HttpRequest, HttpResponse, Transport } from './types.js';
import { splitUrl } from './url.js';

export interface UndiciTransportOptions {
  /** Bytes of a response body kept; the rest is read and dropped (response.truncated). */
  readonly maxResponseBytes?: number;
  readonly keepAliveTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  /**
   * Connections per origin at most (absent: as many as requests in flight). A Sender keeps
   * @concurrency attempts in flight, but a pool without a bound opened about twice as many
   * sockets (64 for 32 in the seed loop: the next request is dispatched before the connection
   * that just answered counts as free); bounded to @concurrency it keeps 32, and each request
   * costs the main thread less (~6 % of its CPU in the seed loop at load 8).
   */
  readonly connections?: number;
}

const EMPTY = new Uint8Array(0);

// undici is loaded at the first request (or by prepare()): a run that sends nothing (a
// no-change sync, a SQL-only pipeline) must not pay for it. Only its Pool's module, the one
// part used: the package's index also loads fetch, WebSocket, cookies, the mock agents and
// Node's own copy of undici (through a global they touch), ~57 ms of the main thread against
// ~19 ms for the Pool, on the path to a run's first request.
type PoolClass = typeof Pool;
let poolClass: PoolClass | undefined;
let loadingUndici: Promise<PoolClass> | undefined;
function loadUndici(): Promise<PoolClass> {
  loadingUndici ??= import('undici/lib/dispatcher/pool.js').then((m) => (poolClass = m.default));
  return loadingUndici;
}

export class UndiciTransport implements Transport {
  readonly #pools = new Map<string, Pool>();
  readonly #maxResponseBytes: number;
  readonly #keepAliveTimeoutMs: number;
  readonly #connectTimeoutMs: number;
  readonly #connections: number | null;
  #closed = false;

  constructor(options: UndiciTransportOptions = {}) {
    this.#maxResponseBytes = options.maxResponseBytes ?? SEND_DEFAULTS.maxResponseBytes;
    this.#keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? SEND_DEFAULTS.keepAliveTimeoutMs;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? SEND_DEFAULTS.connectTimeoutMs;
    this.#connections = options.connections ?? null;
  }

  /**
   * prepare loads undici ahead of the first request, while the caller waits for other work (a
   * model's delta on DuckDB's threads): the first request then does not pay the load itself.
   */
  prepare(): void {
    if (poolClass === undefined) void loadUndici().catch(() => undefined);
  }

  /** Origins with a pool (for tests and diagnostics). */
  get origins(): readonly string[] {
    return [...this.#pools.keys()];
  }

  request(req: HttpRequest, signal: AbortSignal): Promise<HttpResponse> {
    return new Promise<HttpResponse>((resolve, reject) => {
      let origin: string;
      let path: string;
      try {
        ({ origin, path } = splitUrl(req.url));
      } catch (err) {
        reject(err);
        return;
      }
      if (this.#closed) {
        reject(new SendStoppedError(req.method, origin));
        return;
      }
      const handler = new CollectHandler(req, origin, this.#maxResponseBytes, signal, resolve, reject);
      if (signal.aborted) {
        handler.fail(abortReason(signal, req, origin));
        return;
      }
      if (signal !== NEVER_ABORTED) signal.addEventListener('abort', handler, { once: true });
      const dispatch = (Ctor: PoolClass) => {
        if (this.#closed) {
          handler.fail(new SendStoppedError(req.method, origin));
          return;
        }
        this.#pool(Ctor, origin).dispatch(
          {
            origin,
            path,
            method: req.method as Dispatcher.HttpMethod,
            headers: req.headers,
            body: req.body ?? null,
            headersTimeout: req.timeoutMs,
            bodyTimeout: req.timeoutMs,
          },
          handler,
        );
      };
      if (poolClass !== undefined) dispatch(poolClass);
      else loadUndici().then(dispatch, (err: unknown) => handler.fail(translateError(err, req, origin)));
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((p) => p.close()));
  }

  #pool(Ctor: PoolClass, origin: string): Pool {
    let pool = this.#pools.get(origin);
    if (pool === undefined) {
      pool = new Ctor(origin, {
        connections: this.#connections,
        keepAliveTimeout: this.#keepAliveTimeoutMs,
        connect: { timeout: this.#connectTimeoutMs },
      });
      this.#pools.set(origin, pool);
    }
    return pool;
  }
}

/** One attempt's response: its headers kept as the lines they came in (header-lines.ts). */
class Received extends WithHeaderLines implements HttpResponse {
  readonly status: number;
  readonly body: Uint8Array;
  readonly truncated: boolean | undefined;

  constructor(status: number, lines: string, body: Uint8Array, truncated: boolean) {
    super(lines);
    this.status = status;
    this.body = body;
    this.truncated = truncated ? true : undefined;
  }
}

/**
 * Collects one response; also the abort listener of the caller's signal (handleEvent). It is a
 * handler of undici's original dispatch interface (onConnect, onHeaders, onData, onComplete,
 * onError), which undici's client calls directly: a handler of the newer one (onRequestStart…)
 * is wrapped per request in an adapter that also parses the headers into an object — a lookup
 * and two strings per header, an object per response, on the seed loop's busiest thread.
 */
class CollectHandler implements Dispatcher.DispatchHandler {
  readonly #req: HttpRequest;
  readonly #origin: string;
  readonly #max: number;
  readonly #signal: AbortSignal;
  readonly #resolve: (res: HttpResponse) => void;
  readonly #reject: (err: unknown) => void;
  #abort: ((err?: Error) => void) | null = null;
  #status = 0;
  #lines = '';
  #chunks: Buffer[] = [];
  #size = 0;
  #truncated = false;
  #done = false;
  readonly #deadline: number;

  constructor(
    req: HttpRequest,
    origin: string,
    max: number,
    signal: AbortSignal,
    resolve: (res: HttpResponse) => void,
    reject: (err: unknown) => void,
  ) {
    this.#req = req;
    this.#origin = origin;
    this.#max = max;
    this.#signal = signal;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#deadline = performance.now() + req.timeoutMs;
  }

  onConnect(abort: (err?: Error) => void): void {
    this.#abort = abort;
    if (this.#done) abort(abortReason(this.#signal, this.#req, this.#origin));
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    // 1xx informational answers come before the real one: only the last status counts.
    this.#status = statusCode;
    // A success of a request whose response no one reads keeps no headers (HttpRequest.unread):
    // the seed loop's main thread turned 100,000 header blocks into strings for no one.
    this.#lines =
      this.#req.unread === true && statusCode >= 200 && statusCode < 300 ? '' : headerLines(rawHeaders);
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (performance.now() > this.#deadline) {
      this.#abort?.(new TimeoutError(this.#origin, this.#req.timeoutMs));
      return false;
    }
    if (this.#truncated) return true;
    const room = this.#max - this.#size;
    if (chunk.length > room) {
      this.#truncated = true;
      if (room <= 0) return true;
      chunk = chunk.subarray(0, room);
    }
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    return true;
  }

  onComplete(): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#signal !== NEVER_ABORTED) this.#signal.removeEventListener('abort', this);
    const chunks = this.#chunks;
    const body =
      chunks.length === 0 ? EMPTY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.#size);
    this.#resolve(new Received(this.#status, this.#lines, body, this.#truncated));
  }

  onError(err: Error): void {
    this.fail(err instanceof SendError ? err : translateError(err, this.#req, this.#origin));
  }

  /** The caller's signal aborted. */
  handleEvent(): void {
    const reason = abortReason(this.#signal, this.#req, this.#origin);
    const abort = this.#abort;
    this.fail(reason);
    if (abort !== null) abort(reason);
  }

  fail(err: unknown): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#signal !== NEVER_ABORTED) this.#signal.removeEventListener('abort', this);
    this.#reject(err);
  }
}

function abortReason(signal: AbortSignal, req: HttpRequest, origin: string): SendError {
  const reason: unknown = signal.reason;
  return reason instanceof SendError ? reason : new SendStoppedError(req.method, origin);
}

/** Maps an undici or socket error to the SendError a model's author can act on. */
export function translateError(err: unknown, req: HttpRequest, origin: string): SendError {
  const code = (err as { code?: unknown } | null)?.code;
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause;
  const causeCode = cause?.code;
  const message = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return new TimeoutError(origin, req.timeoutMs, { cause: err });
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new NetworkError(origin, `could not connect to ${origin}: ${message}`, { cause: err });
    case 'ECONNREFUSED':
      return new NetworkError(origin, `connection refused by ${origin}`, { cause: err });
    case 'ECONNRESET':
    case 'EPIPE':
      return new NetworkError(origin, `connection reset by ${origin}`, { cause: err });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return new NetworkError(origin, `host not found: ${origin} (DNS lookup failed)`, { cause: err });
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new NetworkError(origin, `${origin} is unreachable`, { cause: err });
    case 'UND_ERR_SOCKET':
      return new NetworkError(
        origin,
        causeCode === 'ECONNRESET'
          ? `connection reset by ${origin}`
          : `connection to ${origin} closed before the response was complete`,
        { cause: err },
      );
    case 'UND_ERR_INVALID_ARG':
    case 'UND_ERR_NOT_SUPPORTED':
    case 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH':
      return new InvalidRequestError(req.method, origin, message, { cause: err });
    default:
      return new NetworkError(origin, `network error talking to ${origin}: ${message}`, { cause: err });
  }
}
