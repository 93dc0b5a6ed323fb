// A RunPlan is built before anything runs: which models, in which order, and the
// problems already known (a model whose SQL does not parse fails without running).

import { buildDag, select, sqlModelSource, type Dag, type SqlSource } from '../dag/index.js';
import { starProblems, starSqlOf } from '../runtime/star-sql.js';
import type { Model } from '../project/index.js';
import type { Store } from '../store/index.js';
import type { Context } from './context.js';
import { newRunId } from './result.js';

export interface PlanStep {
  readonly model: Model;
  /** Set when the model is known to fail before running (e.g. its SQL does not parse). */
  readonly problem?: string;
}

export interface RunPlan {
  readonly runId: string;
  readonly root: string;
  readonly dag: Dag;
  readonly steps: readonly PlanStep[];
}

/** projectSqlOf gives the SQL of both kinds of model: the file, or a .star file's query() literals. */
export const projectSqlOf: SqlSource = (m) => (m.language === 'sql' ? sqlModelSource(m) : starSqlOf(m));

export async function planRun(
  ctx: Context,
  store: Store,
  selectors: readonly string[],
  sqlOf: SqlSource = projectSqlOf,
): Promise<RunPlan> {
  const models = ctx.project.models;
  const byName = new Map(models.map((m) => [m.name, m]));
  const built = await buildDag(store, models, sqlOf);
  const order = built.dag.sorted((n) => byName.get(n)!.file);
  const chosen = select(built.dag, selectors);
  const problemOf = new Map<string, string>();
  for (const p of [...models.flatMap(starProblems), ...built.problems]) {
    const m = models.find((x) => x.file === p.file);
    if (m && !problemOf.has(m.name)) problemOf.set(m.name, `${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`);
  }
  const steps: PlanStep[] = order
    .filter((n) => chosen.has(n))
    .map((n) => {
      const problem = problemOf.get(n);
      return problem === undefined ? { model: byName.get(n)! } : { model: byName.get(n)!, problem };
    });
  return { runId: newRunId(), root: ctx.project.root, dag: built.dag, steps };
}
