// A row's JSON text written by DuckDB, exactly as the interpreter's json.encode writes the row
// (lib/starlark/lib/json): keys sorted, compact, the same text for every value. A script that
// posts rows as JSON (`http.post(url, json={"inputs": batch})`) then sends texts DuckDB made
// beside the page instead of building a Starlark value per column and encoding it again —
// the largest part of its worker's time.
//
// Only what provably writes the same text takes this path; the rest keeps json.encode's own:
//   - columns: names of printable ASCII with nothing json.encode escapes, each once;
//   - kinds: strings, integers, booleans, decimals (as their digits in a string) and floats;
//   - floats in Go's fixed-notation range of %g (1e-4 ≤ |x| < 1e6) or zero: there DuckDB's
//     shortest digits are JavaScript's (tested), integral ones are written without ".0".
//     Another float makes that row's text NULL, so the worker encodes the row itself;
//   - strings are written by DuckDB's to_json, which leaves raw what json.encode escapes as
//     \u00XX (<, >, &, U+2028, U+2029) and writes \b, \f with short escapes: the worker
//     encodes any row whose text holds a backslash or one of those itself (lib/runtime/json-page.ts).

import { quoteIdent } from '../project/index.js';
import type { Column } from './canonical.js';
import type { JsonKind } from './json-page.js';

/** Column names json.encode writes as they are: printable ASCII but `"`, `\`, `<`, `>` and `&`. */
const PLAIN_NAME = /^[\x20\x21\x23-\x25\x27-\x3b\x3d\x3f-\x5b\x5d-\x7e]*$/;

/** rowJsonKeys is the order json.encode writes the columns in (byte order of their names). */
export function rowJsonKeys(names: readonly string[]): string[] {
  return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * A non-NULL value's text, and for floats the condition (true for NULL) under which that text
 * is json.encode's: outside it the row cannot take this path.
 */
interface ValueText {
  readonly text: string;
  readonly guard?: string;
}

/** valueTextSql is the text of one non-NULL value of kind `kind`, or undefined when the kind has none. */
function valueTextSql(e: string, kind: JsonKind): ValueText | undefined {
  switch (kind) {
    case 'str':
      return { text: `CAST(to_json(CAST(${e} AS VARCHAR)) AS VARCHAR)` };
    case 'int':
      return { text: `CAST(${e} AS VARCHAR)` };
    case 'bool':
      return { text: `CASE WHEN ${e} THEN 'true' ELSE 'false' END` };
    case 'dec':
      return { text: `concat('"', CAST(${e} AS VARCHAR), '"')` };
    case 'float': {
      const d = `CAST(${e} AS DOUBLE)`;
      // -0.0 is "-0"; outside the fixed range (or NaN, infinities) the row's text is NULL.
      return {
        text: `CASE WHEN ${d} = 0 THEN (CASE WHEN signbit(${d}) THEN '-0' ELSE '0' END)
        WHEN ${d} = trunc(${d}) THEN CAST(CAST(${d} AS BIGINT) AS VARCHAR) ELSE CAST(${d} AS VARCHAR) END`,
        guard: `(${e} IS NULL OR ${d} = 0 OR (abs(${d}) >= 1e-4 AND abs(${d}) < 1e6))`,
      };
    }
    default:
      return undefined;
  }
}

/**
 * rowJsonSql is the expression of a row's JSON text (columns read from `alias`), NULL for a
 * row whose text only json.encode can write; undefined when no row of these columns can take
 * this path. The text is one concat() of every part and the floats' guards one AND, both
 * flat lists: a chain of `||` nests one level per column, and DuckDB refuses expressions
 * deeper than 1,000 (a query of ~500 columns).
 */
export function rowJsonSql(
  columns: readonly Column[],
  kinds: readonly JsonKind[],
  alias: string,
): string | undefined {
  const names = columns.map((c) => c.name);
  if (names.length === 0 || new Set(names).size !== names.length || !names.every((n) => PLAIN_NAME.test(n)))
    return undefined;
  const byName = new Map(columns.map((c, i) => [c.name, i]));
  const parts: string[] = [];
  const guards: string[] = [];
  for (const [k, name] of rowJsonKeys(names).entries()) {
    const e = `${alias}.${quoteIdent(name)}`;
    const value = valueTextSql(e, kinds[byName.get(name)!]!);
    if (value === undefined) return undefined;
    if (value.guard !== undefined) guards.push(value.guard);
    parts.push(
      `'${k === 0 ? '{' : ','}"${name.replace(/'/g, "''")}":'`,
      `(CASE WHEN ${e} IS NULL THEN 'null' ELSE ${value.text} END)`,
    );
  }
  const text = `concat(${parts.join(', ')}, '}')`;
  return guards.length === 0 ? text : `CASE WHEN ${guards.join(' AND ')} THEN ${text} END`;
}
