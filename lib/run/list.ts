// listModels is `ebb ls`: every model with its kind, language, file, the models it reads,
// and its last run (from _ebb.runs), without running anything.

import { buildDag } from '../dag/index.js';
import type { ModelKind, ModelLanguage } from '../project/index.js';
import { lastRuns, type Store } from '../store/index.js';
import type { Context } from './context.js';
import { modelSqlOf } from './languages/index.js';

export interface ModelListing {
  readonly model: string;
  readonly kind: ModelKind;
  readonly language: ModelLanguage;
  readonly file: string;
  /** Models it reads. */
  readonly depends_on: readonly string[];
  /** Tables it reads that no model builds (sources), as named in its SQL. */
  readonly reads: readonly string[];
  readonly last_run: {
    readonly run_id: string;
    readonly status: string;
    readonly rows: number | null;
    readonly started_at: string;
  } | null;
}

export async function listModels(ctx: Context, store: Store): Promise<ModelListing[]> {
  const models = ctx.project.models;
  const built = await buildDag(store, models, modelSqlOf);
  const runs = await lastRuns(store);
  const lastRun = (name: string): ModelListing['last_run'] => {
    const r = runs.get(name.toLowerCase());
    if (r === undefined) return null;
    return {
      run_id: String(r['run_id']),
      status: String(r['status']),
      rows: r['rows'] === null ? null : Number(r['rows']),
      started_at: String(r['started_at']),
    };
  };
  return models.map((m) => ({
    model: m.name,
    kind: m.kind,
    language: m.language,
    file: m.file,
    depends_on: built.dag.upstream(m.name),
    reads: built.external.get(m.name) ?? [],
    last_run: lastRun(m.name),
  }));
}
