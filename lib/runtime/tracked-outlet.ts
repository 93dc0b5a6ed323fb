// TrackedOutlet is the Outlet of a tracked script: it serves the script's tracked query (the
// delta, computed early when the query is literal, read page by page ahead of the script) and
// commits its acknowledgements to the tracked session once the requests they depend on
// succeeded, recording the rows whose requests failed in the failure log.
//
// Acknowledgements run on a lane of their own, on the session's second connection
// (TrackedSession.ackStore): a page the script waits for is never queued behind a commit of a
// row group (100–300 ms each on 1M rows). Failure records run on a third (FailureLog), beside
// both.

import { SeqRuns } from '../detect/seq-runs.js';
import { queryBody } from '../detect/sql-body.js';
import { keyString, TrackedSession, type DeltaCounts } from '../detect/tracked.js';
import { RUN_CODES } from '../errors.js';
import type { Model } from '../project/index.js';
import { sourceRows, type Store } from '../store/index.js';
import { fromJson, toRowsPage } from './delta-pages.js';
import { Delivery, type AckStore } from './delivery.js';
import { deltaKey, skipsScript, startEarlyDelta, type EarlyDelta } from './early-delta.js';
import { advice, describeFailure, failureCode } from './failure-advice.js';
import { FailureLog } from './failures.js';
import { refused, type Outlet, type OutletHandlers, type OutletParts } from './outlet.js';
import { Prefetcher } from './prefetcher.js';
import { SerialLane } from './serial-lane.js';
import type { ProgressSnapshot } from './progress.js';
import type { QueryParam } from './protocol.js';
import type { Redactor } from './secrets.js';
import type { StarRunResult } from './star-result.js';
import type { TrackedCounts } from './tracked-counts.js';

/** DuckDB's row group: a source of at most this many rows is scanned by one task. */
export const ONE_THREAD_ROWS = 122_880;

export class TrackedOutlet implements Outlet {
  readonly delivery: Delivery;
  readonly handlers: OutletHandlers;
  readonly #store: Store;
  readonly #model: Model;
  readonly #redactor: Redactor;
  readonly #session: TrackedSession;
  readonly #failures: FailureLog;
  readonly #early: EarlyDelta | undefined;
  /** The acknowledgements' lane: their commits, one at a time, beside the database lane's reads. */
  readonly #ackLane = new SerialLane();
  /**
   * DuckDB's thread count before this outlet narrowed it to one, owed back at close (the store
   * gives it back when the next model starts, Store.oweThreads): the project's (ebb.yaml
   * `duckdb: threads`, set when the state opened), which a RESET would lose for the models
   * after this one. Undefined: not narrowed.
   */
  #threadsBefore: number | undefined;
  /** Whether the narrowing after the first page is queued (#narrowAfterFirstPage). */
  #narrowQueued = false;

  constructor(parts: OutletParts) {
    const { store, model, runId, redactor, lane } = parts;
    this.#store = store;
    this.#model = model;
    this.#redactor = redactor;
    const session = new TrackedSession(store, model, runId, { shard: parts.shard });
    this.#session = session;
    this.#failures = new FailureLog(store, model, runId, redactor, session);
    const acks: AckStore = {
      ack: (rows) => session.ack(rows),
      ackDeleted: (rows) => session.ackDeleted(rows),
      record: (failed) => this.#failures.record(failed),
    };
    this.delivery = new Delivery({ sender: parts.sender, lane: this.#ackLane, acks, onFatal: parts.onFatal });
    // The delta of a literal tracked query is computed (on the database lane) while the worker
    // starts; the script's query() takes it when its SQL and parameters are the same.
    this.#early = startEarlyDelta((sql, params) => this.#delta(sql, params), model, lane);
    const pager = new Prefetcher(
      lane,
      async (after, limit, want) =>
        fromJson(await session.jsonPage(after, limit, want.values, want.rows)) ??
        toRowsPage(await session.page(after, limit)),
    );
    this.handlers = {
      'tracked.open': async ({ sql, params }) => {
        const early = this.#early;
        const ready = early && early.key === deltaKey(sql, params) ? await early.counts : undefined;
        const counts = ready ?? (await this.#delta(sql, params));
        return { columns: session.columns.map((c) => c.name), counts };
      },
      'tracked.page': ({ after, limit, values, rows }) => {
        const page = pager.page(after, limit, { values, rows });
        if (after > 0) this.#narrowAfterFirstPage(lane);
        return page;
      },
      // The script reads these of a page: the next page, read ahead, is read again with them.
      'tracked.values': ({ after, limit }) => {
        pager.hint({ values: true, rows: false });
        return session.jsonValues(after, limit);
      },
      'tracked.rows': ({ after, limit }) => {
        pager.hint({ values: false, rows: true });
        return session.jsonRowTexts(after, limit);
      },
      'deleted.page': async ({ after, limit }) =>
        fromJson(await session.deletedJsonPage(after, limit)) ??
        toRowsPage(await session.deletedPage(after, limit)),
      'tracked.seqForKey': async ({ key, deleted }) => {
        const k = key.map((v) => (typeof v === 'bigint' ? v.toString() : v));
        const found = await session.seqsForKeys([k], deleted);
        return found.get(keyString(k.map((v) => String(v)))) ?? null;
      },
      ack: ({ runs, deleted, deps, at }) => {
        this.delivery.ack(new SeqRuns(runs), deleted, deps, at);
        return null;
      },
      outcome: (decided) => {
        this.delivery.decided(decided);
        return null;
      },
      'sink.rows': refused('sink.rows', 'tracked'),
    };
  }

  skipsScript(): Promise<boolean> {
    return skipsScript(this.#model, this.#early);
  }

  progress(): Pick<ProgressSnapshot, 'done' | 'total' | 'failed'> {
    const s = this.#session;
    const d = this.delivery;
    const c = s.counts;
    return {
      done: s.saved + s.deletedAcked + d.uncommittedRows + d.failedRows + d.rejectedRows,
      total: c ? c.new + c.changed + c.deleted : null,
      failed: d.failedRows,
    };
  }

  partial(): StarRunResult {
    return { rows: this.#session.saved, details: this.#counts() };
  }

  /** settled clears the failures this run resolved (rows delivered, keys gone). */
  async settled(): Promise<void> {
    await this.#failures.clearResolved();
  }

  /**
   * complete is the model's result: rows that failed or were rejected are not the model failing
   * (it ran; they are recorded, and the run exits 3) but a warning naming how many of each.
   */
  async complete(): Promise<StarRunResult> {
    const result = this.partial();
    const d = this.delivery;
    if (d.failedRows + d.rejectedRows === 0) return { ...result, ...this.#nothingAcknowledged() };
    const parts: string[] = [];
    if (d.failedRows > 0) {
      const first = d.firstFailure;
      const example = first ? `; the first: ${describeFailure(first)}; ${advice(first)}` : '';
      parts.push(
        `${rowCount(d.failedRows)} failed to deliver (not acknowledged; sent again next run)${example}`,
      );
    }
    if (d.rejectedRows > 0)
      parts.push(
        `${rowCount(d.rejectedRows)} rejected by the API (not sent again until ${d.rejectedRows === 1 ? 'it changes' : 'they change'}, or ebb retry ${this.#model.name}); the first: ${d.firstRejection ?? ''}`,
      );
    const message = this.#redactor.redact(
      `${this.#model.file}: ${parts.join('; ')}; see ebb status ${this.#model.name}`,
    );
    // The code of the first failure says what kind it was (network, status, timeout…).
    const code =
      d.failedRows > 0 && d.firstFailure ? failureCode(d.firstFailure) : RUN_CODES.rowsNotDelivered;
    return { ...result, warning: { code, message } };
  }

  async close(): Promise<void> {
    // A commit still running (a run abandoned midway) ends before its connection closes.
    await this.#ackLane.idle();
    await this.#failures.close();
    await this.#session.close();
    if (this.#threadsBefore !== undefined) this.#store.oweThreads(this.#threadsBefore);
  }

  #counts(): TrackedCounts {
    const s = this.#session;
    const c = s.counts ?? { new: 0, changed: 0, deleted: 0 };
    const failed = this.delivery.failedRows;
    const rejected = this.delivery.rejectedRows;
    const unsaved = Math.max(0, c.new + c.changed + c.deleted - s.saved - s.deletedAcked - failed - rejected);
    return { new: c.new, changed: c.changed, deleted: c.deleted, saved: s.saved, failed, rejected, unsaved };
  }

  /**
   * #delta computes the delta, on one DuckDB thread when the query's tables hold at most a row
   * group (ONE_THREAD_ROWS): a scan of that many rows is one task, and more threads only add
   * their coordination — a 100,000-row delta took 23 ms on one thread and 36 ms on two (2
   * cores, alone), 300,000 rows 70 ms against 58. A larger or unknown source (sourceRows) keeps
   * DuckDB's threads for its delta; either way they are narrowed after it
   * (#narrowAfterFirstPage).
   */
  async #delta(sql: string, params: readonly QueryParam[]): Promise<DeltaCounts> {
    const rows = await sourceRows(this.#store, queryBody(sql));
    if (rows !== undefined && rows <= ONE_THREAD_ROWS) await this.#oneThread();
    return this.#session.computeDelta(sql, params);
  }

  /**
   * Once the delta is known, DuckDB's statements are small — pages, batches of
   * acknowledgements — and DuckDB shares the machine with the script's worker: on one thread it
   * spends about a third less CPU on them (measured on 2 cores).
   */
  async #oneThread(): Promise<void> {
    if (this.#threadsBefore !== undefined) return;
    this.#threadsBefore = Number(await this.#store.scalar("SELECT current_setting('threads')"));
    await this.#store.exec('SET threads = 1');
  }

  /**
   * #narrowAfterFirstPage narrows DuckDB to one thread (#oneThread) on the database lane once the
   * script asks for its second page, behind the first one's reads (its values or row texts,
   * which the script asks for after the page): not on the way to them, where DuckDB's joining
   * of its threads (15–40 ms after a large delta) delayed the first request. A failure leaves
   * the threads as they were.
   */
  #narrowAfterFirstPage(lane: SerialLane): void {
    if (this.#narrowQueued) return;
    this.#narrowQueued = true;
    void lane.run(() => this.#oneThread()).catch(() => undefined);
  }

  /**
   * #nothingAcknowledged is the warning for a tracked script that had rows to send and called
   * no save.row or save.delete: nothing is recorded as delivered, so the next run sends it all
   * again.
   */
  #nothingAcknowledged(): Pick<StarRunResult, 'warning'> {
    const s = this.#session;
    const c = s.counts;
    const total = c ? c.new + c.changed + c.deleted : 0;
    if (total === 0 || s.saved > 0 || s.deletedAcked > 0) return {};
    const rows = total === 1 ? 'the 1 row' : `all ${total} rows`;
    return {
      warning: {
        code: RUN_CODES.nothingAcknowledged,
        message:
          `${this.#model.file}: nothing was acknowledged: the script called no save.row or save.delete, so ${rows} will be sent again next run; ` +
          'call save.row(row) once a row is delivered (and save.delete(row) for a handled deletion)',
      },
    };
  }
}

function rowCount(n: number): string {
  return `${n} row${n === 1 ? '' : 's'}`;
}
