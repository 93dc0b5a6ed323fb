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
  runs,
  type FailureGroup,
  type FailureRow,
  type LastRun,
  type RunRow,
} from './queries.js';
import { readState, type StateGate } from './state-access.js';

export interface Sources {
  readonly view: ProjectView;
  readonly statePath: string;
  readonly gate?: StateGate | undefined;
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
  const read = await readState(src.statePath, src.gate, async (s) => ({
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
    live: readLiveStatus(src.statePath) ?? null,
  };
}

export interface RunsData {
  readonly runs: readonly RunRow[];
  readonly unavailable: Unavailable | null;
}

export async function runsData(src: Sources, limit: number): Promise<RunsData> {
  const read = await readState(src.statePath, src.gate, (s) => runs(s, limit));
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
  const read = await readState(src.statePath, src.gate, async (s) => ({
    runs: await runs(s, MODEL_PAGE_LIMITS.runs, model.name),
    groups: await failureGroups(s, model.name, MODEL_PAGE_LIMITS.groups),
    rows: await failureRows(s, model.name, search, MODEL_PAGE_LIMITS.rows),
  }));
  return {
    model,
    downstream: models.filter((m) => m.upstream.includes(model.name)).map((m) => m.name),
    runs: read.ok ? read.value.runs : [],
    failure_groups: read.ok ? read.value.groups : [],
    failures: read.ok ? read.value.rows : [],
    search,
    unavailable: read.ok ? null : { reason: read.reason, message: read.message },
  };
}
