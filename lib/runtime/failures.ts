// _ebb.failures: the rows of a tracked model whose requests failed (after retries). Each row
// keeps its key, change, the request (URL redacted), the answer (status, error cut and
// redacted), attempts and when it failed first and last. The next run sends these rows again:
// they were never acknowledged.
//
// An entry is resolved when the model's table agrees with its query for the key again: a later
// run delivered the key (stored its row, or removed a deleted one), or the key has nothing left
// to send (its row left the query before it was ever delivered, or went back to the delivered
// version). Keys are compared as values of the key columns' types, never as text: the entry
// holds the key as the script saw it (ISO-8601 times, base64 BLOBs, JSON numbers), whose text
// differs from DuckDB's for timestamps, doubles and BLOBs.

import { keyLiteralSql } from '../detect/key-literal.js';
import type { SeqRuns } from '../detect/seq-runs.js';
import type { TrackedSession } from '../detect/tracked.js';
import { expandedRuns, HELD_BACK } from '../detect/tracked-sql.js';
import { quoteIdent, quotedTable, type Model } from '../project/index.js';
import {
  clearFailure,
  clearFailures,
  dropKeyTexts,
  failureKeysAfter,
  recordFailures,
  sqlString,
  stageKeyTexts,
  type FailureEntry,
  type Store,
} from '../store/index.js';
import { DuckDBTypeId, type DuckDBType } from '../store/duckdb-api.js';
import type { Redactor } from './secrets.js';
import { SerialLane } from './serial-lane.js';
import { fromDuckDB } from './values.js';

/** Characters of an error (a response body, a network error) kept in _ebb.failures. */
export const MAX_ERROR_CHARS = 1000;

export interface FailedAck {
  readonly seqs: SeqRuns;
  readonly deleted: boolean;
  /** failed: transient, sent again next run; rejected: the API refused the record, kept until it changes or `ebb retry`. */
  readonly kind: 'failed' | 'rejected';
  readonly method: string;
  readonly url: string;
  readonly status: number | null;
  readonly error: string;
  readonly attempts: number;
}

/**
 * keyJsonWriter writes rows' keys as stored in _ebb.failures (a JSON object of the key columns),
 * for rows of `columns`: the key columns are found once, and a key of plain values (text,
 * numbers: nearly every key) is written without building an object and stringifying it with a
 * replacer (5,000 failed rows' keys cost ~70 ms that way).
 */
export function keyJsonWriter(
  model: Model,
  columns: readonly string[],
): (values: readonly unknown[]) => string {
  const keys = model.uniqueKey;
  if (keys.length === 0) return () => '{}';
  const at = keys.map((k) => columns.findIndex((c) => c.toLowerCase() === k.toLowerCase()));
  const heads = keys.map((k, i) => `${i === 0 ? '{' : ','}${JSON.stringify(k)}:`);
  return (values) => {
    let out = '';
    for (let i = 0; i < at.length; i++) out += heads[i]! + keyValueJson(at[i]! < 0 ? null : values[at[i]!]);
    return `${out}}`;
  };
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A bigint past a double's exact integers is kept as its digits, in a string. */
function keyReplacer(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? (v <= MAX_SAFE && v >= -MAX_SAFE ? Number(v) : v.toString()) : v;
}

/** keyValueJson is one key value's JSON: as fromDuckDB makes it, bigints per keyReplacer. */
function keyValueJson(v: unknown): string {
  switch (typeof v) {
    case 'string':
    case 'number':
    case 'boolean':
      return JSON.stringify(v);
    case 'bigint':
      return v <= MAX_SAFE && v >= -MAX_SAFE ? String(v) : `"${v}"`;
  }
  return JSON.stringify(fromDuckDB(v as never), keyReplacer) ?? 'null';
}

export class FailureLog {
  readonly #store: Store;
  readonly #model: Model;
  readonly #runId: string;
  readonly #redactor: Redactor;
  readonly #session: TrackedSession;
  /** Records run one at a time, in order, beside the acknowledgements' commits. */
  readonly #lane = new SerialLane();
  /** The records' connection, opened by the first record (see #connection). */
  #recordStore: Promise<Store> | undefined;

  constructor(store: Store, model: Model, runId: string, redactor: Redactor, session: TrackedSession) {
    this.#store = store;
    this.#model = model;
    this.#runId = runId;
    this.#redactor = redactor;
    this.#session = session;
  }

  /**
   * record stores failed acknowledgements, after the records asked for before. It runs on a
   * connection of its own, beside the acknowledgements' commits and the session's page reads:
   * the rows it records are never acknowledged, so neither order of a record and a commit can
   * leave an undelivered row marked delivered.
   */
  record(failed: readonly FailedAck[]): Promise<void> {
    for (const f of failed) this.#session.noteFailed(f.seqs, f.deleted);
    return this.#lane.run(async () => this.#record(await this.#connection(), failed));
  }

  /** close waits for the records asked for and closes their connection. */
  async close(): Promise<void> {
    await this.#lane.idle();
    const opened = this.#recordStore;
    this.#recordStore = undefined;
    if (opened === undefined) return;
    const store = await opened.catch(() => undefined);
    if (store !== undefined && store !== this.#store) store.close();
  }

  /**
   * #connection is a sibling connection of the state's store; a session that writes nothing
   * else (read-only: its working tables are TEMP tables of the store's own connection) records
   * on the store itself.
   */
  #connection(): Promise<Store> {
    this.#recordStore ??=
      this.#session.ackStore === this.#store ? Promise.resolve(this.#store) : this.#store.sibling();
    return this.#recordStore;
  }

  async #record(store: Store, failed: readonly FailedAck[]): Promise<void> {
    const delta = await this.#failedRows(store, failed, false);
    const gone = await this.#failedRows(store, failed, true);
    const entries = new Map<string, FailureEntry>();
    const add = (f: FailedAck, key: string, change: string, hash: string | null) =>
      entries.set(key, {
        model: this.#model.name,
        key,
        change,
        method: f.method,
        url: this.#redactor.redact(f.url),
        status: f.status,
        error: this.#redactor.redact(f.error).slice(0, MAX_ERROR_CHARS),
        attempts: f.attempts,
        runId: this.#runId,
        kind: f.kind,
        rowHash: f.kind === 'rejected' ? hash : null,
      });
    for (const f of failed) {
      const rows = f.deleted ? gone : delta;
      for (const [first, last] of f.seqs.sorted()) {
        for (let seq = first; seq <= last; seq++) {
          const r = rows.get(seq);
          // A rejected deletion keeps the hash of the row it would have removed, so the delta
          // holds it back ('rejected deleted') until the row comes back or `ebb retry` clears it.
          if (r) add(f, r.key, r.change, r.hash);
        }
      }
    }
    await recordFailures(store, [...entries.values()]);
  }

  /**
   * #failedRows reads the key, change and hash of the failed delta rows (or deleted rows) in
   * one statement: a hash join with their sequence numbers (a failed batch is one run; rejected
   * rows are scattered, one a batch), so neither pages (whose block the prefetcher moves on)
   * nor a term per row, nor a join on ranges (DuckDB tests each delta row against every range:
   * 0.9 s for 1,874 rejected rows of 200,000, against 10 ms).
   */
  async #failedRows(
    store: Store,
    failed: readonly FailedAck[],
    deleted: boolean,
  ): Promise<Map<number, { key: string; change: string; hash: string }>> {
    const runs: Array<[number, number]> = [];
    for (const f of failed) if (f.deleted === deleted) runs.push(...f.seqs.sorted());
    const out = new Map<number, { key: string; change: string; hash: string }>();
    if (runs.length === 0) return out;
    const keys = this.#model.uniqueKey;
    const change = deleted ? `'deleted'` : 'd._ebb_change';
    const r = await store.rows(
      `SELECT d._ebb_seq, ${change}, d._ebb_hash::VARCHAR, ${keys.map((k) => `d.${quoteIdent(k)}`).join(', ')}
         FROM ${deleted ? this.#session.work.gone : this.#session.work.delta} AS d
         SEMI JOIN (${expandedRuns(runs)}) AS w ON d._ebb_seq = w.s`,
    );
    const keyOf = keyJsonWriter(this.#model, keys);
    for (const row of r.rows)
      out.set(Number(row[0] as bigint), {
        key: keyOf(row.slice(3)),
        change: String(row[1]),
        hash: String(row[2]),
      });
    return out;
  }

  /**
   * clearResolved removes the entries this run resolved (see the file's comment), once the
   * run's delta is known: an entry stays while its key is in the delta and was not delivered
   * by this run. Entries are read a chunk at a time. Returns how many were cleared.
   */
  async clearResolved(): Promise<number> {
    // The run's records are over (the delivery drained); this only keeps that true here.
    await this.#lane.idle();
    const m = this.#model;
    const counts = this.#session.counts;
    if (counts === undefined) return 0; // the run never found its delta: it resolved nothing
    const columns = this.#session.columns;
    const types = m.uniqueKey.map((k) => columns.find((c) => c.name.toLowerCase() === k.toLowerCase())!.type);
    const pending = await this.#pendingSql(counts.deleted > 0);
    // `source` is the entries' keys as a FROM item named v, with columns _key, _k0, _k1…
    const resolvedIn = (source: string) =>
      clearFailures(this.#store, m.name, `SELECT v._key FROM ${source} WHERE NOT (${pending})`);
    // An entry this run wrote is pending (its row failed or was rejected now, and is in the
    // delta) unless its row was also acknowledged in this run: without such a row, only the
    // entries of earlier runs are looked at (a first run with 2,000 rejected rows: ~17 ms less).
    const exceptRun = this.#session.failedAcked ? undefined : this.#runId;
    let cleared = 0;
    let after = '';
    for (;;) {
      const entries = await failureKeysAfter(this.#store, m.name, after, CLEAR_CHUNK, exceptRun);
      if (entries.length === 0) return cleared;
      after = entries[entries.length - 1]!;
      const keys = entries.map((text) => JSON.parse(text) as Record<string, unknown>);
      const literals = (i: number) =>
        `(${sqlString(entries[i]!)}, ${m.uniqueKey.map((k, j) => keyLiteralSql(keys[i]![k], types[j]!)).join(', ')})`;
      const names = m.uniqueKey.map((_k, i) => `_k${i}`).join(', ');
      const inValues = (rows: readonly string[]) =>
        resolvedIn(`(VALUES ${rows.join(', ')}) AS v(_key, ${names})`);
      try {
        const texts = plainTexts(entries, keys, m.uniqueKey, types);
        cleared +=
          texts === undefined
            ? await inValues(entries.map((_e, i) => literals(i)))
            : await this.#clearStaged(texts, types, resolvedIn);
      } catch (err) {
        if (!isConversionError(err)) throw err;
        // A key that is no value of its column's type any more (the key's type changed since
        // it failed, after a --full-refresh) fails its cast: no row of the query can have it,
        // so its entry is resolved.
        for (let i = 0; i < entries.length; i++) {
          cleared += await inValues([literals(i)]).catch(async (e: unknown) => {
            if (!isConversionError(e)) throw e;
            await clearFailure(this.#store, m.name, entries[i]!);
            return 1;
          });
        }
      }
      if (entries.length < CLEAR_CHUNK) return cleared;
    }
  }

  /**
   * #pendingSql is the condition of an entry still pending, on `v` (its key as `v._k0`…): a new
   * or changed row of this run's delta not stored by this run, a row held back as rejected
   * (unchanged since the API refused it), or a deleted key still in the table.
   */
  async #pendingSql(deletions: boolean): Promise<string> {
    const m = this.#model;
    const work = this.#session.work;
    const hasTable = (await this.#store.objectType(m.schema, m.table)) === 'table';
    const on = (alias: string) =>
      m.uniqueKey.map((k, i) => `${alias}.${quoteIdent(k)} = v._k${i}`).join(' AND ');
    const table = quotedTable(m);
    const undelivered = hasTable
      ? ` AND NOT EXISTS (SELECT 1 FROM ${table} AS t WHERE t._ebb_run_id = ${sqlString(this.#runId)} AND ${on('t')})`
      : '';
    const pending = [
      `EXISTS (SELECT 1 FROM ${work.delta} AS d WHERE ${on('d')}${undelivered})`,
      `EXISTS (SELECT 1 FROM ${work.dk} AS h WHERE h.${HELD_BACK} AND ${on('h')})`,
    ];
    if (deletions && hasTable) {
      pending.push(
        `EXISTS (SELECT 1 FROM ${work.dk} AS dk WHERE dk._ebb_change = 'deleted' AND ${on('dk')} AND EXISTS (SELECT 1 FROM ${table} AS t WHERE ${on('t')}))`,
      );
    }
    return pending.join(' OR ');
  }

  /** #clearStaged clears the resolved entries among keys given as text, staged in a table and cast there. */
  async #clearStaged(
    texts: readonly (readonly (string | null)[])[],
    types: readonly DuckDBType[],
    resolvedIn: (source: string) => Promise<number>,
  ): Promise<number> {
    const stage = await stageKeyTexts(this.#store, types.length, texts);
    try {
      const cast = types.map((t, i) => `CAST(_t${i} AS ${t.toString()}) AS _k${i}`).join(', ');
      return await resolvedIn(`(SELECT _key, ${cast} FROM ${stage}) AS v`);
    } finally {
      await dropKeyTexts(this.#store);
    }
  }
}

/** Entries looked at per statement by clearResolved. */
const CLEAR_CHUNK = 5000;

/**
 * plainTexts is each entry's JSON text and key values as text, when every value is one that
 * keyLiteralSql writes as `CAST('text' AS type)` (a string or number, or NULL, of a column
 * neither BLOB nor INTERVAL): cast from a staged column it is the same value. Otherwise
 * undefined (such keys are written as literals).
 */
function plainTexts(
  entries: readonly string[],
  keys: readonly Record<string, unknown>[],
  keyColumns: readonly string[],
  types: readonly DuckDBType[],
): (string | null)[][] | undefined {
  if (types.some((t) => t.typeId === DuckDBTypeId.BLOB || t.typeId === DuckDBTypeId.INTERVAL))
    return undefined;
  const rows: (string | null)[][] = [];
  for (let i = 0; i < entries.length; i++) {
    const row: (string | null)[] = [entries[i]!];
    for (const k of keyColumns) {
      const v = keys[i]![k];
      if (v === null || v === undefined) row.push(null);
      else if (typeof v === 'string' || typeof v === 'number') row.push(String(v));
      else return undefined;
    }
    rows.push(row);
  }
  return rows;
}

function isConversionError(err: unknown): boolean {
  return err instanceof Error && /^Conversion Error/.test(err.message);
}
