export { openContext, statePathFor, type Context, type ContextOptions } from './context.js';
export { planRun, type RunPlan, type PlanStep } from './plan.js';
export { execute, type ExecuteOptions, type ModelRunner } from './executor.js';
export { validateProject, assertValid, type ValidateReport, type ModelCheck } from './validate.js';
export { readHistory } from './history.js';
export { resultLine, summaryLine, formatCount, formatSeconds } from './report.js';
export type { ModelResult, ModelStatus, RunSummary } from './result.js';
