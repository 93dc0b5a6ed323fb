// validate checks a project without writing anything: every model parses, the DAG has no
// cycle, and every SQL model binds against its upstream models (inside a transaction
// that is always rolled back).

import { existsSync } from 'node:fs';
import { buildDag, type SqlSource } from '../dag/index.js';
import { errorMessage, ProjectError, type ProjectProblem } from '../errors.js';
import { quoteIdent, quotedTable, type Model } from '../project/index.js';
import { cleanDuckDBMessage, duckdbLine, Store } from '../store/index.js';
import type { Context } from './context.js';
import { modelSql } from './materialize.js';

export interface ValidateReport {
  readonly models: number;
  readonly problems: readonly ProjectProblem[];
}

/** Extra checks for non-SQL models (Starlark parsing), plugged in by the runtime. */
export type ModelCheck = (model: Model) => ProjectProblem[];

export async function validateProject(
  ctx: Context,
  options: { sqlOf?: SqlSource; check?: ModelCheck } = {},
): Promise<ValidateReport> {
  const useState = ctx.statePath !== ':memory:' && existsSync(ctx.statePath);
  const store = await Store.open({ path: useState ? ctx.statePath : ':memory:', root: ctx.project.root });
  try {
    const models = ctx.project.models;
    const problems: ProjectProblem[] = [];
    if (options.check) for (const m of models) problems.push(...options.check(m));
    const built = await buildDag(store, models, options.sqlOf);
    problems.push(...built.problems);
    const byName = new Map(models.map((m) => [m.name, m]));
    const order = built.dag.sorted((n) => byName.get(n)!.file);
    const broken = new Set(built.problems.map((p) => p.file));
    const bindable = order.map((n) => byName.get(n)!).filter((m) => m.language === 'sql' && !broken.has(m.file));
    const starSql = (options.sqlOf ? models.filter((m) => m.language === 'star' && !broken.has(m.file)) : [])
      .flatMap((m) => options.sqlOf!(m).map((q) => ({ model: m, ...q })));
    problems.push(...(await bindAll(store, bindable, starSql)));
    return { models: models.length, problems };
  } finally {
    store.close();
  }
}

/**
 * bindAll creates each SQL model as a view in dependency order, so each binds against its
 * upstream models' shapes; on an error it restarts the transaction and replays the models
 * that bound, so every problem is reported, not only the first.
 */
async function bindAll(
  store: Store,
  models: readonly Model[],
  starSql: ReadonlyArray<{ model: Model; sql: string; line: number }>,
): Promise<ProjectProblem[]> {
  const problems: ProjectProblem[] = [];
  const good: Model[] = [];
  await store.exec('BEGIN TRANSACTION');
  try {
    for (const model of models) {
      try {
        await bindOne(store, model);
        good.push(model);
      } catch (err) {
        const msg = errorMessage(err);
        const line = duckdbLine(msg);
        problems.push({ file: model.file, ...(line === undefined ? {} : { line }), message: cleanDuckDBMessage(msg) });
        await store.exec('ROLLBACK');
        await store.exec('BEGIN TRANSACTION');
        for (const g of good) await bindOne(store, g);
      }
    }
    // The literal SQL of .star models binds against the SQL models' shapes too.
    for (const q of starSql) {
      try {
        await store.columnsOf(q.sql);
      } catch (err) {
        const msg = errorMessage(err);
        problems.push({ file: q.model.file, line: q.line + (duckdbLine(msg) ?? 1) - 1, message: `query(): ${cleanDuckDBMessage(msg)}` });
      }
    }
  } finally {
    await store.exec('ROLLBACK');
  }
  return problems;
}

async function bindOne(store: Store, model: Model): Promise<void> {
  const sql = modelSql(model) + '\n';
  await store.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(model.schema)}`);
  const existing = await store.objectType(model.schema, model.table);
  if (existing === 'table') {
    // The model may read its own table (incremental models): bind without replacing it.
    await store.exec(`DESCRIBE ${sql}`);
    return;
  }
  await store.exec(`CREATE OR REPLACE VIEW ${quotedTable(model)} AS ${sql}`);
}

export function assertValid(report: ValidateReport): void {
  if (report.problems.length > 0) throw new ProjectError(report.problems);
}
