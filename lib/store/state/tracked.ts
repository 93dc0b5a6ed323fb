// A tracked model's delivery state: its table (the query's columns plus the tracking columns
// below, one row per delivered key) and its row in `_ebb.tracked` (the hash version its stored
// hashes carry and the @unique_key they are keyed by). The tracking columns' DDL is here, once:
// lib/detect builds the delta statements around it, the star language makes an empty table of
// a tracked model's shape with it.

import { quotedTable, quoteIdent } from '../quote.js';
import type { Store } from '../store.js';

/** The type of a row's hash (canonical.ts in lib/detect computes it). */
export const HASH_TYPE = 'UBIGINT';

/**
 * The columns ebb adds to a tracked model's table, with their types; never part of the hash or
 * of a row. `compression`: the one DuckDB uses for the column (USING COMPRESSION) instead of
 * trying each: a run's rows share one run id, which DuckDB writes with a dictionary anyway,
 * after trying every string compression on it at each commit (~10 % of a row group's commit).
 * Columns with one come last (createTableSql adds them after the others).
 */
export const TRACKING_COLUMNS: ReadonlyArray<{
  readonly name: string;
  readonly type: string;
  readonly compression?: string;
}> = [
  { name: '_ebb_hash', type: HASH_TYPE },
  { name: '_ebb_saved_at', type: 'TIMESTAMPTZ' },
  { name: '_ebb_run_id', type: 'VARCHAR', compression: 'dictionary' },
];

/** trackingColumnDdl is a tracking column as in CREATE TABLE or ADD COLUMN: `_ebb_run_id VARCHAR USING COMPRESSION …`. */
export function trackingColumnDdl(c: (typeof TRACKING_COLUMNS)[number]): string {
  return `${c.name} ${c.type}${c.compression === undefined ? '' : ` USING COMPRESSION '${c.compression}'`}`;
}

/** trackingColumnsDdl is the tracking columns as in CREATE TABLE: `_ebb_hash UBIGINT, …`. */
export function trackingColumnsDdl(): string {
  return TRACKING_COLUMNS.map(trackingColumnDdl).join(', ');
}

/** A tracked model's table, as far as its state goes. */
export interface TrackedTarget {
  /** The model's name (the key of `_ebb.tracked`). */
  readonly name: string;
  readonly schema: string;
  readonly table: string;
}

export interface TrackedState {
  readonly tableExists: boolean;
  /** The hash version of the stored hashes (undefined: none recorded). */
  readonly hashVersion: number | undefined;
  /** The @unique_key the stored rows are keyed by (trackedKeyText), undefined: none recorded. */
  readonly uniqueKey: string | undefined;
  /** DuckDB's release (part of the hash version). */
  readonly duckdb: string;
}

/** readTrackedState reads, in one statement, whether the table exists, what `_ebb.tracked` holds and DuckDB's release. */
export async function readTrackedState(store: Store, target: TrackedTarget): Promise<TrackedState> {
  const row = (
    await store.query(
      `SELECT (SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = ? AND table_name = ? AND NOT temporary)::INT AS tables,
              (SELECT hash_version FROM _ebb.tracked WHERE model = ?) AS stored_version,
              (SELECT unique_key FROM _ebb.tracked WHERE model = ?) AS stored_key, version() AS duckdb`,
      [target.schema, target.table, target.name, target.name],
    )
  )[0]!;
  const version = row['stored_version'];
  const key = row['stored_key'];
  return {
    tableExists: Number(row['tables']) > 0,
    hashVersion: version === null || version === undefined ? undefined : Number(version),
    uniqueKey: key === null || key === undefined ? undefined : String(key),
    duckdb: String(row['duckdb']),
  };
}

/** trackedKeyText is how a @unique_key is stored in `_ebb.tracked` (names are case-insensitive). */
export function trackedKeyText(keys: readonly string[]): string {
  return JSON.stringify(keys.map((k) => k.toLowerCase()));
}

/** markTracked records the hash version and key of a tracked model's stored rows (inside the caller's transaction). */
export async function markTracked(
  store: Store,
  model: string,
  hashVersion: number,
  keys: readonly string[],
): Promise<void> {
  await store.exec(
    `INSERT OR REPLACE INTO _ebb.tracked (model, hash_version, updated_at, unique_key) VALUES (?, ?, now(), ?)`,
    [model, hashVersion, trackedKeyText(keys)],
  );
}

/** createEmptyTracked makes an empty table of a tracked query's shape (`columns`: name and DuckDB type text). */
export async function createEmptyTracked(
  store: Store,
  target: TrackedTarget,
  columns: ReadonlyArray<{ readonly name: string; readonly type: string }>,
): Promise<void> {
  await store.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(target.schema)}`);
  const defs = columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ');
  await store.exec(`CREATE TABLE ${quotedTable(target)} (${defs}, ${trackingColumnsDdl()})`);
}
