// referencedTables asks DuckDB's own parser which tables a SELECT reads, by walking the
// statement tree that json_serialize_sql produces.

import { sqlString } from './quote.js';
import type { Store } from './store.js';

export interface TableRef {
  /** The database, when the SQL names one (`src.main.t`: an attached source). */
  readonly catalog?: string;
  readonly schema: string | undefined;
  readonly table: string;
}

export class SqlParseError extends Error {
  /** 0-based character offset into the SQL, when DuckDB gives one. */
  readonly position: number | undefined;
  constructor(message: string, position: number | undefined) {
    super(message);
    this.name = 'SqlParseError';
    this.position = position;
  }
}

export interface Serialized {
  readonly error?: boolean;
  readonly error_message?: string;
  readonly error_subtype?: string;
  readonly position?: string | number;
  readonly statements?: readonly unknown[];
}

/** The parses a store has made, by SQL text (at most PARSES_KEPT, the oldest dropped first). */
const parses = new WeakMap<Store, Map<string, Promise<Serialized>>>();
const PARSES_KEPT = 64;

/**
 * serializedSql is DuckDB's parse of `sql` as JSON (json_serialize_sql): its statements, or its
 * error. A parse depends on the text alone, and a run asks for its query's several times on the
 * way to its first request (plan, order, source size): each store keeps the latest. Callers
 * only read the tree.
 */
export function serializedSql(store: Store, sql: string): Promise<Serialized> {
  let kept = parses.get(store);
  if (kept === undefined) parses.set(store, (kept = new Map()));
  let parse = kept.get(sql);
  if (parse === undefined) {
    parse = store
      .scalar(`SELECT json_serialize_sql(${sqlString(sql)})`)
      .then((text) => JSON.parse(String(text)) as Serialized);
    // A failed statement (a closed store) is not kept: the next call asks again.
    parse.catch(() => kept.delete(sql));
    if (kept.size >= PARSES_KEPT) kept.delete(kept.keys().next().value!);
    kept.set(sql, parse);
  }
  return parse;
}

/** referencedTables returns the tables `sql` (one SELECT) reads, without CTE names. */
export async function referencedTables(store: Store, sql: string): Promise<TableRef[]> {
  const tree = await serializedSql(store, sql);
  if (tree.error) {
    const pos = tree.position === undefined ? undefined : Number(tree.position);
    let msg = tree.error_message ?? 'cannot parse SQL';
    if (/Only SELECT statements/i.test(msg))
      msg = 'a model must be a single SELECT statement (ebb creates the table or view itself)';
    throw new SqlParseError(msg, Number.isFinite(pos) ? pos : undefined);
  }
  const statements = tree.statements ?? [];
  if (statements.length !== 1) {
    throw new SqlParseError(
      `a model must be exactly one SELECT statement, found ${statements.length}`,
      undefined,
    );
  }
  return tablesOf(statements[0]);
}

/** tablesOf lists the tables a parsed statement (json_serialize_sql's) reads, without CTE names. */
export function tablesOf(statement: unknown): TableRef[] {
  const ctes = new Set<string>();
  const refs: TableRef[] = [];
  collect(statement, ctes, refs);
  const seen = new Set<string>();
  const out: TableRef[] = [];
  for (const r of refs) {
    if (r.schema === undefined && ctes.has(r.table.toLowerCase())) continue;
    const key = `${r.catalog ?? ''}.${r.schema ?? ''}.${r.table}`.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(r);
  }
  return out;
}

function collect(node: unknown, ctes: Set<string>, refs: TableRef[]): void {
  if (Array.isArray(node)) {
    for (const n of node) collect(n, ctes, refs);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  if (obj['type'] === 'BASE_TABLE' && typeof obj['table_name'] === 'string') {
    const schema =
      typeof obj['schema_name'] === 'string' && obj['schema_name'] !== '' ? obj['schema_name'] : undefined;
    const catalog = obj['catalog_name'];
    refs.push(
      typeof catalog === 'string' && catalog !== ''
        ? { catalog, schema, table: obj['table_name'] }
        : { schema, table: obj['table_name'] },
    );
  }
  const cteMap = obj['cte_map'] as { map?: Array<{ key?: unknown }> } | undefined;
  if (cteMap && Array.isArray(cteMap.map)) {
    for (const entry of cteMap.map) if (typeof entry.key === 'string') ctes.add(entry.key.toLowerCase());
  }
  for (const value of Object.values(obj)) {
    if (value !== null && typeof value === 'object') collect(value, ctes, refs);
  }
}

/** lineOf turns a 0-based character offset into a 1-based line number of `text`. */
export function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
