// SQL quoting, in one place: identifiers, qualified table names, string literals and plain
// literals. ebb binds values as parameters wherever DuckDB allows it; these are for the few
// places it does not (DDL, names, IN lists built from keys).

/** quoteIdent quotes a DuckDB identifier: `my "col"` → `"my ""col"""`. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** quotedTable is a model's (or any) `schema.table`, both parts quoted. */
export function quotedTable(target: { readonly schema: string; readonly table: string }): string {
  return `${quoteIdent(target.schema)}.${quoteIdent(target.table)}`;
}

/** sqlString quotes a JS string as an SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** sqlLiteral writes a scalar JS value as an SQL literal (NULL, a number, a boolean, a string). */
export function sqlLiteral(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return sqlString(String(v));
}
