// `ebb history [model]`: past model runs, newest first, as a table or NDJSON on stdout.

import { jsonText } from '../json.js';
import { formatSeconds } from '../run/index.js';
import { readHistory } from '../store/index.js';
import { withProject, type GlobalOptions, type IO } from './io.js';
import { formatTable } from './table.js';

export interface HistoryOptions extends GlobalOptions {
  readonly model?: string | undefined;
  readonly limit: number;
}

/** historyCommand is `ebb history [model]`: past model runs, newest first. */
export function historyCommand(options: HistoryOptions, io: IO): Promise<number> {
  return withProject(
    options,
    io,
    async (_ctx, store) => {
      const rows = await readHistory(store, options.model, options.limit);
      if (options.json) {
        for (const { details, ...r } of rows) {
          // A tracked model's figures (new, changed, deleted, saved, failed) sit beside the others.
          const extra = typeof details === 'string' ? (JSON.parse(details) as Record<string, number>) : {};
          const { code, ...rest } = r;
          // `code` sits beside `error`, and only when there is one (as in run --json).
          io.stdout(jsonText({ ...rest, ...(code === null ? {} : { code }), ...extra }) + '\n');
        }
        return 0;
      }
      if (rows.length === 0) {
        io.stderr(options.model ? `no runs of ${options.model} yet\n` : 'no runs yet\n');
        return 0;
      }
      const columns = ['started_at', 'run_id', 'model', 'kind', 'status', 'rows', 'duration', 'error'];
      const table = rows.map((r) => [
        String(r['started_at']),
        String(r['run_id']),
        String(r['model']),
        String(r['kind']),
        String(r['status']),
        r['rows'] === null ? '' : String(r['rows']),
        formatSeconds(Number(r['duration_ms'])),
        r['error'] === null ? '' : String(r['error']).split('\n')[0]!,
      ]);
      io.stdout(formatTable(columns, table));
      return 0;
    },
    'history',
  );
}
