// The table a tracked model's first acknowledgement makes (createTrackedTable), and the
// compression of its string columns. DuckDB chooses a column's compression
// at each commit of a row group by trying every one that fits its type; for a string column
// whose values are (nearly) all different, the dictionary it tries is never chosen, and trying it
// is a third of the commit's CPU (a 1M-row sync commits 8 row groups of 122,880 rows: 94 -> 56 ms
// each with such columns named FSST, measured on one thread, the same file). So when the first
// acknowledgement makes the table, string columns whose first delta rows are nearly all distinct
// are made `USING COMPRESSION 'fsst'` (DuckDB falls back to no compression where FSST does not
// fit: long or NULL values); the others keep DuckDB's choice.

import { DuckDBTypeId } from '../store/duckdb-api.js';
import { quoteIdent } from '../project/index.js';
import type { Store } from '../store/index.js';
import type { Column } from './canonical.js';
import { createTableSql, type Shape } from './tracked-sql.js';

/**
 * createTrackedTable makes the model's table (`schema`.`table`, shape.target) in the ack's
 * transaction: its columns as the delta's (createTableSql), its spread string columns FSST.
 */
export async function createTrackedTable(
  store: Store,
  shape: Shape,
  schema: string,
  table: string,
): Promise<void> {
  const [made, ...added] = createTableSql(shape);
  await store.exec(made!);
  const remade = await spreadRemade(store, shape, schema, table);
  if (remade !== undefined) {
    await store.exec(`DROP TABLE ${shape.target}`);
    await store.exec(remade);
  }
  // Columns with a compression of their own come after: DuckDB's statement does not print theirs.
  for (const sql of added) await store.exec(sql);
}

/** spreadRemade is the statement making the table again with its spread string columns FSST, if it has any. */
async function spreadRemade(
  store: Store,
  shape: Shape,
  schema: string,
  table: string,
): Promise<string | undefined> {
  const strings = stringColumns(shape.columns);
  if (strings.length === 0) return undefined;
  const row = (await store.queryJson(spreadSql(strings, shape.work.delta)))[0];
  const names = row === undefined ? [] : spreadColumns(strings, row);
  if (names.length === 0) return undefined;
  const ddl = await store.scalar(
    'SELECT sql FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = ? AND table_name = ?',
    [schema, table],
  );
  return typeof ddl === 'string' ? withFsst(ddl, shape.target, names) : undefined;
}

/** Rows of the delta a column's spread is judged on (the first ones, read by position). */
export const SPREAD_ROWS = 16_384;
/** Values a column needs in those rows to be judged (fewer: a small table, left to DuckDB). */
const MIN_VALUES = 1_024;
/** The share of distinct values (HyperLogLog's estimate) from which a column counts as spread. */
const SPREAD = 0.9;

/** stringColumns are the VARCHAR columns of the query, the only ones judged. */
export function stringColumns(columns: readonly Column[]): Column[] {
  return columns.filter((c) => c.type.typeId === DuckDBTypeId.VARCHAR);
}

/** spreadSql counts each string column's values and estimates their distinct ones in the delta's first rows. */
export function spreadSql(columns: readonly Column[], delta: string): string {
  const terms = columns.flatMap((c, i) => {
    const e = quoteIdent(c.name);
    return [`count(${e})::DOUBLE AS n${i}`, `approx_count_distinct(${e})::DOUBLE AS d${i}`];
  });
  return `SELECT ${terms.join(', ')} FROM ${delta} WHERE _ebb_pos < ${SPREAD_ROWS}`;
}

/** spreadColumns names the columns of `spreadSql`'s row whose values are nearly all distinct. */
export function spreadColumns(columns: readonly Column[], row: Readonly<Record<string, unknown>>): string[] {
  return columns
    .filter((_c, i) => {
      const n = Number(row[`n${i}`]);
      return n >= MIN_VALUES && Number(row[`d${i}`]) >= SPREAD * n;
    })
    .map((c) => c.name);
}

/**
 * withFsst rewrites DuckDB's own CREATE TABLE statement of a table (duckdb_tables().sql, which
 * keeps every type as made, collations included) as the statement making `target` with the
 * columns `names` USING COMPRESSION 'fsst'; undefined when the statement is not read as
 * expected (the table is then left as it is).
 */
export function withFsst(ddl: string, target: string, names: readonly string[]): string | undefined {
  const open = ddl.indexOf('(');
  const close = ddl.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const items = splitTopLevel(ddl.slice(open + 1, close));
  if (items === undefined) return undefined;
  const wanted = new Set(names);
  let found = 0;
  const defs = items.map((item) => {
    const name = leadingName(item);
    if (name === undefined || !wanted.has(name)) return item;
    found++;
    return `${item} USING COMPRESSION 'fsst'`;
  });
  return found === wanted.size ? `CREATE TABLE ${target}(${defs.join(', ')})` : undefined;
}

/** splitTopLevel splits a column list at its commas outside parentheses and quotes. */
function splitTopLevel(text: string): string[] | undefined {
  const out: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote !== undefined) {
      // A doubled quote inside a quoted text is the quote itself: it toggles twice.
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  if (quote !== undefined || depth !== 0) return undefined;
  out.push(text.slice(start).trim());
  return out;
}

/** leadingName is the column name a definition starts with, unquoted. */
function leadingName(def: string): string | undefined {
  if (def.startsWith('"')) {
    const m = /^"((?:[^"]|"")*)"/.exec(def);
    return m ? m[1]!.replace(/""/g, '"') : undefined;
  }
  return /^([^\s"]+)/.exec(def)?.[1];
}
