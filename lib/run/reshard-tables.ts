// The model tables of `ebb reshard`: a tracked model's table is split by key between the new
// shard files (each row into the one its key's shard names); every other table (SQL models,
// scripts that are not tracked) is copied whole from the first old file that has it — shard 0,
// where the scripts that run in shard 0 only keep theirs — into each new file, and views are
// made again from their SQL. The next run rebuilds tables and views anyway; copying them keeps
// a run of a single model (ebb run --shard … sync.x) working right after a reshard.

import { ShardError } from '../errors.js';
import { quoteIdent } from '../project/index.js';
import type { Store } from '../store/index.js';

/** A tracked model of the sources, with the key its rows are split by. */
export interface TrackedSplit {
  readonly model: string;
  readonly schema: string;
  readonly table: string;
  readonly keys: readonly string[];
}

/** A table of an attached state (outside ebb's own schema). */
export interface TableRef {
  readonly schema: string;
  readonly table: string;
}

/** tablesOf lists the base tables of the attached state `catalog`, ebb's own schema aside. */
export async function tablesOf(ws: Store, catalog: string): Promise<TableRef[]> {
  const rows = await ws.query(
    `SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name <> '_ebb' AND NOT temporary ORDER BY ALL`,
    [catalog],
  );
  return rows.map((r) => ({ schema: String(r['schema_name']), table: String(r['table_name']) }));
}

/** tableColumns gives a tracked model's columns (lower-cased name → type), from the first source that has its table. */
export async function tableColumns(
  ws: Store,
  src: readonly string[],
  t: TableRef,
): Promise<Map<string, string>> {
  for (const s of src) {
    const rows = await ws.query(
      `SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? AND table_name = ?`,
      [s, t.schema, t.table],
    );
    if (rows.length > 0)
      return new Map(rows.map((r) => [String(r['column_name']).toLowerCase(), String(r['data_type'])]));
  }
  return new Map();
}

const qualified = (catalog: string, t: TableRef) =>
  `${quoteIdent(catalog)}.${quoteIdent(t.schema)}.${quoteIdent(t.table)}`;

/**
 * copyTables fills the target `dst`: each tracked table with the rows for which `where(keys)`
 * holds (an SQL condition on the key columns), from every source — the new table has every
 * column any source's has (shards may have met a new column at different runs) — and each
 * other table whole from the first source that has it.
 */
export async function copyTables(
  ws: Store,
  src: readonly string[],
  dst: string,
  tracked: readonly TrackedSplit[],
  where: (keys: readonly string[]) => string,
): Promise<void> {
  const holders = new Map<string, { ref: TableRef; in: string[] }>();
  for (const s of src) {
    for (const ref of await tablesOf(ws, s)) {
      const id = `${ref.schema}.${ref.table}`;
      const h = holders.get(id) ?? { ref, in: [] };
      h.in.push(s);
      holders.set(id, h);
    }
  }
  for (const { ref, in: from } of holders.values()) {
    await ws.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(dst)}.${quoteIdent(ref.schema)}`);
    const split = tracked.find((t) => t.schema === ref.schema && t.table === ref.table);
    if (split === undefined) {
      await ws.exec(`CREATE TABLE ${qualified(dst, ref)} AS SELECT * FROM ${qualified(from[0]!, ref)}`);
      continue;
    }
    if (split.keys.length === 0)
      throw new ShardError(
        `cannot tell the @unique_key of ${split.model}: run it once with this ebb, then reshard`,
      );
    const shape = from.map((s) => `(SELECT * FROM ${qualified(s, ref)} LIMIT 0)`).join(' UNION ALL BY NAME ');
    await ws.exec(`CREATE TABLE ${qualified(dst, ref)} AS ${shape}`);
    for (const s of from) {
      await ws.exec(
        `INSERT INTO ${qualified(dst, ref)} BY NAME SELECT * FROM ${qualified(s, ref)} WHERE ${where(split.keys)}`,
      );
    }
  }
}

/**
 * copyViews makes the first source's views again in `dst`, from their SQL (outside any
 * transaction: a view that no longer binds is left for the next run to rebuild, and named).
 */
export async function copyViews(ws: Store, src: string, dst: string): Promise<string[]> {
  const views = await ws.query(
    `SELECT schema_name, view_name, sql FROM duckdb_views() WHERE database_name = ? AND NOT internal AND schema_name <> '_ebb'`,
    [src],
  );
  const skipped: string[] = [];
  for (const v of views) {
    try {
      await ws.exec(`USE ${quoteIdent(dst)}`);
      await ws.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(String(v['schema_name']))}`);
      await ws.exec(String(v['sql']));
    } catch {
      skipped.push(`${String(v['schema_name'])}.${String(v['view_name'])}`);
    } finally {
      await ws.exec('USE memory');
    }
  }
  return skipped;
}
