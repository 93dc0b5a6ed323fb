// `ebb sql "…"`: run a statement on the project's state and print its rows on stdout — an
// aligned table, NDJSON or CSV — with the one value mapping of docs/values.md (the JSON every ebb
// command writes). A reader that goes away (`| head -1`) ends the command quietly, exit 0.

import { UsageError } from '../errors.js';
import { jsonText } from '../json.js';
import { fromDuckDB } from '../run/index.js';
import { withProject, type GlobalOptions, type IO } from './io.js';
import { formatTable } from './table.js';

export interface SqlOptions extends GlobalOptions {
  readonly sql: string;
  readonly format: 'table' | 'json' | 'csv';
  /** Rows shown in table format; JSON and CSV stream every row. */
  readonly maxRows: number;
}

/** sqlCommand is `ebb sql "…"`: run a statement on the project's state and print its rows. */
export function sqlCommand(options: SqlOptions, io: IO): Promise<number> {
  return withProject(
    options,
    io,
    async (_ctx, store) => {
      if (!hasStatement(options.sql)) {
        throw new UsageError(
          'ebb sql needs an SQL statement, e.g. ebb sql "SELECT * FROM mart.customers LIMIT 10"',
        );
      }
      let columns: string[] = [];
      const shown: string[][] = [];
      let total = 0;
      for await (const chunk of store.streamValues(options.sql)) {
        if (io.stdoutClosed?.()) return 0;
        if (options.format === 'csv' && total === 0) io.stdout(chunk.columns.map(csvCell).join(',') + '\n');
        columns = chunk.columns;
        for (const raw of chunk.rows) {
          total++;
          const row = raw.map(fromDuckDB);
          if (options.format === 'json') {
            const obj: Record<string, unknown> = {};
            chunk.columns.forEach((c, i) => (obj[c] = row[i]));
            io.stdout(jsonText(obj) + '\n');
          } else if (options.format === 'csv') {
            io.stdout(row.map((v) => csvCell(v === null ? '' : text(v))).join(',') + '\n');
          } else if (shown.length < options.maxRows) {
            shown.push(row.map((v) => (v === null ? 'NULL' : text(v))));
          }
        }
      }
      if (options.format === 'table') {
        if (columns.length > 0) io.stdout(formatTable(columns, shown));
        const more = total - shown.length;
        io.stderr(
          `${total.toLocaleString('en-US')} row${total === 1 ? '' : 's'}` +
            (more > 0
              ? ` (${more.toLocaleString('en-US')} not shown; use --max-rows, --json or --csv)`
              : '') +
            '\n',
        );
      }
      return 0;
    },
    'sql',
  );
}

/** hasStatement tells whether SQL holds anything besides blanks, comments and semicolons. */
function hasStatement(sql: string): boolean {
  const stripped = sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/;/g, ' ');
  return stripped.trim() !== '';
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : jsonText(v);
}

function csvCell(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}
