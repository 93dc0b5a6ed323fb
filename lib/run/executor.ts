// The executor walks a plan in dependency order. A failing model marks its dependents
// skipped; unrelated branches still run. Every model run is recorded in _ebb.runs.

import { errorMessage, ModelRunError } from '../errors.js';
import { runStarModel } from '../runtime/star-runner.js';
import type { Model } from '../project/index.js';
import type { Store } from '../store/index.js';
import { materializeSql } from './materialize.js';
import type { RunPlan } from './plan.js';
import type { ModelResult, RunSummary } from './result.js';

/** A runner for one model language; SQL is built in, Starlark plugs in here. */
export type ModelRunner = (store: Store, model: Model, runId: string) => Promise<{
  rows: number | null;
  details?: Record<string, number>;
}>;

export interface ExecuteOptions {
  readonly onResult?: (result: ModelResult) => void;
  /** A line a .star model printed (secrets already redacted). */
  readonly onPrint?: (model: Model, line: string) => void;
  /** Progress of a tracked model through its delta. */
  readonly onProgress?: (model: Model, done: number, total: number) => void;
  /** The environment .star models see through env.get() (besides the project's .env). */
  readonly env?: NodeJS.ProcessEnv;
}

const sqlRunner: ModelRunner = async (store, model) => ({ rows: await materializeSql(store, model) });

export async function execute(store: Store, plan: RunPlan, options: ExecuteOptions = {}): Promise<RunSummary> {
  const started = performance.now();
  const results: ModelResult[] = [];
  const failed = new Set<string>();
  const starRunner: ModelRunner = (st, model, runId) =>
    runStarModel(st, model, runId, {
      root: plan.root,
      env: options.env ?? process.env,
      ...(options.onPrint ? { onPrint: options.onPrint } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  const runners: Record<Model['language'], ModelRunner> = { sql: sqlRunner, star: starRunner };
  for (const step of plan.steps) {
    const model = step.model;
    const t0 = performance.now();
    const startedAt = new Date();
    const blocker = plan.dag.upstream(model.name).find((u) => failed.has(u));
    let result: ModelResult;
    if (step.problem) {
      result = errored(plan.runId, model, step.problem, 0);
    } else if (blocker) {
      result = {
        run_id: plan.runId, model: model.name, kind: model.kind, file: model.file,
        status: 'skipped', rows: null, duration_ms: 0,
        error: `upstream model ${blocker} failed`,
      };
    } else {
      try {
        const out = await runners[model.language](store, model, plan.runId);
        result = {
          run_id: plan.runId, model: model.name, kind: model.kind, file: model.file,
          status: 'ok', rows: out.rows, duration_ms: Math.round(performance.now() - t0),
          ...(out.details ? { details: out.details } : {}),
        };
      } catch (err) {
        result = errored(plan.runId, model, errorMessage(err), Math.round(performance.now() - t0));
        // A tracked run that failed half-way still reports its delta and what it saved.
        if (err instanceof ModelRunError) result = { ...result, rows: err.rows, details: err.details };
      }
    }
    if (result.status !== 'ok') failed.add(model.name);
    await record(store, result, startedAt);
    results.push(result);
    options.onResult?.(result);
  }
  return { run_id: plan.runId, results, duration_ms: Math.round(performance.now() - started) };
}

function errored(runId: string, model: Model, message: string, durationMs: number): ModelResult {
  return {
    run_id: runId, model: model.name, kind: model.kind, file: model.file,
    status: 'error', rows: null, duration_ms: durationMs, error: message,
  };
}

async function record(store: Store, r: ModelResult, startedAt: Date): Promise<void> {
  await store.exec(
    `INSERT INTO _ebb.runs (run_id, model, kind, status, rows, duration_ms, error, started_at, finished_at, details)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?::TIMESTAMPTZ, now(), ?::JSON)`,
    [
      r.run_id, r.model, r.kind, r.status,
      r.rows === null ? null : BigInt(r.rows),
      BigInt(r.duration_ms),
      r.error ?? null,
      startedAt.toISOString(),
      r.details ? JSON.stringify(r.details) : null,
    ],
  );
}
