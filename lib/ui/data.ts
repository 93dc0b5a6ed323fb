// What each page shows, as JSON: the pages render it and /api/… returns it as is. Every read of
// the state goes through readState (read-only, closed at once); when the state is busy the value
// says so and carries no state data, and the live status is read from the run's status file.

import { readLiveStatus, type LiveStatus } from './live.js';
import type { ModelInfo, ProjectView } from './project-view.js';
import {
  failureGroups,
  failureRows,
  lastRuns,
  pendingFailures,
  rejectedRows,
  runs,
  type FailureGroup,
  type FailureRow,
  type LastRun,
  type RunRow,
} from '../store/state/dashboard.js';
import { listRequests } from '../store/state/requests.js';
import { planRun, type Context } from '../run/index.js';
import { planDeltas, type ModelPlan } from '../run/plan-delta.js';
import { readState, type StateGate, type StatePlace } from './state-access.js';

export interface Sources {
  readonly view: ProjectView;
  /** The opened project: its root, its state's path, its project file's statements. */
  readonly ctx: Context;
  readonly gate?: StateGate | undefined;
}

function placeOf(src: Sources): StatePlace {
  return { statePath: src.ctx.statePath, root: src.ctx.project.root, gate: src.gate };
}

/** Why state data is missing from a value (busy: a run holds the state; missing: nothing ran yet). */
export interface Unavailable {
  readonly reason: 'busy' | 'missing';
  readonly message: string;
}

export interface ModelsData {
  readonly models: ReadonlyArray<ModelInfo & { last_run: LastRun | null; failures: number }>;
  readonly unavailable: Unavailable | null;
  readonly live: LiveStatus | null;
}

export async function modelsData(src: Sources): Promise<ModelsData> {
  const models = await src.view.models();
  const read = await readState(placeOf(src), async (s) => ({
    last: await lastRuns(s),
    failures: await pendingFailures(s),
  }));
  const state = read.ok ? read.value : undefined;
  return {
    models: models.map((m) => ({
      ...m,
      last_run: state?.last.get(m.name.toLowerCase()) ?? null,
      failures: state?.failures.get(m.name.toLowerCase()) ?? 0,
    })),
    unavailable: read.ok ? null : { reason: read.reason, message: read.message },
    live: readLiveStatus(src.ctx.statePath) ?? null,
  };
}

export interface RunsData {
  readonly runs: readonly RunRow[];
  readonly unavailable: Unavailable | null;
}

export async function runsData(src: Sources, limit: number): Promise<RunsData> {
  const read = await readState(placeOf(src), (s) => runs(s, limit));
  return read.ok
    ? { runs: read.value, unavailable: null }
    : { runs: [], unavailable: { reason: read.reason, message: read.message } };
}

export interface ModelData {
  readonly model: ModelInfo;
  readonly downstream: readonly string[];
  readonly runs: readonly RunRow[];
  readonly failure_groups: readonly FailureGroup[];
  readonly failures: readonly FailureRow[];
  /** How many of its rows the API rejected: "send rejected rows again" sends them next run. */
  readonly rejected: number;
  readonly search: string;
  readonly unavailable: Unavailable | null;
}

/** How many runs, failure groups and failed rows a model's page lists. */
export const MODEL_PAGE_LIMITS = { runs: 20, groups: 20, rows: 100 } as const;

/** modelData is undefined for a name that is not a model of the project. */
export async function modelData(src: Sources, name: string, search: string): Promise<ModelData | undefined> {
  const models = await src.view.models();
  const model = models.find((m) => m.name.toLowerCase() === name.toLowerCase());
  if (!model) return undefined;
  const read = await readState(placeOf(src), async (s) => ({
    runs: await runs(s, MODEL_PAGE_LIMITS.runs, model.name),
    groups: await failureGroups(s, model.name, MODEL_PAGE_LIMITS.groups),
    rows: await failureRows(s, model.name, search, MODEL_PAGE_LIMITS.rows),
    rejected: await rejectedRows(s, model.name),
  }));
  return {
    model,
    downstream: models.filter((m) => m.upstream.includes(model.name)).map((m) => m.name),
    runs: read.ok ? read.value.runs : [],
    failure_groups: read.ok ? read.value.groups : [],
    failures: read.ok ? read.value.rows : [],
    rejected: read.ok ? read.value.rejected : 0,
    search,
    unavailable: read.ok ? null : { reason: read.reason, message: read.message },
  };
}

export interface PlanData {
  /** What the next run of a tracked model would send; null for a model of another kind. */
  readonly plan: ModelPlan | null;
  readonly unavailable: Unavailable | null;
}

/**
 * planData is what the next run of a tracked model would send, from its upstream tables as they
 * are now (as `ebb status` says it; `ebb plan` rebuilds the upstream first, which needs the state
 * open for writing). Undefined for a name that is not a model of the project.
 */
export async function planData(src: Sources, name: string): Promise<PlanData | undefined> {
  const model = (await src.view.models()).find((m) => m.name.toLowerCase() === name.toLowerCase());
  if (!model) return undefined;
  if (model.kind !== 'tracked') return { plan: null, unavailable: null };
  const read = await readState(
    placeOf(src),
    async (store) => (await planDeltas(store, await planRun(src.ctx, store, [model.name])))[0] ?? null,
    src.ctx.setup?.steps,
  );
  return read.ok
    ? { plan: read.value, unavailable: null }
    : { plan: null, unavailable: { reason: read.reason, message: read.message } };
}

/** One logged attempt, as the request inspector shows it (URL and bodies already redacted). */
export interface RequestRow {
  readonly run_id: string;
  readonly sent_at: string;
  readonly method: string;
  readonly url: string;
  readonly status: number | null;
  readonly error: string | null;
  readonly attempt: number;
  readonly failed: boolean;
  readonly latency_ms: number;
  readonly request_body: string | null;
  readonly response_body: string | null;
}

export interface RequestsData {
  readonly model: ModelInfo;
  readonly failed_only: boolean;
  readonly requests: readonly RequestRow[];
  readonly unavailable: Unavailable | null;
}

/** How many logged attempts the request inspector lists. */
export const REQUESTS_PAGE_LIMIT = 200;

/** requestsData is a model's newest logged attempts (undefined for a name that is not a model). */
export async function requestsData(
  src: Sources,
  name: string,
  failedOnly: boolean,
): Promise<RequestsData | undefined> {
  const model = (await src.view.models()).find((m) => m.name.toLowerCase() === name.toLowerCase());
  if (!model) return undefined;
  const read = await readState(placeOf(src), (s) =>
    listRequests(s, { model: model.name, failedOnly, limit: REQUESTS_PAGE_LIMIT }),
  );
  return {
    model,
    failed_only: failedOnly,
    requests: read.ok ? (read.value as unknown as RequestRow[]) : [],
    unavailable: read.ok ? null : { reason: read.reason, message: read.message },
  };
}
