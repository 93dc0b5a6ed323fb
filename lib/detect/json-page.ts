// Pages of delta rows as one JSON text that DuckDB builds: a page of 16,384 rows read value
// by value through node-api costs the main thread seconds per million rows (a native call per
// long string, an object per value, a structured clone per page), while DuckDB writes the
// same page as JSON in its own threads and the model's worker parses it with JSON.parse.
//
// Each column travels as a list of JSON values of one kind, chosen so that the worker can
// rebuild exactly the value the row-by-row path gives (lib/runtime/values.ts#toWire):
// integers that fit a double as numbers, others as their digits; floats as numbers, with
// NaN and the infinities as text; decimals as their exact digits; dates as days and
// timestamps as microseconds since the epoch (their sentinels as text). Types outside these
// kinds (nested values, BLOB, INTERVAL, TIME, …) keep the row-by-row path for the whole page.

import { DuckDBTypeId, INTEGER_TYPE_IDS, type DuckDBType } from '../store/duckdb-api.js';
import { quoteIdent } from '../project/index.js';
import type { Column } from './canonical.js';

/** How a column's values are written; the worker decodes by the same names (lib/runtime/json-page.ts). */
export type JsonKind = 'str' | 'bool' | 'int' | 'float' | 'dec' | 'date' | 'ts' | 'tstz';

/** jsonKind is the kind a column of `type` travels as, or undefined when it has none. */
export function jsonKind(type: DuckDBType): JsonKind | undefined {
  // BIGNUM's digits would need a cast of their own: it keeps the row-by-row path.
  if (INTEGER_TYPE_IDS.has(type.typeId) && type.typeId !== DuckDBTypeId.BIGNUM) return 'int';
  switch (type.typeId) {
    case DuckDBTypeId.VARCHAR:
    case DuckDBTypeId.ENUM:
    case DuckDBTypeId.UUID:
      return 'str';
    case DuckDBTypeId.BOOLEAN:
      return 'bool';
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return 'float';
    case DuckDBTypeId.DECIMAL:
      return 'dec';
    case DuckDBTypeId.DATE:
      return 'date';
    case DuckDBTypeId.TIMESTAMP:
      return 'ts';
    case DuckDBTypeId.TIMESTAMP_TZ:
      return 'tstz';
    default:
      return undefined;
  }
}

/** jsonKinds gives every column's kind, or undefined if one column has none. */
export function jsonKinds(columns: readonly Column[]): JsonKind[] | undefined {
  const kinds: JsonKind[] = [];
  for (const c of columns) {
    const k = jsonKind(c.type);
    if (k === undefined) return undefined;
    kinds.push(k);
  }
  return kinds;
}

/** The largest integer a double holds exactly. */
const SAFE = '9007199254740991';

/** Integer types whose every value a double holds exactly. */
const SMALL_INTS = new Set<DuckDBTypeId>([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
]);

/** Unsigned integer types too wide for SMALL_INTS: their values are never below -SAFE. */
const WIDE_UNSIGNED = new Set<DuckDBTypeId>([DuckDBTypeId.UBIGINT, DuckDBTypeId.UHUGEINT]);

/**
 * plainTestSql is an aggregate that is true when every value of column `e` can take its kind's
 * plain form (a bare number: no infinities, nothing beyond a double's exact integers), or
 * undefined when the plain form is either always right or never needed.
 */
function plainTestSql(e: string, type: DuckDBType, kind: JsonKind): string | undefined {
  switch (kind) {
    case 'int':
      // An unsigned value compared with -SAFE would be cast to a signed type, which UHUGEINT's
      // values above HUGEINT's maximum (and UBIGINT's above BIGINT's) do not fit.
      if (SMALL_INTS.has(type.typeId)) return undefined;
      if (WIDE_UNSIGNED.has(type.typeId)) return `coalesce(max(${e}) <= ${SAFE}, true)`;
      return `coalesce(min(${e}) >= -${SAFE} AND max(${e}) <= ${SAFE}, true)`;
    case 'float':
    case 'date':
      return `coalesce(bool_and(isfinite(${e})), true)`;
    case 'ts':
    case 'tstz':
      return `coalesce(bool_and(isfinite(${e})) AND min(epoch_us(${e})) >= -${SAFE} AND max(epoch_us(${e})) <= ${SAFE}, true)`;
    default:
      return undefined;
  }
}

/**
 * plainFormsSql tells, in one scan of `table`, which columns can travel in their plain form
 * (see jsonValueSql): one boolean column per test, in the order of `tested`. Undefined when
 * there is nothing to test.
 */
export function plainFormsSql(
  table: string,
  columns: readonly Column[],
  kinds: readonly JsonKind[],
): { sql: string; tested: number[] } | undefined {
  const tests: string[] = [];
  const tested: number[] = [];
  columns.forEach((c, i) => {
    const t = plainTestSql(quoteIdent(c.name), c.type, kinds[i]!);
    if (t !== undefined) {
      tests.push(`${t} AS t${tests.length}`);
      tested.push(i);
    }
  });
  return tests.length === 0 ? undefined : { sql: `SELECT ${tests.join(', ')} FROM ${table}`, tested };
}

/**
 * jsonValueSql is the JSON value of `e` (a column of kind `kind`); NULL stays NULL. With
 * `plain`, the column's values are known to fit their plain form (a bare number), which costs
 * DuckDB and the worker's parser less than the general one.
 */
export function jsonValueSql(e: string, kind: JsonKind, plain = false): string {
  if (plain) {
    switch (kind) {
      case 'int':
        return e;
      case 'float':
        return `CAST(${e} AS DOUBLE)`;
      case 'date':
        return `(${e} - DATE '1970-01-01')`;
      case 'ts':
      case 'tstz':
        return `epoch_us(${e})`;
      default:
        break;
    }
  }
  switch (kind) {
    case 'str':
      return `CAST(${e} AS VARCHAR)`;
    case 'bool':
      return e;
    case 'int':
      // Compared as a DOUBLE, which every integer type casts to without failing (a wide
      // unsigned value compared with -SAFE would be cast to a signed type it may not fit);
      // integers beyond SAFE round to 2^53 or more, so the test stays exact.
      return `CASE WHEN CAST(${e} AS DOUBLE) BETWEEN -${SAFE} AND ${SAFE} THEN to_json(${e}) ELSE to_json(CAST(${e} AS VARCHAR)) END`;
    case 'float':
      // FLOAT widens exactly to DOUBLE, whose JSON text reads back to the same number.
      return `CASE WHEN isfinite(${e}) THEN to_json(CAST(${e} AS DOUBLE)) ELSE to_json(CAST(${e} AS VARCHAR)) END`;
    case 'dec':
      return `CAST(${e} AS VARCHAR)`;
    case 'date':
      return `CASE WHEN isfinite(${e}) THEN to_json(${e} - DATE '1970-01-01') ELSE to_json(CAST(${e} AS VARCHAR)) END`;
    case 'ts':
    case 'tstz':
      // Microseconds beyond a double's exact integers (after the year 2255) travel as digits.
      return `CASE WHEN NOT isfinite(${e}) THEN to_json(CAST(${e} AS VARCHAR)) WHEN epoch_us(${e}) BETWEEN -${SAFE} AND ${SAFE} THEN to_json(epoch_us(${e})) ELSE to_json(CAST(epoch_us(${e}) AS VARCHAR)) END`;
  }
}

/** A page as DuckDB wrote it (JSON lists as UTF-8, see jsonPageSql) and what the worker needs to read it. */
export interface JsonPageText {
  /** The lists' sequence numbers (absent: the page's own range, in order, with no lists). */
  readonly seqs?: Uint8Array;
  /** 0 new, 1 changed per row; absent: every row has `fixedChange`. */
  readonly change?: Uint8Array;
  readonly fixedChange?: string;
  /** The columns' lists; absent: fetched when the script first reads a value (JsonValues). */
  readonly columns?: readonly Uint8Array[];
  readonly kinds: readonly JsonKind[];
  /** Each row's before (objects keyed f0…), with the stored columns' names and kinds. */
  readonly before?: Uint8Array;
  readonly beforeNames?: readonly string[];
  readonly beforeKinds?: readonly JsonKind[];
  /** Whether the rows have JSON texts (row-json.ts); absent or false: json.encode writes them. */
  readonly rowJson?: boolean;
  /** The rows' JSON texts, one line each (empty: encode that row itself); absent: fetched when first needed. */
  readonly rows?: Uint8Array;
}

/** A page's values fetched on their own: the rows' columns and befores, with their sequence numbers. */
export type JsonValues = Required<Pick<JsonPageText, 'seqs' | 'columns'>> & Pick<JsonPageText, 'before'>;

/** A page's row texts fetched on their own: in sequence order, or in the order of `seqs`. */
export type JsonRowTexts = Required<Pick<JsonPageText, 'rows'>> & Pick<JsonPageText, 'seqs'>;

export interface JsonPageShape {
  /** The delta's columns, all with a kind. */
  readonly columns: readonly Column[];
  /** The stored columns that make up `_ebb_before` (undefined: the rows have no before). */
  readonly before: readonly Column[] | undefined;
  /** Whether the table has a `_ebb_change` column. */
  readonly change: boolean;
  /** Per column, whether its values take their plain form (plainFormsSql); default: none. */
  readonly plain?: readonly boolean[];
  /** Which lists to read: the values (columns and befores), the changes, both (default), or only the row texts (in sequence order, no other list). */
  readonly lists?: 'values' | 'changes' | 'all' | 'rows';
  /** A row's JSON text (rowJsonSql of alias `p`): read as the list `r` too. */
  readonly rowJson?: string;
}

/**
 * jsonPageSql reads rows of `table` matching `where` as JSON lists, one BLOB of UTF-8 text
 * each, in the same row order (the worker puts them in sequence order): `s` the sequence
 * numbers, `c` the changes (0 new, 1 changed), `v0…` the columns' values and `b` the befores
 * (objects keyed `f0…`), and `r` the rows' JSON texts, one line each (a row whose text is
 * NULL has an empty line: newlines inside to_json's text are escaped; with lists 'rows', `r`
 * alone, in sequence order). A list apiece lets the
 * worker parse a column only when the script reads it; BLOBs cross to the worker without being
 * decoded or copied on the main thread.
 */
export function jsonPageSql(
  table: string,
  shape: JsonPageShape,
  kinds: readonly JsonKind[],
  beforeKinds: readonly JsonKind[] | undefined,
  where: string,
): string {
  const q = quoteIdent;
  const list = (e: string, name: string) => `encode(CAST(to_json(list(${e})) AS VARCHAR)) AS ${name}`;
  const lists = shape.lists ?? 'all';
  const from = `FROM (SELECT * FROM ${table} WHERE ${where}) AS p`;
  const texts = (order: string) =>
    `encode(string_agg(coalesce(${shape.rowJson ?? 'NULL'}, ''), chr(10)${order})) AS r`;
  // Alone, the texts come in sequence order: an ordered aggregate of one page costs less than
  // a list of its sequence numbers for the worker to parse and reorder by.
  if (lists === 'rows') return `SELECT ${texts(' ORDER BY _ebb_seq')} ${from}`;
  const parts = [list('_ebb_seq', 's')];
  if (shape.rowJson !== undefined) parts.push(texts(''));
  if (shape.change && (lists === 'changes' || lists === 'all'))
    parts.push(list(`CASE WHEN _ebb_change = 'new' THEN 0 ELSE 1 END`, 'c'));
  if (lists === 'changes') return `SELECT ${parts.join(', ')} ${from}`;
  shape.columns.forEach((c, i) =>
    parts.push(list(jsonValueSql(`p.${q(c.name)}`, kinds[i]!, shape.plain?.[i] ?? false), `v${i}`)),
  );
  if (shape.before && beforeKinds && shape.before.length > 0) {
    const fields = shape.before.map(
      (c, i) => `'f${i}': ${jsonValueSql(`p._ebb_before.${q(c.name)}`, beforeKinds[i]!)}`,
    );
    parts.push(list(`CASE WHEN p._ebb_before IS NULL THEN NULL ELSE {${fields.join(', ')}} END`, 'b'));
  }
  return `SELECT ${parts.join(', ')} FROM (SELECT * FROM ${table} WHERE ${where}) AS p`;
}
