// AckBatches is the commit side of Delivery (delivery.ts): the acknowledgements Delivery decided
// (rows delivered, rows deleted, and failed acks to record in _ebb.failures) are batched into
// database-lane transactions: when they depend on FLUSH_REQUESTS requests, when ROW_GROUP rows
// wait (committed in exact row groups), FLUSH_MS after the first one waits (counted anew once a
// row group took the oldest), or when the script has sent its last request (lastRequestSent);
// the timer lives here, on the main thread, so it fires while the script is blocked waiting for
// a response.
// Failed acks are recorded once FLUSH_FAILED_ROWS of their rows wait, when the script has sent
// its last request (lastRequestSent) and at the end of the run, not with every commit: each record
// is several statements (~20 ms of DuckDB's time), and a failed row is never acknowledged, so a
// crash before its record only leaves it to be sent again, as it would be.
//
// An ack is durable only once its batch is committed: `undurable` counts the requests whose acks
// are not (waiting or being committed), and durable() commits them until fewer than
// UNDURABLE_REQUESTS are, for Delivery's crash window. Before a model's first request, acks wait
// for a row group or QUIET_FLUSH_MS: losing them re-sends nothing.

import { CODE } from '../error-codes.js';
import { SeqRuns } from '../detect/seq-runs.js';
import type { SerialLane, WireError } from './channel.js';
import type { FailedAck } from './failures.js';
import {
  FLUSH_FAILED_ROWS,
  FLUSH_MS,
  FLUSH_REQUESTS,
  QUIET_FLUSH_MS,
  ROW_GROUP,
  UNDURABLE_REQUESTS,
} from './protocol.js';

/**
 * AckStore is where decided acknowledgements are committed: a tracked model's session (rows
 * delivered; ack and ackDeleted run on the acknowledgements' lane) and failure log (rows whose
 * requests failed; record keeps its calls in order itself, beside the acknowledgements).
 */
export interface AckStore {
  ack(rows: SeqRuns): Promise<unknown>;
  ackDeleted(rows: SeqRuns): Promise<unknown>;
  record(failed: readonly FailedAck[]): Promise<void>;
}

export class AckBatches {
  readonly #lane: SerialLane;
  readonly #acks: AckStore;
  /** Called with the error of a commit that failed (it must stop the script). */
  readonly #onFatal: (error: WireError) => void;
  readonly #work = new Set<Promise<void>>();
  #rows = new SeqRuns();
  #deletes = new SeqRuns();
  #failedAcks: FailedAck[] = [];
  /** The rows of the failed acks waiting. */
  #failedRows = 0;
  /** Requests the waiting acks depend on, and those of the acks being committed (the crash window, in requests). */
  #requests = 0;
  #committing = 0;
  /** Where the script made its first save in the batch (file:line:col). */
  #batchAt: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** Set by drain: the failed acks still waiting are recorded with the last commit. */
  #draining = false;
  #timerQuiet = false;
  /** Rows acknowledged after their requests succeeded whose commit is not over yet, for progress lines. */
  uncommittedRows = 0;

  constructor(lane: SerialLane, acks: AckStore, onFatal: (error: WireError) => void) {
    this.#lane = lane;
    this.#acks = acks;
    this.#onFatal = onFatal;
  }

  /** undurable is the number of requests whose acks wait for a commit or are being committed. */
  get undurable(): number {
    return this.#requests + this.#committing;
  }

  /** acked adds decided rows (deleted ones with `deleted`) that depend on `requests` requests, saved at `at`. */
  acked(seqs: SeqRuns, deleted: boolean, requests: number, at: string | undefined): void {
    if (deleted) this.#deletes.append(seqs);
    else this.#rows.append(seqs);
    this.#requests += requests;
    this.uncommittedRows += seqs.size;
    this.#batchAt ??= at;
  }

  /** failed adds an ack whose rows are recorded as failures, not acknowledged. */
  failed(ack: FailedAck): void {
    this.#failedAcks.push(ack);
    this.#failedRows += ack.seqs.size;
  }

  /**
   * schedule commits what waits once a threshold is reached, or starts the timer; `quiet` is
   * true until the model's first request (acks then wait QUIET_FLUSH_MS).
   */
  schedule(quiet: boolean): void {
    // Whole row groups of acknowledged rows are written straight to the table's blocks.
    while (this.#rows.size >= ROW_GROUP) this.flush(ROW_GROUP);
    if (
      (!quiet && this.#requests >= FLUSH_REQUESTS) ||
      this.#deletes.size >= ROW_GROUP ||
      this.#failedRows >= FLUSH_FAILED_ROWS
    ) {
      this.flush();
      return;
    }
    // Failed acks alone start no timer: they wait for FLUSH_FAILED_ROWS rows or the end.
    if (this.#rows.size + this.#deletes.size === 0) return;
    if (this.#timer !== undefined && !quiet && this.#timerQuiet) this.flush();
    else if (this.#timer === undefined) {
      this.#startTimer(quiet);
    }
  }

  /**
   * flush commits the acks gathered so far, on the database lane, and the failed acks once
   * FLUSH_FAILED_ROWS of their rows wait or the run drains; with `rows`, only that many
   * acknowledged rows (the first ones) and nothing else.
   */
  flush(rows?: number): void {
    if (rows !== undefined && rows < this.#rows.size) {
      this.#commit(this.#rows.take(rows), new SeqRuns(), this.#batchAt);
      this.#restartTimer();
      return;
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const at = this.#batchAt;
    if (this.#draining || this.#failedRows >= FLUSH_FAILED_ROWS) this.#record(at);
    const acked = this.#rows;
    const deletes = this.#deletes;
    if (acked.size + deletes.size === 0) return;
    this.#rows = new SeqRuns();
    this.#deletes = new SeqRuns();
    const requests = this.#requests;
    this.#requests = 0;
    this.#batchAt = undefined;
    this.#commit(acked, deletes, at, requests);
  }

  /**
   * #restartTimer counts FLUSH_MS anew once a row group took the oldest rows waiting: the timer
   * ran for them, and firing on the rows left would commit part of a row group, after which
   * every later row group straddles two of the table's — each then written through DuckDB's log
   * and compressed again at the checkpoint (a 1M-row sync in batches of 500 had its timer fire
   * two seconds in: a 16 MB log and a ~140 ms checkpoint at close, ~25 ms aligned). Deletions
   * waiting keep it: theirs is the oldest wait.
   */
  #restartTimer(): void {
    if (this.#timer === undefined || this.#deletes.size > 0) return;
    clearTimeout(this.#timer);
    this.#startTimer(this.#timerQuiet);
  }

  /** #startTimer arms the flush by time: QUIET_FLUSH_MS before the model's first request, else FLUSH_MS. */
  #startTimer(quiet: boolean): void {
    this.#timerQuiet = quiet;
    this.#timer = setTimeout(() => this.flush(), quiet ? QUIET_FLUSH_MS : FLUSH_MS);
  }

  /** durable resolves once fewer than UNDURABLE_REQUESTS requests' acks wait for a commit (committing those waiting first). */
  async durable(): Promise<void> {
    while (this.#requests + this.#committing >= UNDURABLE_REQUESTS) {
      if (this.#work.size === 0) this.flush();
      if (this.#work.size === 0) return; // nothing to commit: the count is of acks already dropped
      await Promise.race([...this.#work]);
    }
  }

  #commit(rows: SeqRuns, deletes: SeqRuns, at: string | undefined, requests = 0): void {
    const acks = this.#acks;
    const committed = this.#lane.run(async () => {
      if (rows.size > 0) await acks.ack(rows);
      if (deletes.size > 0) await acks.ackDeleted(deletes);
    });
    this.#track(committed, 'storing acknowledgements', at, rows.size + deletes.size, requests);
  }

  /**
   * #record records the failed acks waiting, not on the acknowledgements' lane: the failure log
   * records beside their commits, so the run's last record (every failed row left, at the end)
   * does not wait for its last commit (outcome bench: 1,000 rejected rows recorded in ~45 ms
   * beside a ~100 ms commit).
   */
  #record(at: string | undefined): void {
    if (this.#failedAcks.length === 0) return;
    const failed = this.#failedAcks;
    this.#failedAcks = [];
    this.#failedRows = 0;
    this.#track(this.#acks.record(failed), 'recording failed rows', at, 0, 0);
  }

  /** #track keeps a commit's promise until it ends; a failure stops the script (onFatal). */
  #track(commit: Promise<void>, what: string, at: string | undefined, acked: number, requests: number): void {
    const work = commit.catch((err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      // Named at the first save of the batch (its saves are usually of one loop).
      const error: WireError = {
        code: CODE.EBB_STORE,
        message: `${what} failed: ${message}`,
        origin: 'save.row',
        ...(at === undefined ? {} : { position: at }),
      };
      this.#onFatal(error);
    });
    this.#committing += requests;
    this.#work.add(work);
    void work.finally(() => {
      this.uncommittedRows -= acked;
      this.#committing -= requests;
      this.#work.delete(work);
    });
  }

  /**
   * lastRequestSent commits the acks decided so far and records the failed acks waiting, whatever
   * their numbers: the script sent its last request, and what is left in flight are its last ones
   * (with failures, their retries' backoff), beside which the commit and the record run. The
   * commit after the last response then holds only the rows acknowledged since (a seed loop's
   * last commit held up to FLUSH_REQUESTS rows, ~30 ms of its end).
   */
  lastRequestSent(): void {
    this.#record(this.#batchAt);
    this.flush();
  }

  /** drain commits what is left, the failed acks waiting included, and waits for every commit. */
  async drain(): Promise<void> {
    this.#draining = true;
    this.flush();
    while (this.#work.size > 0) await Promise.all([...this.#work]);
  }

  /** close cancels the timer (after drain, or when the run is abandoned). */
  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
