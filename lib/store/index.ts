export { quoteIdent, quotedTable, sqlString, sqlLiteral } from './quote.js';
export { Store, Cursor, type JsonRow, type Params, type StoreOptions } from './store.js';
export { referencedTables, lineOf, SqlParseError, type TableRef } from './sql-tables.js';
export { orderedBy } from './sql-order.js';
export { sourceRows } from './source-rows.js';
export { writeStaged, describeKey, type StagedTarget } from './write-staged.js';
export { cleanDuckDBMessage, duckdbErrorKind, duckdbLine } from './duckdb-message.js';
export { SCHEMA_VERSION } from './state/migrations.js';
export { recordRun, readHistory, lastRuns, lastSuccesses, type RunRecord } from './state/runs.js';
export {
  recordFailures,
  failureKeysAfter,
  clearFailures,
  clearFailure,
  stageKeyTexts,
  dropKeyTexts,
  listFailures,
  failureGroups,
  rejectedHashesSql,
  clearRejected,
  type FailureEntry,
  type FailureGroup,
} from './state/failures.js';
export {
  HASH_TYPE,
  TRACKING_COLUMNS,
  trackingColumnDdl,
  trackingColumnsDdl,
  readTrackedState,
  trackedKeyText,
  markTracked,
  createEmptyTracked,
  type TrackedState,
  type TrackedTarget,
} from './state/tracked.js';
export {
  recordRefresh,
  resetModelState,
  pendingRefreshes,
  type ResetTarget,
} from './state/refresh.js';
export { hideSecrets, type SetupStep } from './setup.js';
export { projectKey, setProjectKey } from './state/project-key.js';
export {
  recordRequests,
  pruneRequests,
  listRequests,
  type RequestEntry,
  type RequestQuery,
} from './state/requests.js';
export { readStateShard, recordStateShard, deliveredModels, type StateShard } from './state/shard.js';
export {
  attachState,
  trackedMetaOf,
  failureModelsOf,
  failureCount,
  copyFailures,
  copyStateMeta,
  secretsOf,
  type TrackedMeta,
} from './state/reshard-copy.js';
