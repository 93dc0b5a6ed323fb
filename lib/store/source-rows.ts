// sourceRows is how many rows a query's sources hold, from the catalog alone: the query is
// parsed (json_serialize_sql), not bound or run, so no remote file's metadata is fetched. It is
// the sum of the estimated sizes of the tables the query names; undefined when that says
// nothing about its size: a table function (read_parquet, range…), a file read by name, a view,
// or SQL DuckDB does not parse on its own. The tracked delta's thread count is chosen by it
// (runtime/tracked-outlet.ts).

import { serializedSql, tablesOf } from './sql-tables.js';
import type { Store } from './store.js';

export async function sourceRows(store: Store, sql: string): Promise<number | undefined> {
  let statement: unknown;
  try {
    const tree = await serializedSql(store, sql);
    if (tree.error || tree.statements?.length !== 1) return undefined;
    statement = tree.statements[0];
  } catch {
    return undefined;
  }
  if (readsTableFunction(statement)) return undefined;
  const refs = tablesOf(statement);
  if (refs.length === 0) return 0;
  const sizes = await store.query(
    `SELECT database_name, schema_name, table_name, estimated_size, current_database() AS current FROM duckdb_tables() WHERE NOT temporary`,
  );
  let rows = 0;
  for (const ref of refs) {
    const catalog = (ref.catalog ?? String(sizes[0]?.['current'])).toLowerCase();
    const schema = (ref.schema ?? 'main').toLowerCase();
    const table = ref.table.toLowerCase();
    const found = sizes.find(
      (t) =>
        String(t['database_name']).toLowerCase() === catalog &&
        String(t['schema_name']).toLowerCase() === schema &&
        String(t['table_name']).toLowerCase() === table,
    );
    if (found === undefined) return undefined;
    rows += Number(found['estimated_size']);
  }
  return rows;
}

/** readsTableFunction tells whether a parsed statement reads from a table function anywhere. */
function readsTableFunction(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(readsTableFunction);
  if (node === null || typeof node !== 'object') return false;
  const obj = node as Record<string, unknown>;
  if (obj['type'] === 'TABLE_FUNCTION') return true;
  return Object.values(obj).some((v) => v !== null && typeof v === 'object' && readsTableFunction(v));
}
