// planDelta is `ebb plan`: for each selected tracked model, what a run would send — the
// counts of new, changed and deleted rows and a few samples with the fields that changed —
// computed from the model's literal tracked query (which its language's record reads: plan
// names no language), without running its script, sending or saving anything: the session is
// read-only (it writes temporary tables only, never the model's table or ebb's state). Only the upstream rebuild of `ebb plan` (prepare) writes,
// and it runs in a transaction that is rolled back.

import type { Shard } from '../detect/shard.js';
import { TrackedSession, type DeltaPage } from '../detect/tracked.js';
import { errorMessage } from '../errors.js';
import { bigintReplacer } from '../json.js';
import type { Model } from '../project/index.js';
import { fromDuckDB, type JsValue } from '../runtime/values.js';
import type { Store } from '../store/index.js';
import { languageOf } from './languages/index.js';
import type { RunPlan } from './plan.js';

export interface PlanSample {
  readonly change: 'new' | 'changed' | 'deleted';
  readonly key: Record<string, JsValue>;
  /** For changed rows: each changed field with its saved and new value. */
  readonly fields?: Record<string, { before: JsValue; after: JsValue }>;
  /** For new and deleted rows: the row. */
  readonly row?: Record<string, JsValue>;
}

export interface ModelPlan {
  readonly model: string;
  readonly file: string;
  readonly new: number;
  readonly changed: number;
  readonly deleted: number;
  readonly samples: readonly PlanSample[];
  readonly error?: string;
}

const SAMPLES = 3;
/** The first rows of the delta that samples are picked from: a page's worth would only cost more. */
const SAMPLE_FROM = 1000;

/**
 * prepare, when given, runs first inside a transaction that is rolled back after the model's
 * delta is read (ebb plan builds the model's upstream there, so the delta is the one a run
 * would find); without it (ebb status) nothing is written at all.
 */
export async function planDeltas(
  store: Store,
  plan: RunPlan,
  prepare?: (model: Model) => Promise<void>,
  shard?: Shard,
): Promise<ModelPlan[]> {
  const out: ModelPlan[] = [];
  for (const step of plan.steps) {
    if (step.model.kind !== 'tracked') continue;
    out.push(await planOne(store, step.model, plan.runId, prepare, shard));
  }
  return out;
}

async function planOne(
  store: Store,
  model: Model,
  runId: string,
  prepare?: (model: Model) => Promise<void>,
  shard?: Shard,
): Promise<ModelPlan> {
  const empty = { model: model.name, file: model.file, new: 0, changed: 0, deleted: 0, samples: [] };
  const query = languageOf(model).trackedQuery?.(model) ?? {
    unknown: `a ${model.language} model has no tracked query`,
  };
  if ('error' in query) return { ...empty, error: query.error };
  if ('unknown' in query) return { ...empty, error: `${model.file}: cannot plan: ${query.unknown}` };
  // A shard's plan is what its run would send: its keys only.
  const session = new TrackedSession(store, model, runId, { readOnly: true, shard });
  // Rebuilding the upstream writes tables: that happens in a transaction rolled back below.
  if (prepare) await store.exec('BEGIN TRANSACTION');
  try {
    await prepare?.(model);
    const counts = await session.computeDelta(query.sql, query.params);
    const samples: PlanSample[] = [];
    const delta = await session.page(0, SAMPLE_FROM);
    for (const change of ['changed', 'new'] as const) {
      for (const r of delta.rows.filter((x) => x.change === change).slice(0, SAMPLES))
        samples.push(sample(model, delta, r));
    }
    if (counts.deleted > 0) {
      const gone = await session.deletedPage(0, SAMPLES);
      for (const r of gone.rows) samples.push(sample(model, gone, r));
    }
    return { ...empty, ...counts, samples };
  } catch (err) {
    return { ...empty, error: errorMessage(err) };
  } finally {
    await session.close();
    if (prepare) await store.exec('ROLLBACK');
  }
}

function sample(model: Model, page: DeltaPage, r: DeltaPage['rows'][number]): PlanSample {
  const row: Record<string, JsValue> = {};
  page.columns.forEach((c, i) => (row[c] = fromDuckDB(r.values[i]!)));
  const key: Record<string, JsValue> = {};
  for (const k of model.uniqueKey) {
    // Key names match columns the way DuckDB does: without regard to case.
    const column = page.columns.find((c) => c.toLowerCase() === k.toLowerCase());
    key[k] = column === undefined ? null : (row[column] ?? null);
  }
  if (r.change !== 'changed') return { change: r.change, key, row };
  const before = (fromDuckDB(r.before) ?? {}) as Record<string, JsValue>;
  const fields: Record<string, { before: JsValue; after: JsValue }> = {};
  for (const [c, after] of Object.entries(row)) {
    const was = before[c] ?? null;
    if (JSON.stringify(was, bigintReplacer) !== JSON.stringify(after, bigintReplacer))
      fields[c] = { before: was, after };
  }
  for (const [c, was] of Object.entries(before)) {
    if (!(c in row) && was !== null) fields[c] = { before: was, after: null };
  }
  return { change: 'changed', key, fields };
}
