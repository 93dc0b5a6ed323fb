// Delivery is the main thread's side of a model's HTTP requests and conditional
// acknowledgements. Requests go to the Sender at once (the concurrent lane); an ack names the
// requests it depends on and is held until their outcomes are known: committed if all ended in
// 2xx, recorded in _ebb.failures otherwise. Decided acks are committed in batches on the
// database lane by AckBatches (ack-batches.ts, which says when).
//
// The crash window: an ack is durable only once its batch is committed. New requests wait
// while the acks of UNDURABLE_REQUESTS requests are not durable yet (a commit takes a while, and
// requests keep completing meanwhile), so a kill -9 loses at most the acks of those (and
// ROW_GROUP rows, and those of the last FLUSH_MS) plus the requests in flight; their rows are
// sent again by the next run, with the same idempotency keys.

import { CODE, type EbbCode, ERROR_CODES } from '../error-codes.js';
import { SeqRuns } from '../detect/seq-runs.js';
import type { SendOutcome } from '../send/types.js';
import { AckBatches, type AckStore } from './ack-batches.js';
import type { Answer, SerialLane, WireError } from './channel.js';
import type { FailedRequest } from './failure-advice.js';
import { IdMap } from './id-map.js';
import { UNDURABLE_REQUESTS, type HttpCall, type ModelOps } from './protocol.js';

export type { AckStore } from './ack-batches.js';

/** The part of lib/send's Sender that delivery uses (submit, when it has it: no promise of its own). */
export interface RequestSender {
  send(req: HttpCall): Promise<SendOutcome>;
  submit?(req: HttpCall, done: (outcome: SendOutcome) => void): void;
}

/**
 * stopsModel tells whether a failed request's code stops the model (the registry's `stops`):
 * the destination is down or asks to wait too long, or the coordinator can no longer grant the
 * shared rate limit.
 */
function stopsModel(code: EbbCode): boolean {
  return ERROR_CODES[code].stops === 'model';
}

/** An ack waiting for requests in flight: `waiting` of its dependencies have not ended. */
interface HeldAck {
  readonly seqs: SeqRuns;
  readonly deleted: boolean;
  readonly deps: readonly number[];
  readonly at: string | undefined;
  waiting: number;
}

export interface DeliveryOptions {
  readonly sender: RequestSender;
  readonly lane: SerialLane;
  readonly acks: AckStore;
  /** A failure that must stop the script (a breaker, a commit that failed). */
  readonly onFatal: (error: WireError) => void;
}

const NO_BODY = new Uint8Array(0);
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * kept is what a failed request leaves until the run ends, for the messages about it
 * (failure-advice.ts) and the acks that depend on it: its method, URL, position and timeout,
 * the outcome's status, attempts and error; not bodies or headers (thousands of failures each
 * kept its request's body and headers, the response's headers and a copy of its body in an
 * ArrayBuffer of its own, for the collector to trace until the run ended).
 */
function kept(req: HttpCall, outcome: SendOutcome): FailedRequest {
  const call: HttpCall = {
    method: req.method,
    url: req.url,
    headers: NO_HEADERS,
    timeoutMs: req.timeoutMs,
    at: req.at,
  };
  // Field by field, not a spread of the outcome (a class whose header lines a spread would keep),
  // and in one literal: no spread of a first object to add the error.
  const { ok, status, attempts, error } = outcome;
  const truncated = outcome.truncated === true ? true : undefined;
  const headers = NO_HEADERS;
  const body = NO_BODY;
  const kept: SendOutcome =
    error === undefined
      ? { ok, status, headers, body, attempts, truncated }
      : { ok, status, headers, body, attempts, truncated, error };
  return { req: call, outcome: kept };
}

export class Delivery {
  readonly #o: DeliveryOptions;
  /**
   * The ids of the requests in flight, without their promises, in an IdMap: a Map that churns
   * (a set and a delete per request) leaves its old tables behind, each pointing to the next and
   * to the entries it held, and once one is promoted the promises it names are kept by it until
   * a full GC, and the replies they resolve to (the seed loop's main thread promoted ~300 bytes
   * per request that way, copied twice by the scavenger on their way).
   */
  readonly #inflight = new IdMap<true>();
  /** Resolved when no request is in flight (drain's waits). */
  #emptied: Array<() => void> = [];
  /** The first exception of a `map` (a bug): drain throws it. */
  #mapError: { readonly error: unknown } | undefined;
  readonly #failed = new Map<number, FailedRequest>();
  /** The acks held for each request in flight: decided when the last of their requests ends. */
  readonly #held = new Map<number, HeldAck[]>();
  /** The decided acks, committed in batches on the database lane. */
  readonly #batches: AckBatches;
  /** Where the script made its latest save (file:line:col). */
  #at: string | undefined;
  /** Requests sent so far: until the first one, acks wait QUIET_FLUSH_MS. */
  #sent = 0;
  #stopped: WireError | undefined;
  /** Rows whose requests failed (not acknowledged, recorded as failures). */
  failedRows = 0;
  /** Rows an outcome function said the API rejected (not acknowledged, recorded, not re-sent until they change). */
  rejectedRows = 0;
  /** The first rejected row's message, for the run's summary. */
  firstRejection: string | undefined;
  /** Rows whose requests were not sent because the run was stopped. */
  stoppedRows = 0;
  /** The first request whose failure left rows unacknowledged, for the model's error message. */
  firstFailure: FailedRequest | undefined;
  /** Requests that ended (after their retries), for progress lines. */
  requestsDone = 0;
  /** Requests that ended without a 2xx (not counting those the stop of the run kept from being sent). */
  failedRequests = 0;

  constructor(options: DeliveryOptions) {
    this.#o = options;
    this.#batches = new AckBatches(options.lane, options.acks, (error) => {
      this.#stopped ??= error;
      this.#o.onFatal(error);
    });
  }

  /** The first error that stopped the model, if any. */
  get stopped(): WireError | undefined {
    return this.#stopped;
  }

  /** Rows acknowledged after their requests succeeded whose commit is not over yet, for progress lines. */
  get uncommittedRows(): number {
    return this.#batches.uncommittedRows;
  }

  /**
   * send starts a request; its outcome is kept for the acks that depend on it. The promise
   * resolves to `map(outcome)` (the outcome itself without `map`).
   */
  send(id: number, req: HttpCall): Promise<SendOutcome>;
  send<R>(id: number, req: HttpCall, map: (outcome: SendOutcome) => R): Promise<R>;
  send<R>(id: number, req: HttpCall, map?: (outcome: SendOutcome) => R): Promise<R | SendOutcome> {
    return new Promise<R | SendOutcome>((ok, fail) =>
      this.submit<R | SendOutcome>(id, req, map ?? ((o) => o), { ok, fail }),
    );
  }

  /**
   * submit is send() for the channel: `answer` gets `map(outcome)` (or what map threw) when the
   * request ends, without a promise of its own (channel-server.ts Answer).
   */
  submit<R>(id: number, req: HttpCall, map: (outcome: SendOutcome) => R, answer: Answer<R>): void {
    this.#sent++;
    // A save that came with its request (protocol.ts HttpCall.ack): where it was made is the
    // script's position now, in the order of its messages; it is decided with the outcome.
    const ack = req.ack;
    if (ack?.at !== undefined) this.#at = ack.at;
    const where = this.#at;
    // Registered before the request starts: an outcome known at once (a breaker open) ends it in submit.
    this.#inflight.set(id, true);
    const ended = (outcome: SendOutcome): void => {
      let value: R;
      try {
        value = this.#ended(id, req, ack, where, outcome, map);
      } catch (err) {
        this.#mapError ??= { error: err };
        this.#maybeDrained();
        answer.fail(err);
        return;
      }
      this.#maybeDrained();
      answer.ok(value);
    };
    // While the acks of UNDURABLE_REQUESTS requests are not durable, a new request waits for their commit.
    if (this.#batches.undurable >= UNDURABLE_REQUESTS)
      void this.#batches.durable().then(() => this.#start(req, ended));
    else this.#start(req, ended);
  }

  #start(req: HttpCall, ended: (outcome: SendOutcome) => void): void {
    const sender = this.#o.sender;
    if (sender.submit !== undefined) sender.submit(req, ended);
    else void sender.send(req).then(ended);
  }

  /** #ended takes a request's outcome: kept if it failed, the acks held for it decided. */
  #ended<R>(
    id: number,
    req: HttpCall,
    ack: HttpCall['ack'],
    where: string | undefined,
    outcome: SendOutcome,
    map: (outcome: SendOutcome) => R,
  ): R {
    this.#inflight.delete(id);
    this.requestsDone++;
    let failed: FailedRequest | null = null;
    if (!outcome.ok) {
      failed = kept(req, outcome);
      this.#failed.set(id, failed);
      const code = outcome.error?.code;
      // A request not sent because the run was interrupted is not a failure of delivery.
      if (code !== CODE.EBB_SEND_STOPPED) this.failedRequests++;
      if (code !== undefined && stopsModel(code) && this.#stopped === undefined) {
        this.#stopped = { code, message: outcome.error!.message };
        this.#o.onFatal(this.#stopped);
      }
    }
    this.#release(id);
    // The save riding with the request depends on it alone: its outcome is known here.
    if (ack !== undefined) this.#resolve(new SeqRuns(ack.runs), ack.deleted, [id], where, failed);
    return map(outcome);
  }

  /** failure returns the failed outcome of request `id`, if it failed. */
  failure(id: number): FailedRequest | undefined {
    return this.#failed.get(id);
  }

  /**
   * ack holds an acknowledgement until the requests it depends on are over. `at` is where the
   * script saved, when it changed since the previous ack (acks arrive in the script's order).
   */
  ack(seqs: SeqRuns, deleted: boolean, deps: readonly number[], at?: string): void {
    if (at !== undefined) this.#at = at;
    const where = this.#at;
    // Held as a count of the requests it waits for, not a promise of them: one per row in a seed loop.
    let held: HeldAck | undefined;
    for (const d of deps) {
      if (!this.#inflight.has(d)) continue;
      held ??= { seqs, deleted, deps, at: where, waiting: 0 };
      held.waiting++;
      const acks = this.#held.get(d);
      if (acks === undefined) this.#held.set(d, [held]);
      else acks.push(held);
    }
    if (held === undefined) this.#resolve(seqs, deleted, deps, where);
  }

  /** #release decides the acks held for request `id` whose requests have all ended now. */
  #release(id: number): void {
    const acks = this.#held.get(id);
    if (acks === undefined) return;
    this.#held.delete(id);
    for (const a of acks) if (--a.waiting === 0) this.#resolve(a.seqs, a.deleted, a.deps, a.at);
  }

  /**
   * decided takes a save whose outcome function has run on the worker: it saw every request's
   * final response, so its accepted rows are acknowledged whatever their statuses, and the rows
   * it refused are recorded with their kind and the API's message.
   */
  decided({ runs, deleted, deps, refused, at }: ModelOps['outcome']['req']): void {
    if (at !== undefined) this.#at = at;
    for (const r of refused) {
      if (r.kind === 'rejected') {
        this.rejectedRows++;
        this.firstRejection ??= r.message;
      } else this.failedRows++;
      this.#batches.failed({
        seqs: SeqRuns.of([r.seq]),
        deleted,
        kind: r.kind,
        method: r.method,
        url: r.url,
        status: r.status,
        attempts: r.attempts,
        error: r.message,
      });
    }
    const seqs = new SeqRuns(runs);
    if (seqs.size > 0) this.#batches.acked(seqs, deleted, deps.length, this.#at);
    this.#batches.schedule(this.#sent === 0);
  }

  /**
   * #resolve decides an ack whose requests have all ended: `known` is the failure of its only
   * request (null: it succeeded) when the caller knows it, else the failures are looked up.
   */
  #resolve(
    seqs: SeqRuns,
    deleted: boolean,
    deps: readonly number[],
    at: string | undefined,
    known?: FailedRequest | null,
  ): void {
    // A dependency that is neither in flight nor failed ended in 2xx (outcomes arrive in order
    // of the messages: a request is registered before any ack that names it). Every save comes
    // here (a seed loop's 100,000): no array, and no lookup when the outcome is known or none
    // failed (with 10 % of rows failing, a lookup per save was ~1 µs of the main thread).
    let bad: FailedRequest | undefined;
    if (known !== undefined) bad = known ?? undefined;
    else if (this.#failed.size > 0)
      for (const d of deps) {
        bad = this.#failed.get(d);
        if (bad !== undefined) break;
      }
    if (bad) {
      if (bad.outcome.error?.code === CODE.EBB_SEND_STOPPED) {
        this.stoppedRows += seqs.size;
        return;
      }
      this.failedRows += seqs.size;
      this.firstFailure ??= bad;
      this.#batches.failed({
        seqs,
        deleted,
        kind: 'failed',
        method: bad.req.method,
        url: bad.req.url,
        status: bad.outcome.status,
        attempts: bad.outcome.attempts,
        error:
          bad.outcome.error?.message ??
          (bad.outcome.status === null ? 'no response' : `status ${bad.outcome.status}`),
      });
      this.#batches.schedule(this.#sent === 0);
      return;
    }
    this.#batches.acked(seqs, deleted, deps.length, at);
    this.#batches.schedule(this.#sent === 0);
  }

  /**
   * flush commits the acks gathered so far, on the database lane (AckBatches.flush); with
   * `rows`, only that many acknowledged rows (the first ones) and nothing else.
   */
  flush(rows?: number): void {
    this.#batches.flush(rows);
  }

  /**
   * lastRequestSent commits the rows acknowledged so far and records the failed rows known now
   * (AckBatches.lastRequestSent): the script sent its last request, and what is left in flight
   * are its last requests.
   */
  lastRequestSent(): void {
    this.#batches.lastRequestSent();
  }

  /** inFlight is the number of requests without an outcome. */
  get inFlight(): number {
    return this.#inflight.size;
  }

  /** drain waits for every request and held ack, then commits what is left. */
  async drain(): Promise<void> {
    // A held ack is decided when its last request ends: none is left once none is in flight.
    while (this.#inflight.size > 0) await new Promise<void>((resolve) => this.#emptied.push(resolve));
    if (this.#mapError !== undefined) throw this.#mapError.error;
    await this.#batches.drain();
  }

  #maybeDrained(): void {
    if (this.#inflight.size > 0) return;
    const waiters = this.#emptied;
    this.#emptied = [];
    for (const w of waiters) w();
  }

  /** close cancels the timer (after drain, or when the run is abandoned). */
  close(): void {
    this.#batches.close();
  }
}
