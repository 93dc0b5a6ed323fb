// What each page shows, as JSON: the pages render it and /api/… returns it as is. Every read of
// the state goes through readState (read-only, closed at once); when the state is busy the value
// says so and carries no state data, and the live status is read from the run's status file. A
// sharded state folder is read shard by shard (./shard-places.ts): a model's figures are its
// totals, with each shard's beside them, and runs, failures and requests carry their shard.

import type { LiveStatus } from './live.js';
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
import { liveOf, newestFirst, readPlaces, type PlaceSource, type PlacesRead } from './shard-places.js';

export interface Sources extends PlaceSource {
  readonly view: ProjectView;
  /** The opened project: its root, its (unsharded) state's path, its project file's statements. */
  readonly ctx: Context;
}

/** A row read from one shard of a sharded state carries its shard ("I/N"). */
export type InShard<T> = T & { readonly shard?: string };

/** inShards flattens the rows of every shard read, each labelled with its shard when sharded. */
function inShards<T, R>(read: PlacesRead<T>, rows: (value: T) => readonly R[]): Array<InShard<R>> {
  return read.parts.flatMap((p) =>
    rows(p.value).map((r) => (read.sharded ? { ...r, shard: p.shard! } : r) as InShard<R>),
  );
}

/** onceEach drops the copies of a run ebb reshard gave every new shard file. */
function onceEach(runs: ReadonlyArray<InShard<RunRow>>): Array<InShard<RunRow>> {
  const seen = new Set<string>();
  return runs.filter((r) => {
    const id = `${r.run_id}\u0000${r.model}\u0000${r.started_at}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** runsOf is the newest `limit` runs over every shard read, each once. */
function runsOf(read: PlacesRead<{ runs: readonly RunRow[] }>, limit: number): Array<InShard<RunRow>> {
  return newestFirst(onceEach(inShards(read, (v) => v.runs)), (r) => r.started_at, limit);
}

const sum = (ns: readonly number[]) => ns.reduce((a, b) => a + b, 0);

/** Why state data is missing from a value (busy: a run holds the state; missing: nothing ran yet). */
export interface Unavailable {
  readonly reason: 'busy' | 'missing';
  readonly message: string;
}

/** A model's last run and failed rows in one shard of a sharded state. */
export interface ModelInShard {
  readonly shard: string;
  readonly last_run: LastRun | null;
  readonly failures: number;
}

export interface ModelsData {
  /** Per model its newest run and failed rows over every shard; `shards`: each shard's, when sharded. */
  readonly models: ReadonlyArray<
    ModelInfo & { last_run: LastRun | null; failures: number; shards?: readonly ModelInShard[] }
  >;
  readonly unavailable: Unavailable | null;
  readonly live: LiveStatus | null;
}

export async function modelsData(src: Sources): Promise<ModelsData> {
  const models = await src.view.models();
  const read = await readPlaces(src, async (s) => ({
    last: await lastRuns(s),
    failures: await pendingFailures(s),
  }));
  return {
    models: models.map((m) => {
      const key = m.name.toLowerCase();
      const per = read.parts.map((p) => ({
        shard: p.shard ?? '',
        last_run: p.value.last.get(key) ?? null,
        failures: p.value.failures.get(key) ?? 0,
      }));
      const last = newestFirst(
        per.flatMap((x) => (x.last_run === null ? [] : [x.last_run])),
        (r) => r.started_at,
        1,
      );
      return {
        ...m,
        last_run: last[0] ?? null,
        failures: sum(per.map((x) => x.failures)),
        ...(read.sharded ? { shards: per } : {}),
      };
    }),
    unavailable: read.unavailable,
    live: liveOf(src) ?? null,
  };
}

export interface RunsData {
  readonly runs: ReadonlyArray<InShard<RunRow>>;
  readonly unavailable: Unavailable | null;
}

export async function runsData(src: Sources, limit: number): Promise<RunsData> {
  const read = await readPlaces(src, async (s) => ({ runs: await runs(s, limit) }));
  return { runs: runsOf(read, limit), unavailable: read.unavailable };
}

export interface ModelData {
  readonly model: ModelInfo;
  readonly downstream: readonly string[];
  readonly runs: ReadonlyArray<InShard<RunRow>>;
  readonly failure_groups: ReadonlyArray<InShard<FailureGroup>>;
  readonly failures: ReadonlyArray<InShard<FailureRow>>;
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
  const read = await readPlaces(src, async (s) => ({
    runs: await runs(s, MODEL_PAGE_LIMITS.runs, model.name),
    groups: await failureGroups(s, model.name, MODEL_PAGE_LIMITS.groups),
    rows: await failureRows(s, model.name, search, MODEL_PAGE_LIMITS.rows),
    rejected: await rejectedRows(s, model.name),
  }));
  return {
    model,
    downstream: models.filter((m) => m.upstream.includes(model.name)).map((m) => m.name),
    runs: runsOf(read, MODEL_PAGE_LIMITS.runs),
    failure_groups: read.sharded
      ? inShards(read, (v) => v.groups)
          .sort((a, b) => b.rows - a.rows)
          .slice(0, MODEL_PAGE_LIMITS.groups)
      : inShards(read, (v) => v.groups),
    failures: inShards(read, (v) => v.rows).slice(0, MODEL_PAGE_LIMITS.rows),
    rejected: sum(read.parts.map((p) => p.value.rejected)),
    search,
    unavailable: read.unavailable,
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
  const read = await readPlaces(
    src,
    async (store, place) =>
      (await planDeltas(store, await planRun(src.ctx, store, [model.name]), undefined, place.shard))[0] ??
      null,
    src.ctx.setup?.steps,
  );
  const plans = read.parts.flatMap((p) => (p.value === null ? [] : [p.value]));
  return { plan: read.sharded ? summedPlan(plans) : (plans[0] ?? null), unavailable: read.unavailable };
}

/** summedPlan adds up what each shard's next run would send (the first shard's error, if any, stands for all). */
function summedPlan(plans: readonly ModelPlan[]): ModelPlan | null {
  const first = plans[0];
  if (first === undefined) return null;
  const failed = plans.find((p) => p.error !== undefined);
  if (failed !== undefined) return failed;
  return {
    ...first,
    new: sum(plans.map((p) => p.new)),
    changed: sum(plans.map((p) => p.changed)),
    deleted: sum(plans.map((p) => p.deleted)),
    samples: plans.flatMap((p) => p.samples).slice(0, Math.max(...plans.map((p) => p.samples.length))),
  };
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
  readonly requests: ReadonlyArray<InShard<RequestRow>>;
  readonly unavailable: Unavailable | null;
}

/** How many logged attempts the request inspector lists (the log keeps as many successes per model: KEEP_OK, lib/runtime/request-log.ts). */
export const REQUESTS_PAGE_LIMIT = 200;

/** requestsData is a model's newest logged attempts (undefined for a name that is not a model). */
export async function requestsData(
  src: Sources,
  name: string,
  failedOnly: boolean,
): Promise<RequestsData | undefined> {
  const model = (await src.view.models()).find((m) => m.name.toLowerCase() === name.toLowerCase());
  if (!model) return undefined;
  const read = await readPlaces(src, async (s) => ({
    requests: (await listRequests(s, {
      model: model.name,
      failedOnly,
      limit: REQUESTS_PAGE_LIMIT,
    })) as unknown as RequestRow[],
  }));
  return {
    model,
    failed_only: failedOnly,
    requests: newestFirst(
      inShards(read, (v) => v.requests),
      (r) => r.sent_at,
      REQUESTS_PAGE_LIMIT,
    ),
    unavailable: read.unavailable,
  };
}
