// Acknowledgements of a tracked run: a delivered delta row's version becomes the stored one
// (its key's row replaced in the model's table), a handled deletion removes the key's row.
// Each batch commits in one transaction; a row acknowledged twice (in this or an earlier batch)
// is stored once, so the marks of what is stored are set only after the commit.

import { quoteIdent } from '../project/index.js';
import { markTracked, type Store } from '../store/index.js';
import { SeqRuns } from './seq-runs.js';
import { ackDeletedSql, ackStatements, type Shape } from './tracked-sql.js';
import { createTrackedTable } from './tracked-table.js';

/** What an acknowledgement writes to: the model's table and how its rows are recorded. */
export interface AckTarget {
  readonly store: Store;
  readonly model: {
    readonly name: string;
    readonly schema: string;
    readonly table: string;
    readonly uniqueKey: readonly string[];
  };
  readonly runId: string;
  /** The hash version recorded with a table made by the first acknowledgement. */
  readonly version: number;
}

export class Acks {
  readonly #t: AckTarget;
  /** Which delta (and deleted) rows are stored already, by sequence number. */
  readonly #acked: Uint8Array;
  readonly #deletedDone: Uint8Array;
  /** Whether the delta has changed rows (only those replace a stored row). */
  readonly #changed: boolean;
  #saved = 0;
  #deletedAcked = 0;
  /** Whether a batch of delta rows committed (the first one makes the table when there is none). */
  #committed = false;
  /**
   * Which delta (and deleted) rows this run recorded as failed or rejected, made at the first
   * such record; and whether one of them was also acknowledged in this run (before or after).
   */
  #failed: Uint8Array | undefined;
  #deletedFailed: Uint8Array | undefined;
  #failedAcked = false;

  constructor(target: AckTarget, counts: { new: number; changed: number; deleted: number }) {
    this.#t = target;
    this.#acked = new Uint8Array(counts.new + counts.changed + 1);
    this.#deletedDone = new Uint8Array(counts.deleted + 1);
    this.#changed = counts.changed > 0;
  }

  get saved(): number {
    return this.#saved;
  }
  get deletedAcked(): number {
    return this.#deletedAcked;
  }
  get committed(): boolean {
    return this.#committed;
  }
  /**
   * failedAcked says whether a row this run recorded as failed or rejected was acknowledged in
   * this run too (a script may save one row twice): only then can a failure entry written by
   * this run be resolved by it (failures.ts clearResolved).
   */
  get failedAcked(): boolean {
    return this.#failedAcked;
  }

  /** noteFailed marks the delta (or deleted) rows `runs` as recorded failed or rejected in this run. */
  noteFailed(runs: SeqRuns, deleted: boolean): void {
    const done = deleted ? this.#deletedDone : this.#acked;
    let failed = deleted ? this.#deletedFailed : this.#failed;
    if (failed === undefined) {
      failed = new Uint8Array(done.length);
      if (deleted) this.#deletedFailed = failed;
      else this.#failed = failed;
    }
    mark(runs, failed, 1);
    if (anyMarked(runs, done)) this.#failedAcked = true;
  }

  /**
   * ack records that the delta rows `seqs` were delivered: in one transaction, each key's
   * stored version becomes the one query() returned; the first one makes the table when
   * there is none (`shape.stored` undefined). Returns the number of rows recorded.
   */
  async ack(shape: Shape, seqs: readonly number[] | SeqRuns): Promise<number> {
    const fresh = unseen(seqs, this.#acked);
    if (fresh.size === 0) return 0;
    const { store, model, runId } = this.#t;
    const sql = ackStatements(shape, fresh, runId);
    const n = await store.transaction(async () => {
      if (shape.stored === undefined) {
        await store.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(model.schema)}`);
        await createTrackedTable(store, shape, model.schema, model.table);
        await markTracked(store, model.name, this.#t.version, model.uniqueKey);
      }
      // New keys have no stored version; only changed ones replace a row.
      if (this.#changed && Number(await store.scalar(sql.changed)) > 0) await store.exec(sql.remove);
      return Number(await store.scalar(sql.insert));
    });
    // Set after the commit: a rolled-back batch leaves no acknowledgement behind.
    this.#committed = true;
    mark(fresh, this.#acked, 1);
    if (this.#failed !== undefined && anyMarked(fresh, this.#failed)) this.#failedAcked = true;
    this.#saved += n;
    return n;
  }

  /** ackDeleted records that the deletion of the gone keys `seqs` was handled. */
  async ackDeleted(shape: Shape, seqs: readonly number[] | SeqRuns): Promise<number> {
    const fresh = unseen(seqs, this.#deletedDone);
    if (fresh.size === 0) return 0;
    const store = this.#t.store;
    const n = await store.transaction(async () => Number(await store.scalar(ackDeletedSql(shape, fresh))));
    mark(fresh, this.#deletedDone, 1);
    if (this.#deletedFailed !== undefined && anyMarked(fresh, this.#deletedFailed)) this.#failedAcked = true;
    this.#deletedAcked += n;
    return n;
  }
}

/**
 * unseen keeps the sequence numbers not yet marked in `done`, once each (in their order). It
 * walks the runs with plain loops: a row group's commit acknowledges 122,880 of them, and a
 * call per number cost ~0.25 s of the main thread on 1M rows.
 */
function unseen(seqs: readonly number[] | SeqRuns, done: Uint8Array): SeqRuns {
  const p = (seqs instanceof SeqRuns ? seqs : SeqRuns.of(seqs)).pairs;
  const out: number[] = [];
  for (let k = 0; k < p.length; k += 2) {
    const first = Math.floor(p[k]!);
    const end = first + p[k + 1]!;
    for (let i = Math.max(first, 1); i < end && i < done.length; i++) {
      if (done[i] !== 0) continue;
      done[i] = 2; // taken in this batch; cleared below, set for good once the batch commits
      const n = out.length;
      if (n > 0 && out[n - 2]! + out[n - 1]! === i) out[n - 1]!++;
      else out.push(i, 1);
    }
  }
  const fresh = new SeqRuns(out);
  mark(fresh, done, 0);
  return fresh;
}

/** mark sets `done` to `value` for every sequence number of `runs` (each run is consecutive). */
function mark(runs: SeqRuns, done: Uint8Array, value: number): void {
  const p = runs.pairs;
  for (let k = 0; k < p.length; k += 2) done.fill(value, p[k]!, p[k]! + p[k + 1]!);
}

/** anyMarked says whether `marks` is set for a sequence number of `runs`. */
function anyMarked(runs: SeqRuns, marks: Uint8Array): boolean {
  const p = runs.pairs;
  for (let k = 0; k < p.length; k += 2) {
    const end = Math.min(p[k]! + p[k + 1]!, marks.length);
    for (let i = p[k]!; i < end; i++) if (marks[i] !== 0) return true;
  }
  return false;
}
