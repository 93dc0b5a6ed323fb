// missingEnvReads finds, for `ebb validate`, the variables .star models read with a literal
// `env.get("NAME")` and no default — a run would stop at that line — that are set neither in
// the environment nor in the project's .env. Names computed at run time, and reads with a
// default, cannot be checked before a run and are left alone.

import { PROBLEM_CODES, type ProjectProblem } from '../errors.js';
import { projectEnv, type Model } from '../project/index.js';

/** env.get("NAME") or env.get("NAME", secret=…): no default, so the variable must be set. */
const REQUIRED_READ =
  /\benv\.get\(\s*(["'])([A-Za-z_][A-Za-z0-9_]*)\1\s*(?:,\s*secret\s*=\s*(?:True|False)\s*)?\)/g;

export function missingEnvReads(
  root: string,
  models: readonly Model[],
  env: NodeJS.ProcessEnv,
): ProjectProblem[] {
  const known = projectEnv(root, env);
  const problems: ProjectProblem[] = [];
  for (const model of models) {
    if (model.language !== 'star') continue;
    for (const m of model.source.matchAll(REQUIRED_READ)) {
      const name = m[2]!;
      if (known[name] !== undefined) continue;
      const before = model.source.slice(0, m.index);
      if (/#[^\n]*$/.test(before)) continue; // in a comment
      problems.push({
        code: PROBLEM_CODES.envMissing,
        file: model.file,
        line: before.split('\n').length,
        message: `env.get("${name}") reads a variable set nowhere: set ${name} in the environment or in ${root}/.env, or give env.get a default`,
      });
    }
  }
  return problems;
}
