// appendText: a nullable text column's value for a DuckDB appender (the state's staging tables:
// the request log's entries, the keys clearResolved looks at).

import type { DuckDBAppender } from './duckdb-api.js';

/** appendText appends a text column's value, NULL for null. */
export function appendText(a: DuckDBAppender, value: string | null): void {
  if (value === null) a.appendNull();
  else a.appendVarchar(value);
}
