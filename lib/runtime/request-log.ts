// RequestLog gathers a .star model's HTTP attempts for the request log (`_ebb.requests`, the
// dashboard's request inspector) off the sending path: an attempt is only remembered when it
// ends (a success in a ring of the newest KEEP_OK, success-ring.ts; one of the run's first
// KEEP_FAILED failures in a list), and the work — decoding and cutting bodies, redacting every
// secret form, writing — happens on the database lane: the failures once KEEP_FAILED of them
// wait, the rest when the model's run ends, after which the model's log is pruned to its bounds
// (successes kept per model, days kept).
//
// A run's failed attempts past the first KEEP_FAILED are not logged: each failed row is in
// _ebb.failures already (its status, error and attempts), and a log of every attempt grew with
// the run — a million failed requests were a million entries with their bodies, and writing
// 10,000 of them cost a sync with 10 % of its rows failing ~5 % of its CPU.

import type { AttemptEvent } from '../send/sender.js';
import { pruneRequests, recordRequests, type RequestEntry, type Store } from '../store/index.js';
import type { Redactor } from './secrets.js';
import type { SerialLane } from './serial-lane.js';
import { type Body, SuccessRing } from './success-ring.js';

/** Bytes of a request or response body kept (then `…`). */
export const MAX_LOGGED_BODY = 4096;
/**
 * Successes kept per model: the newest, as many as the dashboard's request inspector shows. A
 * run writes them as it ends (up to 8 KiB of bodies each, decoded and redacted on the main
 * thread, then checkpointed at close): 1,000 of them cost a run of batches ~80 ms at its end.
 */
export const KEEP_OK = 200;
/** Days an entry is kept, unless ebb.yaml says otherwise (`requests.keep_days`). */
export const DEFAULT_KEEP_DAYS = 7;
/**
 * Failed attempts logged per model's run: the first ones. Their bodies held meanwhile are at
 * most KEEP_FAILED × 2 × MAX_LOGGED_BODY (8 MiB).
 */
export const KEEP_FAILED = 1000;

export interface RequestLogOptions {
  readonly store: Store;
  readonly model: string;
  readonly runId: string;
  readonly redactor: Redactor;
  readonly lane: SerialLane;
  readonly keepDays?: number | undefined;
  /** Told when writing the log failed (the run goes on: the log is not the delivery's record). */
  readonly warn: (message: string) => void;
}

/**
 * An attempt as remembered until it is written: what is logged of it, bodies still bytes (at
 * most MAX_LOGGED_BODY each, so the ring never holds a large response alive).
 */
interface Seen extends Omit<RequestEntry, 'runId' | 'model' | 'requestBody' | 'responseBody'> {
  readonly request: Body | null;
  readonly response: Body | null;
}

export class RequestLog {
  readonly #o: RequestLogOptions;
  readonly #ok = new SuccessRing(KEEP_OK, MAX_LOGGED_BODY);
  #failed: Seen[] = [];
  /** Failed attempts this run has seen, the logged ones and those past KEEP_FAILED. */
  #failures = 0;
  #writing: Promise<void> = Promise.resolve();
  #warned = false;
  #closed: Promise<void> | undefined;
  readonly #decoder = new TextDecoder();

  constructor(options: RequestLogOptions) {
    this.#o = options;
  }

  /** attempt remembers one finished attempt (the Sender's onAttempt): constant work. */
  attempt(event: AttemptEvent): void {
    if (!isFailure(event)) {
      const response = event.response!;
      this.#ok.add(
        {
          at: Date.now() - event.durationMs,
          method: event.request.method,
          url: event.request.url,
          status: event.status!,
          attempt: event.attempt,
          latencyMs: event.durationMs,
        },
        event.request.body,
        response.body,
        response.truncated === true,
      );
      return;
    }
    if (++this.#failures > KEEP_FAILED) return;
    this.#failed.push(remembered(event));
    if (this.#failures === KEEP_FAILED) this.#flush(this.#takeFailed());
  }

  /**
   * close writes what is left and prunes the model's log; it never throws. Once: a second call
   * (the run's cleanup after its end, star-runner.ts) waits for the first.
   */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    const ok = this.#ok.take().map((s): Seen => ({ ...s, error: null, failed: false }));
    this.#flush([...this.#takeFailed(), ...ok]);
    const { store, model, lane } = this.#o;
    const days = this.#o.keepDays ?? DEFAULT_KEEP_DAYS;
    this.#writing = this.#writing.then(() =>
      lane
        .run(() => pruneRequests(store, model, KEEP_OK, days))
        .then(
          () => undefined,
          (err: unknown) => this.#warn(err),
        ),
    );
    await this.#writing;
  }

  #takeFailed(): Seen[] {
    const out = this.#failed;
    this.#failed = [];
    return out;
  }

  #flush(batch: readonly Seen[]): void {
    if (batch.length === 0) return;
    this.#writing = this.#writing.then(() =>
      this.#o.lane
        .run(() =>
          recordRequests(
            this.#o.store,
            batch.map((s) => this.#entry(s)),
          ),
        )
        .catch((err: unknown) => this.#warn(err)),
    );
  }

  #entry(s: Seen): RequestEntry {
    const r = this.#o.redactor;
    return {
      runId: this.#o.runId,
      model: this.#o.model,
      at: s.at,
      method: s.method,
      url: r.redact(s.url),
      status: s.status,
      error: s.error === null ? null : r.redact(s.error),
      attempt: s.attempt,
      failed: s.failed,
      latencyMs: s.latencyMs,
      requestBody: s.request === null ? null : r.redact(this.#text(s.request)),
      responseBody: s.response === null ? null : r.redact(this.#text(s.response)),
    };
  }

  /** #text decodes a body; a cut one ends in `…` (where redaction looks for a secret's start). */
  #text(body: Body): string {
    const text = this.#decoder.decode(body.bytes);
    return body.cut ? `${text.replace(/\uFFFD$/, '')}…` : text;
  }

  #warn(err: unknown): void {
    if (this.#warned) return;
    this.#warned = true;
    this.#o.warn(
      `the request log of ${this.#o.model} was not written: ${this.#o.redactor.redact(String(err))}`,
    );
  }
}

/** remembered is a failed attempt as kept until its batch is written. */
function remembered(event: AttemptEvent): Seen {
  const response = event.response;
  return {
    at: Date.now() - event.durationMs,
    method: event.request.method,
    url: event.request.url,
    status: event.status,
    error: event.error === null ? null : event.error.message,
    attempt: event.attempt,
    failed: true,
    latencyMs: event.durationMs,
    request: event.request.body === undefined ? null : loggedBody(event.request.body, false),
    response: response === null ? null : loggedBody(response.body, response.truncated === true),
  };
}

/**
 * loggedBody is what the log keeps of a failure's body: its first MAX_LOGGED_BODY bytes, as its
 * own bytes — copied when cut (a Buffer's slice is a view: it would hold the whole body alive) or
 * when it is a view of a larger buffer: a small body is a view of a shared slab (Buffer's pool,
 * a socket read of up to 64 KiB), and a thousand failures held ~8 MiB of slabs, old-space
 * garbage for the collector once written.
 */
export function loggedBody(bytes: Uint8Array, truncated: boolean): Body {
  if (bytes.length > MAX_LOGGED_BODY)
    return { bytes: new Uint8Array(bytes.subarray(0, MAX_LOGGED_BODY)), cut: true };
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return { bytes: whole ? bytes : new Uint8Array(bytes), cut: truncated };
}

/** A failure is an attempt without a 2xx: an error status, or no response at all. */
function isFailure(event: AttemptEvent): boolean {
  return event.status === null || event.status < 200 || event.status >= 300;
}
