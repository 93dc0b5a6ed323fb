export {
  missingRefs,
  openContext,
  setupOf,
  statePathFor,
  type Context,
  type ContextOptions,
} from './context.js';
export { planRun, type RunPlan, type PlanStep } from './plan.js';
export { execute, type ExecuteOptions } from './executor.js';
export { validateProject, assertValid, type ValidateReport } from './validate.js';
export { languageOf, type Language } from './languages/index.js';
export { resultLine, summaryLine, formatCount, formatSeconds, undeliveredRows } from './report.js';
export type { ModelResult, ModelStatus, RunSummary } from './result.js';
export { keepsState, resendsAll, resettable, resetModels, unfinishedRefresh } from './reset.js';
export { fromDuckDB, type JsValue } from '../runtime/values.js';
export type { ProgressSnapshot, ProgressSource } from '../runtime/progress.js';
export { upstreamBuilder } from './plan-upstream.js';
export { findLeftovers, type Leftover } from './leftovers.js';
export { listModels, type ModelListing } from './list.js';
export { RunTimeout } from './timeout.js';
export {
  checkShardFolder,
  checkShardedOpen,
  checkStateShard,
  commandShard,
  requestedShard,
  shardFiles,
  shardStatePath,
  type ShardFile,
} from './shard-state.js';
export {
  readRunStatus,
  runStatusPath,
  RunStatusWriter,
  type PublishedProgress,
  type RunStatus,
  type SeriesPoint,
} from './status-file.js';
export { retryRejected, type Retried } from './retry.js';
