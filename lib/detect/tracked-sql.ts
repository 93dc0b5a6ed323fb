// The statements of a tracked model's run, as pure functions of its shape (the target table,
// key, the query's columns and the table's own columns): unit-tested without DuckDB, run by
// TrackedSession (tracked.ts). A run's working tables (WorkTables) are in an in-memory
// database attached for them (WORK_DB), not TEMP tables: acknowledgements commit on a second
// connection (tracked.ts), and a TEMP table is seen by its own connection only. A plan's are
// TEMP tables: it may run inside a transaction that wrote the state, and a transaction writes
// to one database (TEMP aside).
//   _ebb_dk    keys that are new, changed or deleted, with their change
//   _ebb_delta the new and changed rows, numbered by key (_ebb_seq), with hash and before
//   _ebb_gone  the stored version of deleted keys, numbered by key
// _ebb_delta and _ebb_gone are views (numberedViewSql) over tables written in sequence order
// (_ebb_delta_rows, _ebb_gone_rows): a row's sequence number is its position plus one.

import { quoteIdent } from '../project/index.js';
import {
  HASH_TYPE,
  rejectedHashesSql,
  sqlString,
  TRACKING_COLUMNS,
  trackingColumnDdl,
} from '../store/index.js';
import { columnTermSql, rowHashSql, type Column } from './canonical.js';
import { keyLiteralSql } from './key-literal.js';
import { SeqRuns } from './seq-runs.js';

/** The in-memory database of the working tables, shared by the store's connections and gone with the process. */
export const WORK_DB = '_ebb_work';

/** A run's working tables, qualified. */
export interface WorkTables {
  /** How a working table is made: CREATE OR REPLACE TABLE (shared) or … TEMP TABLE. */
  readonly create: string;
  /** How a working view is made: CREATE OR REPLACE VIEW (shared) or … TEMP VIEW. */
  readonly createView: string;
  readonly dk: string;
  /** The delta, numbered: a view over deltaRows (numberedViewSql). */
  readonly delta: string;
  /** The delta's rows as written, in sequence order. */
  readonly deltaRows: string;
  /** The deleted keys, numbered: a view over goneRows. */
  readonly gone: string;
  readonly goneRows: string;
}

/** workTables names the working tables: in WORK_DB when `shared` (seen by every connection), else TEMP tables. */
export function workTables(shared: boolean): WorkTables {
  const at = shared ? `${WORK_DB}.main` : 'temp.main';
  const temp = shared ? '' : 'TEMP ';
  return {
    create: `CREATE OR REPLACE ${temp}TABLE`,
    createView: `CREATE OR REPLACE ${temp}VIEW`,
    dk: `${at}._ebb_dk`,
    delta: `${at}._ebb_delta`,
    deltaRows: `${at}._ebb_delta_rows`,
    gone: `${at}._ebb_gone`,
    goneRows: `${at}._ebb_gone_rows`,
  };
}

/**
 * numberedViewSql makes the delta's (or the gone rows') view: each row with its position
 * (_ebb_pos, from DuckDB's rowid: the rows were written in sequence order, and a table written
 * by one statement numbers them densely from `base`) and its sequence number, the position plus
 * one. Numbering by position costs nothing; row_number() OVER () ran on one thread, a third of
 * a first delta of 1M rows. Ranges of sequence numbers are read through the position
 * (seqRange, seqFilter), which DuckDB's scan reads by range when it is the rowid itself; a filter
 * on _ebb_seq scans every row. `base` (firstRowIdSql) is 0 but for a table written inside a
 * transaction not yet committed (ebb plan's), whose rows DuckDB numbers from a large constant
 * until the commit: there the position is computed, and scanned for. `allNew`: the rows are a
 * first delta's, written without their change and before (ALL_NEW).
 */
export function numberedViewSql(
  work: WorkTables,
  which: 'delta' | 'gone',
  base = 0n,
  allNew = false,
): string {
  const rows = which === 'delta' ? work.deltaRows : work.goneRows;
  const pos = base === 0n ? 'rowid' : `(rowid - ${base})`;
  return `${work.createView} ${work[which]} AS SELECT ${pos} AS _ebb_pos, ${pos} + 1 AS _ebb_seq, *${allNew ? ALL_NEW : ''} FROM ${rows}`;
}

/**
 * The change and before of a first delta's rows (all new, none with a before), added by its
 * view: written into each of its rows they cost ~8 % of the delta's CPU. Typed as a table
 * stores them (a NULL column is an INTEGER one).
 */
const ALL_NEW = `, 'new' AS _ebb_change, NULL::INTEGER AS _ebb_before`;

/** firstRowIdSql gives the smallest rowid of a working table as text (NULL without rows): numberedViewSql's base. */
export function firstRowIdSql(work: WorkTables, which: 'delta' | 'gone'): string {
  return `SELECT min(rowid)::VARCHAR FROM ${which === 'delta' ? work.deltaRows : work.goneRows}`;
}

/** dropWorkSql drops the working tables and views, each statement on its own (a missing one is no error). */
export function dropWorkSql(work: WorkTables): string[] {
  return [
    `DROP VIEW IF EXISTS ${work.delta}`,
    `DROP VIEW IF EXISTS ${work.gone}`,
    ...[work.dk, work.deltaRows, work.goneRows].map((t) => `DROP TABLE IF EXISTS ${t}`),
  ];
}

/**
 * attachWorkSql attaches the working tables' database (once per DuckDB instance). READ_WRITE:
 * a read-only state (ebb plan on a state opened read-only) would open it read-only too.
 */
export const attachWorkSql = `ATTACH IF NOT EXISTS ':memory:' AS ${WORK_DB} (READ_WRITE)`;

export interface Shape {
  /** The model's table, quoted. */
  readonly target: string;
  readonly keys: readonly string[];
  /** The tracked query's columns. */
  readonly columns: readonly Column[];
  /** The table's own columns (what was delivered), undefined while there is no table. */
  readonly stored: readonly Column[] | undefined;
  /** The model's name among its failures: rows it holds as rejected with their current hash are not sent. */
  readonly model?: string;
  /** Where the run's working tables are. */
  readonly work: WorkTables;
}

export { rejectedHashesSql };

/** notRejected is the condition that a query row of hash `hash` is not held back as rejected (none without a model). */
function notRejected(shape: Shape, hash: string): string | undefined {
  return shape.model === undefined ? undefined : `${hash} NOT IN ${rejectedHashesSql(shape.model)}`;
}

const q = quoteIdent;

export function keyList(keys: readonly string[], alias?: string): string {
  return keys.map((k) => (alias ? `${alias}.` : '') + q(k)).join(', ');
}

export function keyJoin(keys: readonly string[], a: string, b: string): string {
  return keys.map((k) => `${a}.${q(k)} = ${b}.${q(k)}`).join(' AND ');
}

function columnList(columns: readonly Column[], alias?: string): string {
  return columns.map((c) => (alias ? `${alias}.` : '') + q(c.name)).join(', ');
}

/**
 * storedSource is what the delta compares with: the table, or — when its stored hashes are
 * of another hash version and the session may not write (ebb plan) — the table with hashes
 * computed from its content on the fly.
 */
export function storedSource(shape: Shape, rehash: boolean): string {
  if (!rehash) return shape.target;
  return `(SELECT * EXCLUDE (_ebb_hash), ${rowHashSql(shape.stored ?? [])} AS _ebb_hash FROM ${shape.target})`;
}

/** keysOf is the query's keys alone (DuckDB reads only the key columns of its source). */
export function keysOf(shape: Shape, body: string): string {
  return `(SELECT ${keyList(shape.keys, 'q')} FROM (${body}\n) AS q)`;
}

/** keyCheckSql counts rows with a NULL key part and rows whose key repeats, in one scan of `table` (a table or subquery). */
export function keyCheckSql(keys: readonly string[], table: string): string {
  const distinct = keys.length === 1 ? q(keys[0]!) : `(${keyList(keys)})`;
  const nulls = keys.map((k) => `${q(k)} IS NULL`).join(' OR ');
  // count(DISTINCT) skips a NULL single key: the NULL check runs first, so repeats are exact.
  return `SELECT count(*) FILTER (WHERE ${nulls})::DOUBLE AS nulls, (count(*) - count(DISTINCT ${distinct}))::DOUBLE AS repeats FROM ${table}`;
}

/**
 * keyOrderSql tests, in one scan of `table` (a table written in key order), that its keys are
 * all present and strictly increasing or strictly decreasing in the order the scan reads them:
 * then none repeats, which a count(DISTINCT) over every key (a hash of them all, 10-20× the CPU)
 * need not prove. Any other outcome proves nothing (keyCheckSql decides): a NULL part, a
 * repeat, or an order that is not the key's.
 */
export function keyOrderSql(keys: readonly string[], table: string): string {
  const key = keys.length === 1 ? q(keys[0]!) : `(${keyList(keys)})`;
  const nulls = keys.map((k) => `${q(k)} IS NULL`).join(' OR ');
  return `SELECT count(*) FILTER (WHERE _n)::DOUBLE AS nulls, count(*) FILTER (WHERE NOT (_p < _k))::DOUBLE AS up, count(*) FILTER (WHERE NOT (_p > _k))::DOUBLE AS down
     FROM (SELECT ${key} AS _k, lag(${key}) OVER () AS _p, ${nulls} AS _n FROM ${table})`;
}

export function nullKeySampleSql(keys: readonly string[], table: string): string {
  return `SELECT ${keyList(keys)} FROM ${table} WHERE ${keys.map((k) => `${q(k)} IS NULL`).join(' OR ')} LIMIT 1`;
}

/** repeatedKeySampleSql gives the most repeated key, how often it appears (_n) and how many keys repeat (_keys). */
export function repeatedKeySampleSql(keys: readonly string[], table: string): string {
  return `SELECT ${keyList(keys)}, count(*) AS _n, count(*) OVER () AS _keys FROM ${table} GROUP BY ALL HAVING count(*) > 1 ORDER BY _n DESC LIMIT 1`;
}

/**
 * diffSql finds new, changed and deleted keys with one full join of the query's keys and
 * hashes (computed on the fly, never stored) with the stored ones.
 */
export function diffSql(shape: Shape, body: string, stored: string): string {
  const first = q(shape.keys[0]!);
  const current = `(SELECT ${keyList(shape.keys, 'q')}, ${rowHashSql(shape.columns, 'q')} AS _ebb_hash FROM (${body}\n) AS q)`;
  const held = notRejected(shape, 'c._ebb_hash');
  const heldGone = notRejected(shape, 't._ebb_hash');
  return `${shape.work.create} ${shape.work.dk} AS
   SELECT ${shape.keys.map((k) => `coalesce(c.${q(k)}, t.${q(k)}) AS ${q(k)}`).join(', ')},
          CASE ${
            held === undefined
              ? ''
              : `WHEN c.${first} IS NOT NULL AND NOT (${held}) THEN CASE WHEN t.${first} IS NULL THEN 'rejected new' ELSE 'rejected' END
               WHEN c.${first} IS NULL AND NOT (${heldGone}) THEN 'rejected deleted'
               `
          }WHEN t.${first} IS NULL THEN 'new' WHEN c.${first} IS NULL THEN 'deleted' ELSE 'changed' END AS _ebb_change
     FROM ${current} AS c FULL OUTER JOIN ${stored} AS t ON ${keyJoin(shape.keys, 'c', 't')}
    WHERE t.${first} IS NULL OR c.${first} IS NULL OR t._ebb_hash <> c._ebb_hash`;
}

/**
 * HELD_BACK: the changes of dk rows held back as rejected (their hash is a rejected one): a
 * query row the API refused, or a deletion it refused (the stored row's hash).
 */
export const HELD_BACK = `_ebb_change IN ('rejected', 'rejected new', 'rejected deleted')`;

/**
 * countsSql counts new, changed and deleted keys (and new ones held back as rejected), and among the new ones those with a NULL
 * key part and those that repeat: a NULL key never matches a stored one, so it shows up here
 * as new (see sizesSql for repeats of stored keys).
 */
export function countsSql(keys: readonly string[], dk: string): string {
  const isNew = `_ebb_change = 'new'`;
  const distinct = keys.length === 1 ? q(keys[0]!) : `(${keyList(keys)})`;
  return `SELECT count(*) FILTER (WHERE ${isNew})::DOUBLE AS n, count(*) FILTER (WHERE _ebb_change = 'changed')::DOUBLE AS c,
          count(*) FILTER (WHERE _ebb_change = 'deleted')::DOUBLE AS d,
          count(*) FILTER (WHERE _ebb_change = 'rejected new')::DOUBLE AS rn,
          count(*) FILTER (WHERE ${isNew} AND (${keys.map((k) => `${q(k)} IS NULL`).join(' OR ')}))::DOUBLE AS nulls,
          (count(*) FILTER (WHERE ${isNew}) - count(DISTINCT ${distinct}) FILTER (WHERE ${isNew}))::DOUBLE AS repeats
     FROM ${dk}`;
}

/**
 * sizesSql counts the query's rows and the stored rows. Without repeated keys, the query's
 * rows that matched a stored key (all rows but the new ones) are the stored keys that were
 * not deleted: rows - new = stored - deleted. A stored key repeated by the query breaks it —
 * so repeats are found without a DISTINCT over every key.
 */
export function sizesSql(body: string, target: string): string {
  return `SELECT (SELECT count(*) FROM (${body}\n) AS q)::DOUBLE AS rows, (SELECT count(*) FROM ${target})::DOUBLE AS stored`;
}

/** The table's own columns (what was delivered), as a struct: a row's `.before`. */
function beforeSql(stored: readonly Column[], alias: string): string {
  if (stored.length === 0) return 'NULL';
  const fields = stored.map((c) => `${q(c.name)} := ${alias}.${q(c.name)}`).join(', ');
  return `CASE WHEN ${alias}._ebb_hash IS NULL THEN NULL ELSE struct_pack(${fields}) END`;
}

/**
 * deltaSql writes the new and changed rows in key order, with their hash, change and before
 * (numbered by their position, numberedViewSql). With no table yet every row is new and the
 * query is read once (the key checks then run on the result); otherwise its rows are joined
 * with the changed keys. The rows are sorted once, and the table keeps the order they come in
 * (DuckDB's order preservation). `sortedByKey`: the query's own result is in key order
 * (orderedBy), which a first delta keeps without sorting again.
 */
export function deltaSql(shape: Shape, body: string, stored: string, sortedByKey = false): string {
  const hash = rowHashSql(shape.columns, 'q');
  const numbered = (select: string, sorted: boolean) =>
    `${shape.work.create} ${shape.work.deltaRows} AS ${sorted ? select : `SELECT * FROM (${select}\n) AS q ORDER BY ${keyList(shape.keys, 'q')}`}`;
  if (shape.stored === undefined) {
    // The hash is computed once; rows held back as rejected are filtered on it one level up.
    // Every row is new and has no before: the view says so (numberedViewSql), not each row.
    const rows = `SELECT ${columnList(shape.columns, 'q')}, ${hash} AS _ebb_hash FROM (${body}\n) AS q`;
    const held = notRejected(shape, 'q._ebb_hash');
    return numbered(held === undefined ? rows : `SELECT q.* FROM (${rows}) AS q WHERE ${held}`, sortedByKey);
  }
  return numbered(
    `SELECT ${columnList(shape.columns, 'q')}, ${hash} AS _ebb_hash, dk._ebb_change, ${beforeSql(shape.stored, 't')} AS _ebb_before
     FROM (${body}\n) AS q JOIN ${shape.work.dk} AS dk ON ${keyJoin(shape.keys, 'q', 'dk')} AND dk._ebb_change IN ('new', 'changed')
     LEFT JOIN ${stored} AS t ON ${keyJoin(shape.keys, 'q', 't')}`,
    false,
  );
}

/**
 * heldBackSql records, while there is no table (no diff, so no dk table yet), the keys held back as
 * rejected, so that their failure entries stay (clearResolved); `any`: the model has such entries
 * (else the table gets its columns without reading the query).
 */
export function heldBackSql(shape: Shape, body: string, any: boolean): string {
  const hash = rowHashSql(shape.columns, 'q');
  const held = notRejected(shape, hash);
  const where = any && held !== undefined ? `NOT (${held})` : 'FALSE';
  return `${shape.work.create} ${shape.work.dk} AS SELECT ${keyList(shape.keys, 'q')}, 'rejected new' AS _ebb_change FROM (${body}\n) AS q WHERE ${where}${any ? '' : ' LIMIT 0'}`;
}

/** emptyDeltaSql gives the delta table its columns when no row is new or changed. */
export function emptyDeltaSql(shape: Shape, body: string): string {
  return `${shape.work.create} ${shape.work.deltaRows} AS SELECT ${columnList(shape.columns, 'q')}, NULL::${HASH_TYPE} AS _ebb_hash,
          '' AS _ebb_change, NULL AS _ebb_before FROM (${body}\n) AS q LIMIT 0`;
}

/** goneSql writes the stored version of the deleted keys in key order (numbered by numberedViewSql). */
export function goneSql(shape: Shape): string {
  return `${shape.work.create} ${shape.work.goneRows} AS
   SELECT t.* FROM ${shape.target} AS t SEMI JOIN (SELECT * FROM ${shape.work.dk} WHERE _ebb_change = 'deleted') AS dk ON ${keyJoin(shape.keys, 't', 'dk')}
    ORDER BY ${keyList(shape.keys, 't')}`;
}

/** seqBetween selects sequence numbers first…last through the rows' positions (numberedViewSql). */
function seqBetween(first: number, last: number): string {
  return first === last ? `_ebb_pos = ${first - 1}` : `_ebb_pos BETWEEN ${first - 1} AND ${last - 1}`;
}

/** seqRange selects the page after `after`: sequence numbers are dense, so a range is exact. */
export function seqRange(after: number, limit: number): string {
  const from = Math.floor(after) + 1;
  return `_ebb_pos BETWEEN ${from - 1} AND ${from + Math.floor(limit) - 2}`;
}

export function pageSql(delta: string, columns: readonly Column[], after: number, limit: number): string {
  return `SELECT _ebb_seq, _ebb_change, _ebb_before, ${columnList(columns)} FROM ${delta} WHERE ${seqRange(after, limit)} ORDER BY _ebb_seq`;
}

export function deletedPageSql(
  gone: string,
  stored: readonly Column[],
  after: number,
  limit: number,
): string {
  return `SELECT _ebb_seq, ${columnList(stored)} FROM ${gone} WHERE ${seqRange(after, limit)} ORDER BY _ebb_seq`;
}

/**
 * seqFilter selects sequence numbers as ranges (acks are mostly consecutive). A few ranges are
 * an OR of BETWEENs; many (a batch API refusing one row a request leaves a hole in each) would
 * make DuckDB test every delta row against each of them — 122,880 acknowledged rows in 1,242
 * runs took 0.8 s — so they are the whole span less (or within it, those of) a list expanded
 * in SQL, which DuckDB looks up by hash: 5–60 ms. Whichever of the rows and the holes between
 * them are fewer is listed.
 */
export function seqFilter(seqs: readonly number[] | SeqRuns): string {
  const runs = (seqs instanceof SeqRuns ? seqs : SeqRuns.of(seqs.map(Math.floor))).sorted();
  if (runs.length <= FEW_RANGES)
    return `(${runs.map(([first, last]) => seqBetween(first, last)).join(' OR ')})`;
  const lo = runs[0]![0];
  const hi = runs[runs.length - 1]![1];
  const holes: Array<[number, number]> = [];
  let rows = 0;
  for (let i = 0; i < runs.length; i++) {
    rows += runs[i]![1] - runs[i]![0] + 1;
    if (i > 0) holes.push([runs[i - 1]![1] + 1, runs[i]![0] - 1]);
  }
  const inHoles = hi - lo + 1 - rows < rows;
  return `(${seqBetween(lo, hi)} AND _ebb_seq ${inHoles ? 'NOT IN' : 'IN'} (${expandedRuns(inHoles ? holes : runs)}))`;
}

/** Ranges up to which seqFilter writes an OR of them. */
const FEW_RANGES = 8;

/**
 * expandedRuns is a query of one column, `s`, listing every number of the ranges [first, last]
 * (integers). The ranges are one string literal ("1-1,5-9") DuckDB splits: as two list literals
 * of numbers, 5,000 ranges of one cost DuckDB ~25 ms of CPU to parse and bind, the string ~8 ms.
 */
export function expandedRuns(runs: ReadonlyArray<readonly [number, number]>): string {
  const text = runs.map(([first, last]) => `${first}-${last}`).join(',');
  return `SELECT unnest(range(r[1], r[2] + 1)) AS s FROM (SELECT string_split(unnest(string_split('${text}', ',')), '-')::BIGINT[] AS r)`;
}

/**
 * createTableSql makes the model's table: the query's columns (typed as in the delta) and the
 * tracking columns; those with a compression of their own are added after (CREATE TABLE … AS
 * cannot name one): they come last in TRACKING_COLUMNS, so the columns keep its order.
 */
export function createTableSql(shape: Shape): string[] {
  const plain = TRACKING_COLUMNS.filter((c) => c.compression === undefined);
  const own = TRACKING_COLUMNS.filter((c) => c.compression !== undefined);
  const tracking = plain.map((c) => `, NULL::${c.type} AS ${c.name}`).join('');
  return [
    `CREATE TABLE ${shape.target} AS SELECT ${columnList(shape.columns)}${tracking} FROM ${shape.work.delta} LIMIT 0`,
    ...own.map((c) => `ALTER TABLE ${shape.target} ADD COLUMN ${trackingColumnDdl(c)}`),
  ];
}

/** ackStatements replace the stored version of the acknowledged keys: delete the changed ones, insert all. */
export function ackStatements(
  shape: Shape,
  seqs: readonly number[] | SeqRuns,
  runId: string,
): { changed: string; remove: string; insert: string } {
  const filter = seqFilter(seqs);
  const picked = `SELECT ${columnList(shape.columns)}, _ebb_hash FROM ${shape.work.delta} WHERE ${filter}`;
  return {
    changed: `SELECT count(*)::DOUBLE FROM ${shape.work.delta} WHERE ${filter} AND _ebb_change = 'changed'`,
    remove: `DELETE FROM ${shape.target} AS t USING (${picked} AND _ebb_change = 'changed') AS d WHERE ${keyJoin(shape.keys, 't', 'd')}`,
    insert: `INSERT INTO ${shape.target} BY NAME SELECT *, now() AS _ebb_saved_at, ${sqlString(runId)} AS _ebb_run_id FROM (${picked})`,
  };
}

export function ackDeletedSql(shape: Shape, seqs: readonly number[] | SeqRuns): string {
  return `DELETE FROM ${shape.target} AS t USING (SELECT * FROM ${shape.work.gone} WHERE ${seqFilter(seqs)}) AS g WHERE ${keyJoin(shape.keys, 't', 'g')}`;
}

/**
 * seqsForKeysSql finds the sequence numbers of keys given as a script saw them; each key
 * value becomes a literal of its column's type, and results come back by the key's index.
 */
export function seqsForKeysSql(
  table: string,
  keys: readonly string[],
  keyTypes: readonly Column['type'][],
  values: ReadonlyArray<readonly unknown[]>,
): string {
  const rows = values
    .map((v, i) => `(${i}, ${v.map((x, j) => keyLiteralSql(x, keyTypes[j]!)).join(', ')})`)
    .join(', ');
  const names = keys.map((_k, i) => `_k${i}`);
  const on = keys.map((k, i) => `d.${q(k)} = v._k${i}`).join(' AND ');
  return `SELECT v._i, d._ebb_seq::DOUBLE AS _seq FROM ${table} AS d JOIN (VALUES ${rows}) AS v(_i, ${names.join(', ')}) ON ${on}`;
}

/** Schema steps (run in a committed transaction before the delta of a run, never by plan). */
export function addColumnSql(target: string, c: Column): string {
  return `ALTER TABLE ${target} ADD COLUMN ${q(c.name)} ${c.type.toString()}`;
}

export function alterTypeSql(target: string, name: string, type: Column['type']): string {
  return `ALTER TABLE ${target} ALTER COLUMN ${q(name)} SET DATA TYPE ${type.toString()}`;
}

/** rehashSql recomputes stored hashes from stored content (an older hash version or DuckDB release). */
export function rehashSql(target: string, stored: readonly Column[]): string[] {
  // The type first (hashes of the first design were UHUGEINT), then the values: ALTER's
  // USING cannot bind the lambdas of nested values' canonical text.
  return [
    `ALTER TABLE ${target} ALTER COLUMN _ebb_hash SET DATA TYPE ${HASH_TYPE} USING (0)`,
    `UPDATE ${target} SET _ebb_hash = ${rowHashSql(stored)}`,
  ];
}

/**
 * lossySql counts stored rows whose column `name` would not keep its canonical form under
 * `to`: adopting a new type is safe only when it counts 0 (a failed cast is lossy too).
 */
export function lossySql(target: string, name: string, from: Column['type'], to: Column['type']): string {
  const e = q(name);
  return `SELECT count(*)::DOUBLE FROM ${target} WHERE ${columnTermSql(name, from, e)} <> ${columnTermSql(name, to, `TRY_CAST(${e} AS ${to.toString()})`)}`;
}
