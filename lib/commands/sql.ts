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
  return withProject(options, io, async (_ctx, store) => {
    let columns: string[] = [];
    const shown: string[][] = [];
    let total = 0;
    for await (const chunk of store.stream(options.sql)) {
      if (options.format === 'csv' && total === 0) io.stdout(chunk.columns.map(csvCell).join(',') + '\n');
      columns = chunk.columns;
      for (const row of chunk.rows) {
        total++;
        if (options.format === 'json') {
          const obj: Record<string, unknown> = {};
          chunk.columns.forEach((c, i) => (obj[c] = row[i]));
          io.stdout(JSON.stringify(obj) + '\n');
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
          (more > 0 ? ` (${more.toLocaleString('en-US')} not shown; use --max-rows, --json or --csv)` : '') + '\n',
      );
    }
    return 0;
  });
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function csvCell(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}
