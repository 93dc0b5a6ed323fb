// A RunPlan is built before anything runs: which models, in which order, and the
// problems already known (a model whose SQL does not parse fails without running).

import type { EbbCode } from '../error-codes.js';
import { buildDag, select, type Dag, type SqlSource } from '../dag/index.js';
import { formatLocation, type ProjectProblem } from '../errors.js';
import type { Model } from '../project/index.js';
import type { Store } from '../store/index.js';
import type { Context } from './context.js';
import { languageOf, modelSqlOf } from './languages/index.js';
import { newRunId } from './result.js';

export interface PlanStep {
  readonly model: Model;
  /** Set when the model is known to fail before running (e.g. its SQL does not parse). */
  readonly problem?: string;
  /** The stable code of `problem` (EBB_SQL_SYNTAX, EBB_STAR_SYNTAX, …). */
  readonly problemCode?: EbbCode;
}

export interface RunPlan {
  readonly runId: string;
  readonly root: string;
  readonly dag: Dag;
  readonly steps: readonly PlanStep[];
  /** Every model of the project by name (selected or not: a step's upstream may not be). */
  readonly models: ReadonlyMap<string, Model>;
}

/** projectSqlOf gives the SQL every model reads, whatever its language. */
export const projectSqlOf: SqlSource = modelSqlOf;

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
  const problemOf = new Map<string, ProjectProblem>();
  const byFile = new Map(models.map((m) => [m.file, m]));
  for (const p of [...models.flatMap((m) => languageOf(m).check(m)), ...built.problems]) {
    const m = byFile.get(p.file);
    if (m && !problemOf.has(m.name)) problemOf.set(m.name, p);
  }
  const steps: PlanStep[] = order
    .filter((n) => chosen.has(n))
    .map((n) => {
      const p = problemOf.get(n);
      const model = byName.get(n)!;
      return p === undefined
        ? { model }
        : { model, problem: `${formatLocation(p)}: ${p.message}`, problemCode: p.code };
    });
  return { runId: newRunId(), root: ctx.project.root, dag: built.dag, steps, models: byName };
}
