// The canonical row hash, as an SQL expression that DuckDB evaluates.
//
// Each value is written as tagged text and the row's text is hashed with MD5 (a fixed
// algorithm, the same on every machine and DuckDB version). The text is designed so that:
// - column order does not matter (columns are sorted by name);
// - a NULL column and a missing column are the same (NULL columns are left out), so adding a
//   nullable column does not re-send every row;
// - exact numbers have one form whatever their type (1, 1::HUGEINT and 1.00::DECIMAL(5,2)
//   are all `n1`);
// - floats: -0.0 is 0, every NaN is one NaN, others are written with 17 significant digits;
// - timestamps are microseconds since the epoch (TIMESTAMPTZ is an instant, whatever the
//   session's time zone);
// - strings carry their byte length, so no separator can be forged by the data.
// Changing any of this is a new HASH_VERSION; stored rows are then re-hashed from their
// stored content (see tracked-table.ts), so an upgrade never re-sends everything.

import { DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';
import { quoteIdent } from '../project/index.js';
import { sqlString } from '../store/index.js';

export const HASH_VERSION = 1;

export interface Column {
  readonly name: string;
  readonly type: DuckDBType;
}

/** rowHashSql is an expression giving the canonical hash (UHUGEINT) of a row of `columns`. */
export function rowHashSql(columns: readonly Column[], qualifier?: string): string {
  const prefix = qualifier ? `${qualifier}.` : '';
  return `md5_number(${rowTextSql(columns.map((c) => ({ name: c.name, type: c.type, expr: prefix + quoteIdent(c.name) })))})`;
}

interface Field {
  readonly name: string;
  readonly type: DuckDBType;
  readonly expr: string;
}

/**
 * rowTextSql writes fields sorted by name as `len:name=value` joined by commas. A NULL field
 * is left out: every value expression below is NULL exactly when its input is NULL, and
 * concat_ws skips NULLs.
 */
function rowTextSql(fields: readonly Field[]): string {
  const sorted = [...fields].sort((a, b) => compareNames(a.name, b.name));
  if (sorted.length === 0) return `''`;
  const parts = sorted.map((f) => `${sqlString(`${byteLength(f.name)}:${f.name}=`)} || ${valueSql(f.expr, f.type, 0)}`);
  return `concat_ws(',', ${parts.join(', ')})`;
}

function compareNames(a: string, b: string): number {
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  return la < lb ? -1 : la > lb ? 1 : a < b ? -1 : a > b ? 1 : 0;
}

function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** valueSql is the tagged text of a value `e` of `type`; NULL when `e` is NULL. */
function valueSql(e: string, type: DuckDBType, depth: number): string {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return `CASE WHEN ${e} THEN 't' WHEN NOT ${e} THEN 'f' END`;
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.BIGNUM:
      return `'n' || CAST(${e} AS VARCHAR)`;
    case DuckDBTypeId.DECIMAL:
      return type.scale === 0
        ? `'n' || CAST(${e} AS VARCHAR)`
        : `'n' || rtrim(rtrim(CAST(${e} AS VARCHAR), '0'), '.')`;
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return `CASE WHEN isnan(${e}) THEN 'fNaN' WHEN ${e} = 0 THEN 'f0' ELSE 'f' || printf('%.17g', CAST(${e} AS DOUBLE)) END`;
    case DuckDBTypeId.VARCHAR:
    case DuckDBTypeId.ENUM:
    case DuckDBTypeId.UUID: {
      const s = `CAST(${e} AS VARCHAR)`;
      return `'s' || strlen(${s}) || ':' || ${s}`;
    }
    case DuckDBTypeId.BLOB:
      return `'b' || to_base64(${e})`;
    case DuckDBTypeId.DATE:
      return `'D' || CAST(${e} AS VARCHAR)`;
    case DuckDBTypeId.TIME:
    case DuckDBTypeId.TIME_NS:
      return `'T' || CAST(${e} AS VARCHAR)`;
    case DuckDBTypeId.TIME_TZ:
      return `'W' || CAST(${e} AS VARCHAR)`;
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
      return `'P' || epoch_us(CAST(${e} AS TIMESTAMP))`;
    case DuckDBTypeId.TIMESTAMP_NS:
      return `'Q' || epoch_ns(${e})`;
    case DuckDBTypeId.TIMESTAMP_TZ:
      return `'Z' || epoch_us(${e})`;
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY: {
      const x = `_ebb_x${depth}`;
      const inner = `coalesce(${valueSql(x, type.valueType, depth + 1)}, 'null')`;
      const list = type.typeId === DuckDBTypeId.ARRAY ? `CAST(${e} AS ${type.valueType.toString()}[])` : e;
      return `'[' || array_to_string(list_transform(${list}, lambda ${x}: ${inner}), ',') || ']'`;
    }
    case DuckDBTypeId.STRUCT: {
      const fields = type.entryNames.map((name, i) => ({
        name,
        type: type.entryTypes[i]!,
        expr: `struct_extract(${e}, ${sqlString(name)})`,
      }));
      return `CASE WHEN ${e} IS NOT NULL THEN '{' || ${rowTextSql(fields)} || '}' END`;
    }
    case DuckDBTypeId.MAP: {
      const x = `_ebb_x${depth}`;
      const k = valueSql(`${x}.key`, type.keyType, depth + 1);
      const v = `coalesce(${valueSql(`${x}.value`, type.valueType, depth + 1)}, 'null')`;
      return `'M{' || array_to_string(list_sort(list_transform(map_entries(${e}), lambda ${x}: ${k} || '=' || ${v})), ',') || '}'`;
    }
    case DuckDBTypeId.INTERVAL:
      return `'I' || CAST(${e} AS VARCHAR)`;
    default: {
      // Types without a canonical form of their own (BIT, UNION, …): DuckDB's text, with
      // the type's name so that different types never share a form.
      const s = `CAST(${e} AS VARCHAR)`;
      return `${sqlString(`x${type.toString()}:`)} || strlen(${s}) || ':' || ${s}`;
    }
  }
}
