// A page of rows on its way from the main thread to a model's worker, in columns: integer
// and float columns travel as typed arrays (copied in one piece by structured clone), other
// columns as arrays of wire values. Rows of a page have consecutive sequence numbers.

import { DuckDBTypeId, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { None, makeFloat, toStarlark, type Value } from '../starlark/index.js';
import { toWire } from './values.js';
import { fromWire, type Wire } from './wire.js';

export type WireColumn =
  | { readonly kind: 'int'; readonly values: BigInt64Array; readonly nulls: Uint8Array | undefined }
  | { readonly kind: 'float'; readonly values: Float64Array; readonly nulls: Uint8Array | undefined }
  | { readonly kind: 'any'; readonly values: Wire[] };

export const CHANGES = ['new', 'changed', 'deleted'] as const;
export type Change = (typeof CHANGES)[number];

export interface RowsPage {
  readonly columns: readonly string[];
  /** Sequence number of the first row. */
  readonly first: number;
  readonly count: number;
  readonly data: readonly WireColumn[];
  /** Index into CHANGES per row, for rows of a tracked query or of deleted(). */
  readonly change?: Uint8Array;
  /** The last saved version per row (null for none), for rows of a tracked query. */
  readonly before?: Wire[];
}

export const EMPTY_PAGE: RowsPage = { columns: [], first: 1, count: 0, data: [] };

const INT64 = new Set<DuckDBTypeId>([
  DuckDBTypeId.TINYINT, DuckDBTypeId.SMALLINT, DuckDBTypeId.INTEGER, DuckDBTypeId.BIGINT,
  DuckDBTypeId.UTINYINT, DuckDBTypeId.USMALLINT, DuckDBTypeId.UINTEGER,
]);
const FLOAT = new Set<DuckDBTypeId>([DuckDBTypeId.FLOAT, DuckDBTypeId.DOUBLE]);

/** encodeColumn converts one column of DuckDB values (rows[i][index]) for the wire. */
function encodeColumn(rows: readonly (readonly DuckDBValue[])[], index: number, type: DuckDBType): WireColumn {
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
    return isInt ? { kind: 'int', values: values as BigInt64Array, nulls } : { kind: 'float', values: values as Float64Array, nulls };
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

/** decodeValue reads row `i` of a wire column as a Starlark value. */
export function decodeValue(col: WireColumn, i: number): Value {
  switch (col.kind) {
    case 'int':
      return col.nulls?.[i] ? None : toStarlark(col.values[i]!);
    case 'float':
      return col.nulls?.[i] ? None : makeFloat(col.values[i]!);
    case 'any':
      return fromWire(col.values[i]!);
  }
}
