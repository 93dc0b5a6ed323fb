// Leftovers are tables and views in the state that no model builds any more (a model file was
// deleted or renamed). ebb never drops them by itself — they may hold delivered state — but
// `ebb run` lists them with the command that drops each one.

import { quoteIdent, type Model } from '../project/index.js';
import type { Store } from '../store/index.js';

export interface Leftover {
  readonly name: string;
  readonly type: 'table' | 'view';
  /** The command that drops it. */
  readonly drop: string;
}

/** Schemas that are DuckDB's or ebb's own, never a model's. */
const SYSTEM_SCHEMAS = ['_ebb', 'information_schema', 'pg_catalog'];

export async function findLeftovers(store: Store, models: readonly Model[]): Promise<Leftover[]> {
  const known = new Set(models.map((m) => `${m.schema}.${m.table}`.toLowerCase()));
  const rows = await store.query(
    `SELECT table_schema, table_name, table_type FROM information_schema.tables
      WHERE table_catalog = current_database() AND table_schema NOT IN (${SYSTEM_SCHEMAS.map(() => '?').join(', ')})
        AND NOT starts_with(table_name, '_ebb')
      ORDER BY table_schema, table_name`,
    SYSTEM_SCHEMAS,
  );
  return rows
    .map((r) => ({
      schema: String(r['table_schema']),
      table: String(r['table_name']),
      view: r['table_type'] === 'VIEW',
    }))
    .filter((r) => !known.has(`${r.schema}.${r.table}`.toLowerCase()))
    .map((r) => {
      const name = r.schema === 'main' ? r.table : `${r.schema}.${r.table}`;
      const what = r.view ? 'VIEW' : 'TABLE';
      return {
        name,
        type: r.view ? 'view' : 'table',
        drop: `ebb sql "DROP ${what} ${plain(r.schema)}.${plain(r.table)}"`,
      };
    });
}

/** plain writes a name bare when it can be (the usual case), else quoted for DuckDB and the shell. */
function plain(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : quoteIdent(name).replaceAll('"', '\\"');
}
