// The executor walks a plan in dependency order. A failing model marks its dependents
// skipped; unrelated branches still run. Every model run is recorded in _ebb.runs. Each
// model runs through its language's record (lib/run/languages): the executor names none. An
// interrupted run (Ctrl-C) lets the current model finish its requests in flight, records it
// as interrupted and runs nothing more.

import { CODE, type EbbCode } from '../error-codes.js';
import { errorCode, errorMessage, PartialRunError, RUN_CODES } from '../errors.js';
import { RunTimeout } from './timeout.js';
import type { Model } from '../project/index.js';
import type { ModelRunOptions, RunHooks } from '../runtime/run-options.js';
import { recordRun, type Store } from '../store/index.js';
import { languageOf } from './languages/index.js';
import type { RunPlan } from './plan.js';
import type { ModelResult, RunSummary } from './result.js';

/** ExecuteOptions are the run's hooks (passed on to every model) and the executor's own. */
export interface ExecuteOptions extends RunHooks {
  readonly onResult?: (result: ModelResult) => void;
}

export async function execute(
  store: Store,
  plan: RunPlan,
  options: ExecuteOptions = {},
): Promise<RunSummary> {
  const started = performance.now();
  const results: ModelResult[] = [];
  const failed = new Set<string>();
  const runOptions: ModelRunOptions = { ...options, root: plan.root, env: options.env ?? process.env };
  for (const step of plan.steps) {
    if (options.signal?.aborted) break;
    const startedAt = new Date();
    const blocker = plan.dag.upstream(step.model.name).find((u) => failed.has(u));
    const result = step.problem
      ? errored(plan.runId, step.model, step.problem, step.problemCode ?? CODE.EBB_MODEL, 0)
      : blocker
        ? skipped(plan.runId, step.model, blocker)
        : await runModel(store, plan, step.model, runOptions);
    if (result.status !== 'ok') failed.add(step.model.name);
    await recordRun(store, result, startedAt);
    results.push(result);
    options.onResult?.(result);
  }
  return {
    run_id: plan.runId,
    results,
    duration_ms: Math.round(performance.now() - started),
    ...(options.signal?.aborted ? { interrupted: true } : {}),
    ...(options.signal?.reason instanceof RunTimeout ? { timed_out: true } : {}),
  };
}

/** runModel runs one model through its language's record, and turns what happened into its result. */
async function runModel(
  store: Store,
  plan: RunPlan,
  model: Model,
  options: ModelRunOptions,
): Promise<ModelResult> {
  const t0 = performance.now();
  try {
    store.noteModel(model.name);
    // DuckDB's threads, narrowed by a tracked model before this one, are set back for this one.
    await store.settleThreads();
    const upstream = plan.dag.upstream(model.name).flatMap((n) => plan.models.get(n) ?? []);
    const out = await languageOf(model).run(store, model, plan.runId, { ...options, upstream });
    return {
      run_id: plan.runId,
      model: model.name,
      kind: model.kind,
      file: model.file,
      status: 'ok',
      rows: out.rows,
      duration_ms: Math.round(performance.now() - t0),
      ...(out.details ? { details: out.details } : {}),
      ...(out.warning ? { warning: out.warning.message, warning_code: out.warning.code } : {}),
    };
  } catch (err) {
    const result = errored(
      plan.runId,
      model,
      errorMessage(err),
      errorCode(err),
      Math.round(performance.now() - t0),
    );
    return err instanceof PartialRunError ? partial(result, err, options.signal) : result;
  }
}

/** partial is the result of a model that failed or was interrupted after doing part of its work. */
function partial(result: ModelResult, err: PartialRunError, signal: AbortSignal | undefined): ModelResult {
  // What the model did before it failed counts: its acknowledgements are committed.
  const out: ModelResult = {
    ...result,
    status: err.interrupted ? 'interrupted' : 'error',
    rows: err.partial.rows,
    ...(err.partial.details ? { details: err.partial.details } : {}),
  };
  // A run stopped by its deadline (ebb run --timeout) says so, with its own code.
  const reason: unknown = signal?.reason;
  if (!err.interrupted || !(reason instanceof RunTimeout)) return out;
  return { ...out, error: `timed out after ${reason.what}: ${err.detail}`, code: CODE.EBB_TIMEOUT };
}

function skipped(runId: string, model: Model, blocker: string): ModelResult {
  return {
    run_id: runId,
    model: model.name,
    kind: model.kind,
    file: model.file,
    status: 'skipped',
    rows: null,
    duration_ms: 0,
    error: `upstream model ${blocker} failed`,
    code: RUN_CODES.upstreamFailed,
  };
}

function errored(
  runId: string,
  model: Model,
  message: string,
  code: EbbCode,
  durationMs: number,
): ModelResult {
  return {
    run_id: runId,
    model: model.name,
    kind: model.kind,
    file: model.file,
    status: 'error',
    rows: null,
    duration_ms: durationMs,
    error: message,
    code,
  };
}
