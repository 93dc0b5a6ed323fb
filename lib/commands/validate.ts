// `ebb validate`: check every model (directives, names, syntax, the DAG, binding against
// upstream shapes) without writing anything. --json prints one line on stdout with every
// problem (file, line, col, code, message); the human report goes to stderr.

import { formatLocation, ProjectError } from '../errors.js';
import { jsonText } from '../json.js';
import { validateProject } from '../run/index.js';
import { guarded, reportError, type GlobalOptions, type IO } from './io.js';

/** validateCommand is `ebb validate`: exit 0 when the project is sound, 1 when not. */
export function validateCommand(options: GlobalOptions, io: IO): Promise<number> {
  return guarded(
    io,
    async () => {
      const report = await validateProject(options);
      if (options.json) {
        io.stdout(
          jsonText({ models: report.models, problems: report.problems, unbound: report.unbound }) + '\n',
        );
      }
      for (const w of report.warnings) io.stderr(`warning: ${w.file}: ${w.message}\n`);
      for (const u of report.unbound) io.stderr(`NOTE  ${formatLocation(u)}: not bound: ${u.reason}\n`);
      // The problems are in the JSON line already: the human report goes to stderr only.
      if (report.problems.length > 0) return reportError(io, new ProjectError(report.problems));
      io.stderr(`OK    ${report.models} model${report.models === 1 ? '' : 's'} valid in ${report.root}\n`);
      return 0;
    },
    options.json === true,
  );
}
