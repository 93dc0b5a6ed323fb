// The canonical row hash, as an SQL expression that DuckDB evaluates.
//
// Each non-NULL column contributes one term: DuckDB's hash() of its normalised value, XOR a
// constant naming its kind and lower-cased name (tagConstant), hashed again; the row's hash
// is the XOR of the terms. Because
// every term carries its column's name and names are distinct within a row, no two terms of a
// row are equal, so XOR never cancels a pair, and swapping values between columns changes the
// hash. The design keeps the canonical properties:
// - column order does not matter (XOR is order-free) and neither does a name's case (DuckDB
//   names are case-insensitive, so `aa` renamed `AA` is the same column);
// - a NULL column contributes nothing, exactly like a missing column, so adding a nullable
//   column does not re-send every row;
// - exact numbers have one form whatever their type: integers (and integral decimals) are
//   hashed as HUGEINT, fractional decimals as DECIMAL(38,18), and the rare values that fit
//   neither by their trimmed digits — so 1, 1::HUGEINT and 1.00::DECIMAL(5,2) agree;
// - floats are hashed as DOUBLE, where DuckDB already makes -0.0 equal 0.0 and every NaN one;
// - timestamps keep their sentinel values (infinity and -infinity are not NULL) and
//   TIMESTAMPTZ is an instant, whatever the session's time zone;
// - a UNION hashes its member's tag with the value; nested values (LIST, ARRAY, STRUCT, MAP)
//   are hashed through a tagged text in which strings carry their byte length, so no value
//   can forge a separator.
// DuckDB's hash() is not promised to stay the same across DuckDB releases, so the DuckDB
// version is part of the stored hash version (hashVersion): after an engine upgrade, stored
// rows are re-hashed from their stored content, and nothing is re-sent.

import { createHash } from 'node:crypto';
import { DuckDBTypeId, INTEGER_TYPE_IDS, type DuckDBType } from '../store/duckdb-api.js';
import { quoteIdent } from '../project/index.js';
import { sqlString } from '../store/index.js';

/** The version of the hash's design; hashVersion adds the DuckDB version to it. */
export const HASH_DESIGN = 2;

/**
 * hashVersion is the number stored per tracked model: the design and the DuckDB release
 * (`v1.5.6` → 2_010_506), so that either changing means re-hashing the stored rows.
 */
export function hashVersion(duckdbVersion: string): number {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(duckdbVersion);
  if (!m) throw new Error(`cannot read the DuckDB version "${duckdbVersion}"`);
  return HASH_DESIGN * 1_000_000 + Number(m[1]) * 10_000 + Number(m[2]) * 100 + Number(m[3]);
}

export interface Column {
  readonly name: string;
  readonly type: DuckDBType;
}

/** rowHashSql is an expression giving the canonical hash (UBIGINT) of a row of `columns`. */
export function rowHashSql(columns: readonly Column[], qualifier?: string): string {
  const prefix = qualifier ? `${qualifier}.` : '';
  return combineSql(columns.map((c) => columnTermSql(c.name, c.type, prefix + quoteIdent(c.name))));
}

/** combineSql XORs terms (a balanced tree keeps the expression shallow). */
export function combineSql(terms: readonly string[]): string {
  if (terms.length === 0) return '0::UBIGINT';
  if (terms.length === 1) return terms[0]!;
  const mid = Math.ceil(terms.length / 2);
  return `xor(${combineSql(terms.slice(0, mid))}, ${combineSql(terms.slice(mid))})`;
}

/** columnTermSql is one column's term: 0 when `e` is NULL, else hash(value, tag). */
export function columnTermSql(name: string, type: DuckDBType, e: string): string {
  // hash(v) XOR a constant of the column, hashed again: the outer hash mixes the two for good
  // (an XOR of plain hash(v, tag) terms would let values trade places between columns, as
  // DuckDB combines hashes almost linearly), and a constant costs less than a tag string.
  const h = (value: string, kind: string) => `hash(xor(hash(${value}), ${tagConstant(kind, name)}::UBIGINT))`;
  return `CASE WHEN ${e} IS NULL THEN 0::UBIGINT ELSE ${scalarHashSql(e, type, h)} END`;
}

type Hasher = (value: string, kind: string) => string;

/** tagConstant is the first 8 bytes of SHA-256 of `kind:name` (name lower-cased): one per column and kind. */
export function tagConstant(kind: string, name: string): string {
  return createHash('sha256').update(`${kind}:${name.toLowerCase()}`).digest().readBigUInt64BE(0).toString();
}

/** 10^20: exact numbers below it in magnitude fit DECIMAL(38,18). */
const DEC_LIMIT = '100000000000000000000';

function scalarHashSql(e: string, type: DuckDBType, h: Hasher): string {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return h(e, 't');
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
      // DuckDB hashes a negative TINYINT and the same BIGINT differently: one width for all.
      return h(`CAST(${e} AS HUGEINT)`, 'n');
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.BIGNUM:
      return `CASE WHEN TRY_CAST(${e} AS HUGEINT) IS NOT NULL THEN ${h(`CAST(${e} AS HUGEINT)`, 'n')} ELSE ${h(`CAST(${e} AS VARCHAR)`, 'N')} END`;
    case DuckDBTypeId.DECIMAL:
      return decimalHashSql(e, type.width, type.scale, h);
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return h(`CAST(${e} AS DOUBLE)`, 'f');
    case DuckDBTypeId.VARCHAR:
      return h(e, 's');
    case DuckDBTypeId.ENUM:
    case DuckDBTypeId.UUID:
      return h(`CAST(${e} AS VARCHAR)`, 's');
    case DuckDBTypeId.BLOB:
      return h(e, 'b');
    case DuckDBTypeId.DATE:
      return h(e, 'D');
    case DuckDBTypeId.TIME:
      return h(e, 'T');
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
      return h(`CAST(${e} AS TIMESTAMP)`, 'P');
    case DuckDBTypeId.TIMESTAMP_NS:
      return h(e, 'Q');
    case DuckDBTypeId.TIMESTAMP_TZ:
      return h(e, 'Z');
    case DuckDBTypeId.UNION:
      return h(`${counted(`union_tag(${e})::VARCHAR`)} || CAST(${e} AS VARCHAR)`, 'U');
    default:
      // TIME_NS, TIME_TZ (whose hash() equates offsets), INTERVAL (whose hash() equates a
      // month with 30 days), nested values and the rest: their tagged canonical text.
      return h(textSql(e, type, 0), 'x');
  }
}

/**
 * decimalHashSql: integral values hash as HUGEINT (like integers); fractional ones as
 * DECIMAL(38,18) under their own tag (so 1.5 never meets the integer 1.5e18); values that
 * fit neither (more than 18 decimals or 20 integer digits) as their trimmed digits.
 */
function decimalHashSql(e: string, width: number, scale: number, h: Hasher): string {
  if (scale === 0) return h(`CAST(${e} AS HUGEINT)`, 'n');
  const integral = h(`CAST(${e} AS HUGEINT)`, 'n');
  const fraction = h(`CAST(${e} AS DECIMAL(38,18))`, 'd');
  const digits = h(`rtrim(rtrim(CAST(${e} AS VARCHAR), '0'), '.')`, 'e');
  // Each test only where the type allows a value that fails it (a literal 10^20 does not even fit DECIMAL(38,22)).
  const tests = [
    ...(width - scale > 20 ? [`abs(${e}) < ${DEC_LIMIT}`] : []),
    ...(scale > 18 ? [`${e} = round(${e}, 18)`] : []),
  ];
  const frac =
    tests.length === 0 ? fraction : `CASE WHEN ${tests.join(' AND ')} THEN ${fraction} ELSE ${digits} END`;
  return `CASE WHEN ${e} = trunc(${e}) THEN ${integral} ELSE ${frac} END`;
}

interface Field {
  readonly name: string;
  readonly type: DuckDBType;
  readonly expr: string;
}

/**
 * fieldsTextSql writes fields sorted by lower-cased name as `len:name=value` joined by
 * commas. A NULL field is left out: every value expression below is NULL exactly when its
 * input is NULL, and concat_ws skips NULLs.
 */
function fieldsTextSql(fields: readonly Field[]): string {
  const sorted = [...fields].sort((a, b) => compareNames(a.name, b.name));
  if (sorted.length === 0) return `''`;
  const parts = sorted.map((f) => {
    const name = f.name.toLowerCase();
    return `${sqlString(`${Buffer.byteLength(name, 'utf8')}:${name}=`)} || ${textSql(f.expr, f.type, 0)}`;
  });
  return `concat_ws(',', ${parts.join(', ')})`;
}

function compareNames(a: string, b: string): number {
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  return la < lb ? -1 : la > lb ? 1 : 0;
}

/** A string with its length first, so that its content cannot forge a separator. */
function counted(s: string): string {
  return `strlen(${s}) || ':' || ${s}`;
}

/** textSql is the tagged text of a value `e` of `type` inside a nested value; NULL when `e` is NULL. */
export function textSql(e: string, type: DuckDBType, depth: number): string {
  if (INTEGER_TYPE_IDS.has(type.typeId)) return `'n' || CAST(${e} AS VARCHAR)`;
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return `CASE WHEN ${e} THEN 't' WHEN NOT ${e} THEN 'f' END`;
    case DuckDBTypeId.DECIMAL:
      return type.scale === 0
        ? `'n' || CAST(${e} AS VARCHAR)`
        : `'n' || rtrim(rtrim(CAST(${e} AS VARCHAR), '0'), '.')`;
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return `CASE WHEN isnan(${e}) THEN 'fNaN' WHEN ${e} = 0 THEN 'f0' ELSE 'f' || printf('%.17g', CAST(${e} AS DOUBLE)) END`;
    case DuckDBTypeId.VARCHAR:
    case DuckDBTypeId.ENUM:
    case DuckDBTypeId.UUID:
      return `'s' || ${counted(`CAST(${e} AS VARCHAR)`)}`;
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
    case DuckDBTypeId.TIMESTAMP_MS: {
      // epoch_us of infinity is NULL: the sentinels are written as themselves.
      const ts = `CAST(${e} AS TIMESTAMP)`;
      return `'P' || CASE WHEN isfinite(${ts}) THEN CAST(epoch_us(${ts}) AS VARCHAR) ELSE CAST(${ts} AS VARCHAR) END`;
    }
    case DuckDBTypeId.TIMESTAMP_NS:
      return `'Q' || CASE WHEN isfinite(${e}) THEN CAST(epoch_ns(${e}) AS VARCHAR) ELSE CAST(${e} AS VARCHAR) END`;
    case DuckDBTypeId.TIMESTAMP_TZ:
      return `'Z' || CASE WHEN isfinite(${e}) THEN CAST(epoch_us(${e}) AS VARCHAR) ELSE CAST(${e} AS VARCHAR) END`;
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY: {
      const x = `_ebb_x${depth}`;
      const inner = `coalesce(${textSql(x, type.valueType, depth + 1)}, 'null')`;
      const list = type.typeId === DuckDBTypeId.ARRAY ? `CAST(${e} AS ${type.valueType.toString()}[])` : e;
      return `'[' || array_to_string(list_transform(${list}, lambda ${x}: ${inner}), ',') || ']'`;
    }
    case DuckDBTypeId.STRUCT: {
      const fields = type.entryNames.map((name, i) => ({
        name,
        type: type.entryTypes[i]!,
        expr: `struct_extract(${e}, ${sqlString(name)})`,
      }));
      return `CASE WHEN ${e} IS NOT NULL THEN '{' || ${fieldsTextSql(fields)} || '}' END`;
    }
    case DuckDBTypeId.MAP: {
      const x = `_ebb_x${depth}`;
      const k = textSql(`${x}.key`, type.keyType, depth + 1);
      const v = `coalesce(${textSql(`${x}.value`, type.valueType, depth + 1)}, 'null')`;
      return `'M{' || array_to_string(list_sort(list_transform(map_entries(${e}), lambda ${x}: ${k} || '=' || ${v})), ',') || '}'`;
    }
    case DuckDBTypeId.INTERVAL:
      return `'I' || CAST(${e} AS VARCHAR)`;
    case DuckDBTypeId.UNION:
      return `'U' || ${counted(`union_tag(${e})::VARCHAR`)} || ${counted(`CAST(${e} AS VARCHAR)`)}`;
    default: {
      // Types without a canonical form of their own (BIT, …): DuckDB's text, with the
      // type's name so that different types never share a form.
      return `${sqlString(`x${type.toString()}:`)} || ${counted(`CAST(${e} AS VARCHAR)`)}`;
    }
  }
}
