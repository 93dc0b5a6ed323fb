// `ebb ls`: the project's models — kind, language, what each reads, its last run — as a
// table on stdout, or one JSON line per model with --json.

import { jsonText } from '../json.js';
import { formatCount, listModels } from '../run/index.js';
import { withProject, type GlobalOptions, type IO } from './io.js';
import { formatTable } from './table.js';

/** lsCommand is `ebb ls`: list the models. */
export function lsCommand(options: GlobalOptions, io: IO): Promise<number> {
  return withProject(
    options,
    io,
    async (ctx, store) => {
      const models = await listModels(ctx, store);
      if (options.json) {
        for (const m of models) io.stdout(jsonText(m) + '\n');
        return 0;
      }
      const columns = ['model', 'kind', 'file', 'depends on', 'last run'];
      const rows = models.map((m) => [
        m.model,
        m.kind,
        m.file,
        m.depends_on.join(', ') || '-',
        m.last_run === null
          ? 'never'
          : `${m.last_run.status} ${m.last_run.started_at}${m.last_run.rows === null ? '' : ` (${formatCount(m.last_run.rows)} rows)`}`,
      ]);
      io.stdout(formatTable(columns, rows));
      io.stderr(`${models.length} model${models.length === 1 ? '' : 's'} in ${ctx.project.root}\n`);
      return 0;
    },
    'ls',
  );
}
