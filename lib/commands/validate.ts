import { ProjectError } from '../errors.js';
import { openContext, validateProject } from '../run/index.js';
import { projectSqlOf } from '../run/plan.js';
import { starProblems } from '../runtime/star-sql.js';
import { guarded, type GlobalOptions, type IO } from './io.js';

/** validateCommand is `ebb validate`: parse, build the DAG and bind every model; write nothing. */
export function validateCommand(options: GlobalOptions, io: IO): Promise<number> {
  return guarded(io, async () => {
    const ctx = openContext(options);
    const report = await validateProject(ctx, { sqlOf: projectSqlOf, check: starProblems });
    if (options.json) {
      io.stdout(JSON.stringify({ models: report.models, problems: report.problems }) + '\n');
    }
    if (report.problems.length > 0) throw new ProjectError(report.problems);
    io.stderr(`OK    ${report.models} model${report.models === 1 ? '' : 's'} valid in ${ctx.project.root}\n`);
    return 0;
  });
}
