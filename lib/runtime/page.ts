// Encoding pages of DuckDB rows for a model's worker (main thread side; see rows-page.ts).

import { DuckDBTypeId, type DuckDBType, type DuckDBValue } from '../store/duckdb-api.js';
import type { RowsPage, WireColumn } from './rows-page.js';
import { toWire } from './values.js';
import type { Wire } from './wire.js';

const INT64 = new Set<DuckDBTypeId>([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
]);
const FLOAT = new Set<DuckDBTypeId>([DuckDBTypeId.FLOAT, DuckDBTypeId.DOUBLE]);

/** encodeColumn converts one column of DuckDB values (rows[i][index]) for the wire. */
function encodeColumn(
  rows: readonly (readonly DuckDBValue[])[],
  index: number,
  type: DuckDBType,
): WireColumn {
  const n = rows.length;
  if (INT64.has(type.typeId) || FLOAT.has(type.typeId)) {
    const isInt = INT64.has(type.typeId);
    const values = isInt ? new BigInt64Array(n) : new Float64Array(n);
    let nulls: Uint8Array | undefined;
    for (let i = 0; i < n; i++) {
      const v = rows[i]![index]!;
      if (v === null) {
        (nulls ??= new Uint8Array(n))[i] = 1;
      } else if (isInt) {
        (values as BigInt64Array)[i] = typeof v === 'bigint' ? v : BigInt(v as number);
      } else {
        (values as Float64Array)[i] = v as number;
      }
    }
    return isInt
      ? { kind: 'int', values: values as BigInt64Array, nulls }
      : { kind: 'float', values: values as Float64Array, nulls };
  }
  const values: Wire[] = new Array(n);
  for (let i = 0; i < n; i++) values[i] = toWire(rows[i]![index]!, type);
  return { kind: 'any', values };
}

/** encodePage builds a page from DuckDB rows (values first at `offset` in each row). */
export function encodePage(
  columns: readonly string[],
  types: readonly DuckDBType[],
  rows: readonly (readonly DuckDBValue[])[],
  first: number,
  offset = 0,
): RowsPage {
  const data = types.map((t, c) => encodeColumn(rows, c + offset, t));
  return { columns, first, count: rows.length, data };
}
