// expect.sql holds queries and the rows each must return after a step, as CSV in comments:
//
//   -- the failed row is not acknowledged
//   SELECT id, email FROM sync.users ORDER BY id;
//   -- expect:
//   -- id,email
//   -- 1,a@example.com
//
// A query ends with `;` at the end of a line. Its `-- expect:` block follows it (blank lines
// between are allowed): the first line holds the column names, each further line a row, in
// the order the query returns them (so give it an ORDER BY); the block ends at the first
// blank or uncommented line. Values are written as DuckDB shows them in JSON (numbers,
// true/false, text; lists and structs as JSON), NULL for null; a value holding a comma, a
// quote or leading/trailing spaces, an empty string and the text "NULL" are "quoted", with
// "" for a quote. `ebb test --update` writes every block from what the queries returned and
// keeps everything else of the file as it was.

import { readFileSync } from 'node:fs';
import type { Store } from '../store/index.js';
import { ExpectSqlError } from './errors.js';

export type Cell = string | null;

export interface ExpectQuery {
  readonly sql: string;
  /** 1-based line of the query's first line. */
  readonly line: number;
  /** The expected table (header, then rows); undefined when the query has no block. */
  readonly expected?: { readonly columns: Cell[]; readonly rows: Cell[][] };
  /** 0-based line range [from, to) of the block (marker included) in the file, or the insertion point. */
  readonly blockFrom: number;
  readonly blockTo: number;
}

export interface ExpectFile {
  readonly file: string;
  readonly lines: readonly string[];
  readonly queries: readonly ExpectQuery[];
}

export interface QueryOutcome {
  readonly line: number;
  readonly sql: string;
  readonly ok: boolean;
  /** What differs, for a person (absent when ok). */
  readonly message?: string;
  readonly actual: { readonly columns: string[]; readonly rows: Cell[][] } | undefined;
}

const MARKER = /^--\s*expect:\s*$/i;
const COMMENT = /^\s*--/;

/** parseExpectSql splits an expect.sql into queries with their expected blocks. */
export function parseExpectSql(file: string, text = readFileSync(file, 'utf8')): ExpectFile {
  const lines = text.split('\n');
  const queries: ExpectQuery[] = [];
  let i = 0;
  while (i < lines.length) {
    const first = lines[i]!;
    if (first.trim() === '' || COMMENT.test(first)) {
      if (MARKER.test(first.trim()))
        throw new ExpectSqlError(
          file,
          i + 1,
          '"-- expect:" without a query before it (end the query with ;)',
        );
      i++;
      continue;
    }
    const start = i;
    while (i < lines.length && !(!COMMENT.test(lines[i]!) && lines[i]!.trimEnd().endsWith(';'))) i++;
    if (i === lines.length)
      throw new ExpectSqlError(file, start + 1, 'query does not end with ; at the end of a line');
    const sql = lines
      .slice(start, i + 1)
      .join('\n')
      .trim()
      .replace(/;$/, '');
    i++;
    let j = i;
    while (j < lines.length && lines[j]!.trim() === '') j++;
    if (j < lines.length && MARKER.test(lines[j]!.trim())) {
      const from = j;
      const block: string[] = [];
      j++;
      while (j < lines.length && COMMENT.test(lines[j]!) && lines[j]!.trim() !== '') {
        block.push(lines[j]!.trim().replace(/^--\s?/, ''));
        j++;
      }
      if (block.length === 0)
        throw new ExpectSqlError(
          file,
          from + 1,
          '"-- expect:" needs a line of column names after it, then one line per row',
        );
      const [header, ...rows] = block.map((l, k) => parseCsvLine(l, file, from + 2 + k));
      queries.push({
        sql,
        line: start + 1,
        expected: { columns: header!, rows },
        blockFrom: from,
        blockTo: j,
      });
      i = j;
    } else {
      queries.push({ sql, line: start + 1, blockFrom: i, blockTo: i });
    }
  }
  return { file, lines, queries };
}

/** runExpectations runs each query and compares its rows with the expected block. */
export async function runExpectations(store: Store, expect: ExpectFile): Promise<QueryOutcome[]> {
  const out: QueryOutcome[] = [];
  for (const q of expect.queries) {
    let actual: { columns: string[]; rows: Cell[][] };
    try {
      actual = await readTable(store, q.sql);
    } catch (err) {
      out.push({
        line: q.line,
        sql: q.sql,
        ok: false,
        message: `${expect.file}:${q.line}: ${(err as Error).message}`,
        actual: undefined,
      });
      continue;
    }
    const message =
      q.expected === undefined
        ? `${expect.file}:${q.line}: no "-- expect:" block after this query (ebb test --update writes it)`
        : compareTables(q.expected, actual);
    out.push(
      message === undefined
        ? { line: q.line, sql: q.sql, ok: true, actual }
        : {
            line: q.line,
            sql: q.sql,
            ok: false,
            message: message.startsWith(expect.file) ? message : `${expect.file}:${q.line}: ${message}`,
            actual,
          },
    );
  }
  return out;
}

async function readTable(store: Store, sql: string): Promise<{ columns: string[]; rows: Cell[][] }> {
  let columns: string[] = (await store.columnsOf(sql)).map((c) => c.name);
  const rows: Cell[][] = [];
  for await (const chunk of store.stream(sql)) {
    columns = chunk.columns;
    for (const r of chunk.rows) rows.push(r.map(cellOf));
  }
  return { columns, rows };
}

function cellOf(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

/** compareTables tells the first difference between expected and actual, or undefined. */
export function compareTables(
  expected: { columns: Cell[]; rows: Cell[][] },
  actual: { columns: string[]; rows: Cell[][] },
): string | undefined {
  if (expected.columns.join('\u0000') !== actual.columns.join('\u0000')) {
    return `columns: expected ${formatCsvLine(expected.columns)}, got ${formatCsvLine(actual.columns)}`;
  }
  for (let r = 0; r < Math.max(expected.rows.length, actual.rows.length); r++) {
    const e = expected.rows[r];
    const a = actual.rows[r];
    if (e === undefined)
      return `row ${r + 1} was not expected: ${formatCsvLine(a!)} (expected ${expected.rows.length} rows, got ${actual.rows.length})`;
    if (a === undefined)
      return `row ${r + 1} is missing: ${formatCsvLine(e)} (expected ${expected.rows.length} rows, got ${actual.rows.length})`;
    for (let c = 0; c < Math.max(e.length, a.length); c++) {
      if (e[c] !== a[c]) {
        const col = actual.columns[c] ?? `#${c + 1}`;
        return `row ${r + 1}, column ${col}: expected ${formatCell(e[c] ?? null)}, got ${formatCell(a[c] ?? null)}`;
      }
    }
  }
  return undefined;
}

/** updateExpectSql rewrites each query's block from what it returned, keeping the rest of the file. */
export function updateExpectSql(expect: ExpectFile, outcomes: readonly QueryOutcome[]): string {
  const lines = [...expect.lines];
  // From the last query back, so earlier line numbers stay valid.
  for (let k = expect.queries.length - 1; k >= 0; k--) {
    const q = expect.queries[k]!;
    const actual = outcomes[k]?.actual;
    if (!actual) continue;
    const block = [
      '-- expect:',
      ...[actual.columns, ...actual.rows].map((r) => `-- ${formatCsvLine(r)}`.trimEnd()),
    ];
    if (q.expected === undefined) lines.splice(q.blockFrom, 0, ...block);
    else lines.splice(q.blockFrom, q.blockTo - q.blockFrom, ...block);
  }
  return lines.join('\n');
}

export function formatCsvLine(cells: readonly Cell[]): string {
  return cells.map(formatCell).join(',');
}

function formatCell(c: Cell): string {
  if (c === null) return 'NULL';
  if (c === '' || c === 'NULL' || /[",\n\r]/.test(c) || c.trim() !== c) return `"${c.replaceAll('"', '""')}"`;
  return c;
}

/** parseCsvLine reads one CSV line: unquoted NULL is null, "…" is text with "" for a quote. */
export function parseCsvLine(line: string, file: string, lineNo: number): Cell[] {
  const cells: Cell[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= line.length) throw new ExpectSqlError(file, lineNo, 'a quoted value is not closed with "');
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += line[i++];
      }
      cells.push(value);
      if (i < line.length && line[i] !== ',')
        throw new ExpectSqlError(file, lineNo, `unexpected text after a quoted value: ${line.slice(i)}`);
    } else {
      const end = line.indexOf(',', i);
      const raw = end < 0 ? line.slice(i) : line.slice(i, end);
      cells.push(raw === 'NULL' ? null : raw);
      i = end < 0 ? line.length : end;
    }
    if (i >= line.length) return cells;
    i++; // the comma
  }
}
