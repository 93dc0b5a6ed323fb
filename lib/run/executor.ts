// The executor walks a plan in dependency order. A failing model marks its dependents
// skipped; unrelated branches still run. Every model run is recorded in _ebb.runs. Each
// model runs through its language's record (lib/run/languages): the executor names none. An
// interrupted run (Ctrl-C) lets the current model finish its requests in flight, records it
// as interrupted and runs nothing more.

import { errorCode, errorMessage, PartialRunError, RUN_CODES } from '../errors.js';
import { RunTimeout } from './timeout.js';
import type { Model } from '../project/index.js';
import type { Transport } from '../send/types.js';
import type { ProgressSource } from '../runtime/progress.js';
import { recordRun, type Store } from '../store/index.js';
import { languageOf } from './languages/index.js';
import type { RunPlan } from './plan.js';
import type { ModelResult, RunSummary } from './result.js';

export interface ExecuteOptions {
  readonly onResult?: (result: ModelResult) => void;
  /** A line a .star model printed (secrets already redacted). */
  readonly onPrint?: (model: Model, line: string) => void;
  /** Called as a model that can send (.star) starts, with a reader of its progress. */
  readonly onProgress?: (model: Model, progress: ProgressSource) => void;
  /** The environment .star models see through env.get() (besides the project's .env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Where .star models' requests go (default: a new UndiciTransport per model, closed at its end). */
  readonly transport?: Transport | undefined;
  /** Aborting it (Ctrl-C) stops the run: no new requests, successful acks committed, status interrupted. */
  readonly signal?: AbortSignal | undefined;
}

export async function execute(
  store: Store,
  plan: RunPlan,
  options: ExecuteOptions = {},
): Promise<RunSummary> {
  const started = performance.now();
  const results: ModelResult[] = [];
  const failed = new Set<string>();
  const runOptions = {
    root: plan.root,
    env: options.env ?? process.env,
    ...(options.onPrint ? { onPrint: options.onPrint } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    transport: options.transport,
    signal: options.signal,
  };
  for (const step of plan.steps) {
    if (options.signal?.aborted) break;
    const model = step.model;
    const t0 = performance.now();
    const startedAt = new Date();
    const blocker = plan.dag.upstream(model.name).find((u) => failed.has(u));
    let result: ModelResult;
    if (step.problem) {
      result = errored(plan.runId, model, step.problem, step.problemCode ?? 'EBB_MODEL', 0);
    } else if (blocker) {
      result = {
        run_id: plan.runId,
        model: model.name,
        kind: model.kind,
        file: model.file,
        status: 'skipped',
        rows: null,
        duration_ms: 0,
        error: `upstream model ${blocker} failed`,
        code: RUN_CODES.upstreamFailed,
      };
    } else {
      try {
        store.noteModel(model.name);
        const upstream = plan.dag.upstream(model.name).flatMap((n) => plan.models.get(n) ?? []);
        const out = await languageOf(model).run(store, model, plan.runId, { ...runOptions, upstream });
        result = {
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
        result = errored(
          plan.runId,
          model,
          errorMessage(err),
          errorCode(err),
          Math.round(performance.now() - t0),
        );
        if (err instanceof PartialRunError) {
          // What the model did before it failed counts: its acknowledgements are committed.
          result = {
            ...result,
            status: err.interrupted ? 'interrupted' : 'error',
            rows: err.partial.rows,
            ...(err.partial.details ? { details: err.partial.details } : {}),
          };
          // A run stopped by its deadline (ebb run --timeout) says so, with its own code.
          const reason: unknown = options.signal?.reason;
          if (err.interrupted && reason instanceof RunTimeout) {
            result = {
              ...result,
              error: `timed out after ${reason.what}: ${err.detail}`,
              code: 'EBB_TIMEOUT',
            };
          }
        }
      }
    }
    if (result.status !== 'ok') failed.add(model.name);
    await recordRun(store, result, startedAt);
    results.push(result);
    options.onResult?.(result);
  }
  return {
    run_id: plan.runId,
    results,
    duration_ms: Math.round(performance.now() - started),
    ...(options.signal?.aborted ? { interrupted: true } : {}),
    ...(options.signal?.reason instanceof RunTimeout ? { timedOut: true } : {}),
  };
}

function errored(
  runId: string,
  model: Model,
  message: string,
  code: string,
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
