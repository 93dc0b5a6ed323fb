// `ebb serve`: one long-running process for a container or a VM. It runs the project file's
// schedules (one run at a time, a selection never overlapping itself; with --shard I/N as that
// shard, and with a coordinator — EBB_COORDINATOR, or ebb.yaml's coordinator: — sharing limits
// and locks, as ebb run does), serves the dashboard (behind the token printed at start; kept off
// the state while a scheduled run writes it), /metrics and /healthz, sends alerts when a model's
// health changes, and on SIGTERM or Ctrl-C stops like `ebb run` does (no new requests, those in
// flight finish, their acks are committed), then exits 0.

import { ProjectError } from '../errors.js';
import { Redactor } from '../redact.js';
import { Alerter } from '../serve/alerts.js';
import { firstErrors } from '../serve/first-errors.js';
import { listen } from '../serve/http.js';
import { Metrics, type ModelReport } from '../serve/metrics.js';
import { Scheduler } from '../serve/scheduler.js';
import { newToken } from '../ui/auth.js';
import { modelsData } from '../ui/data.js';
import { ProjectView } from '../ui/project-view.js';
import { dashboard } from '../ui/server.js';
import { statePathKey } from '../ui/state-access.js';
import { holdTurn } from '../ui/state-turns.js';
import type { Schedule } from '../project/index.js';
import { guarded, type GlobalOptions, type IO } from './io.js';
import { connectCoordinator } from './coordinator.js';
import { runCommand } from './run.js';
import type { PostgresCoordinator } from '../coordinate/postgres.js';
import type { ConnectedCoordinator } from './coordinator.js';
import type { Shard } from '../detect/shard.js';
import {
  checkShardFolder,
  missingRefs,
  openContext,
  requestedShard,
  shardStatePath,
  type Context,
} from '../run/index.js';
import { untilStopped } from './until-stopped.js';

export interface ServeOptions extends GlobalOptions {
  readonly host?: string | undefined;
  readonly port?: number | undefined;
  /** Stops the server like SIGTERM (tests). */
  readonly signal?: AbortSignal | undefined;
  /** --shard I/N as given (else EBB_SHARD): the scheduled runs are that shard's, as ebb run --shard I/N. */
  readonly shardSpec?: string | undefined;
}

/** The port /metrics and /healthz listen on unless --port says otherwise. */
export const DEFAULT_SERVE_PORT = 8420;
/** How often scheduled models are checked for staleness (alerts.stale_after). */
const STALE_CHECK_MS = 30_000; // ms

export function serveCommand(options: ServeOptions, io: IO): Promise<number> {
  return guarded(io, () => serve(options, io), options.json === true);
}

async function serve(options: ServeOptions, io: IO): Promise<number> {
  const ctx = openContext(options);
  const missing = ctx.setup?.missingForServe ?? [];
  if (missing.length > 0) throw new ProjectError(missingRefs(ctx.project, missing));
  // Read once, so a bad --shard stops the start; each scheduled run checks the folder as ebb run does.
  const shard = requestedShard(options.shardSpec, options.env ?? process.env);
  // Schedules that every run would refuse (a sharded folder without --shard, another N) stop the
  // start with the fix instead; a dashboard without schedules may look at any folder.
  if ((ctx.project.file?.schedules ?? []).length > 0) checkShardFolder(ctx.statePath, shard);
  // One coordinator for every scheduled run, connected now: an unreachable one stops the start.
  const connected = await connectCoordinator(options.env ?? process.env, ctx);
  try {
    return await serveWith(options, io, ctx, shard, connected);
  } finally {
    await connected?.coordinator.close();
  }
}

/** serveWith runs the schedules and serves until stopped, with the coordinator (if any) open. */
async function serveWith(
  options: ServeOptions,
  io: IO,
  ctx: Context,
  shard: Shard | undefined,
  connected: ConnectedCoordinator | undefined,
): Promise<number> {
  const coordinator = connected?.coordinator;
  const schedules = ctx.project.file?.schedules ?? [];
  // The project file's secrets, in every form they travel in (lib/secret-forms.ts).
  const redactor = new Redactor(ctx.setup?.secrets ?? []);
  const alerts = ctx.setup?.alerts;
  const metrics = new Metrics();
  const alerter = new Alerter(
    alerts ?? {},
    (t) => redactor.redact(t),
    (l) => io.stderr(`serve: ${l}\n`),
  );
  const stop = new AbortController();
  // The file this process's runs write: a sharded folder's other files are other workers'.
  const statePath = shard === undefined ? ctx.statePath : shardStatePath(ctx.statePath, shard);
  const runs = new ScheduledRuns(
    ctx.project.root,
    {
      ...options,
      shardSpec: shard === undefined ? undefined : `${shard.index}/${shard.count}`,
      coordinator,
      statePath,
      alerting: alerts?.slack !== undefined || alerts?.webhook !== undefined,
    },
    io,
    metrics,
    alerter,
    stop.signal,
  );
  const scheduler = new Scheduler(schedules, (s) => runs.run(s));
  const token = newToken();
  const view = new ProjectView(ctx.project.root);
  await modelsData({ view, ctx }); // the first page's costs paid before it is asked for
  const listening = await listen(
    {
      dashboard: dashboard({ view, ctx, token }),
      metrics: () => metrics.render(),
      health: () => ({ status: 'ok', schedules: runs.health(scheduler) }),
    },
    options.host ?? '127.0.0.1',
    options.port ?? DEFAULT_SERVE_PORT,
  );
  const staleTimer = watchStale(alerts?.staleAfterMs, runs, metrics, alerter);
  io.stderr(
    `ebb serve: ${schedules.length} ${schedules.length === 1 ? 'schedule' : 'schedules'}` +
      `${shard === undefined ? '' : ` run as shard ${shard.index}/${shard.count}`}` +
      `${connected === undefined ? '' : `, sharing limits and locks through ${connected.from}`}; ` +
      `${listening.url}/metrics and ${listening.url}/healthz (SIGTERM or Ctrl-C stops)\n` +
      `serve: the dashboard: ${listening.url}/?token=${token}\n`,
  );
  if (schedules.length === 0) io.stderr('serve: ebb.yaml has no schedules: nothing will run\n');
  scheduler.start();
  await untilStopped(options.signal);
  io.stderr('serve: stopping: the run in progress finishes its requests in flight\n');
  stop.abort();
  clearInterval(staleTimer);
  await scheduler.stop();
  await alerter.settled();
  await listening.close();
  return 0;
}

/** watchStale checks the scheduled models' last success every so often (alerts.stale_after). */
function watchStale(
  staleAfterMs: number | undefined,
  runs: ScheduledRuns,
  metrics: Metrics,
  alerter: Alerter,
): NodeJS.Timeout | undefined {
  if (staleAfterMs === undefined) return undefined;
  const started = Date.now();
  return setInterval(
    () => {
      for (const model of runs.models) {
        const since = Date.now() - (metrics.lastSuccess(model) ?? started);
        if (since > staleAfterMs) alerter.stale(model, since);
      }
    },
    Math.min(STALE_CHECK_MS, staleAfterMs),
  );
}

/** What every scheduled run is given besides the command's options: the coordinator kept open. */
interface ScheduledOptions extends ServeOptions {
  readonly coordinator: PostgresCoordinator | undefined;
  /** The state file the runs write (this shard's, when sharded): the file whose turn they hold. */
  readonly statePath: string;
  /** Alerts go somewhere: a model with failed rows has its first errors read for them. */
  readonly alerting: boolean;
}

/**
 * ScheduledRuns runs one schedule's selection as `ebb run --json` would, and feeds metrics and
 * alerts. It holds the state file's turn (lib/ui/state-turns.ts) while a run writes it, which
 * keeps the dashboard off the file.
 */
class ScheduledRuns {
  /** The models the schedules have run (checked for staleness). */
  readonly models = new Set<string>();
  readonly #last = new Map<string, { code: number; at: string }>();
  readonly #root: string;
  readonly #options: ScheduledOptions;
  readonly #io: IO;
  readonly #metrics: Metrics;
  readonly #alerter: Alerter;
  readonly #signal: AbortSignal;

  constructor(
    root: string,
    options: ScheduledOptions,
    io: IO,
    metrics: Metrics,
    alerter: Alerter,
    signal: AbortSignal,
  ) {
    this.#root = root;
    this.#options = options;
    this.#io = io;
    this.#metrics = metrics;
    this.#alerter = alerter;
    this.#signal = signal;
  }

  async run(schedule: Schedule): Promise<void> {
    // The file's turn, alone: the dashboard's reads in progress end first, new ones say busy.
    const release = await holdTurn(statePathKey(this.#options.statePath));
    try {
      await this.#run(schedule);
    } finally {
      release();
    }
  }

  async #run(schedule: Schedule): Promise<void> {
    const select = schedule.select.join(' ');
    this.#metrics.runStarted();
    const reports: ModelReport[] = [];
    const t0 = Date.now();
    const code = await runCommand(
      {
        cwd: this.#options.cwd,
        project: this.#root,
        state: this.#options.state,
        env: this.#options.env ?? process.env,
        selectors: schedule.select,
        shardSpec: this.#options.shardSpec,
        coordinator: this.#options.coordinator,
        json: true,
        quiet: true,
        signal: this.#signal,
        onAttempt: (_model, e) => this.#metrics.requests.attempt(e),
        onTrip: (_model, trip) => this.#metrics.requests.trip(trip),
      },
      captureRun(this.#io, reports),
    );
    for (const r of reports) this.models.add(r.model);
    this.#metrics.runEnded(runStatus(code), reports);
    // Read while the turn is held: the run has closed the state, no dashboard read has opened it.
    const errors = this.#options.alerting
      ? await firstErrors({ statePath: this.#options.statePath, root: this.#root }, reports)
      : new Map<string, string>();
    for (const r of reports) {
      const error = errors.get(r.model);
      this.#alerter.observe(error === undefined ? r : { ...r, error });
    }
    this.#last.set(select, { code, at: new Date().toISOString() });
    this.#io.stderr(`serve: ran ${select}: exit ${code} in ${((Date.now() - t0) / 1000).toFixed(1)}s\n`);
  }

  /** health is /healthz's view of each schedule: its next tick and its last run. */
  health(scheduler: Scheduler): unknown[] {
    return scheduler.nextTicks().map((n) => {
      const select = n.schedule.select.join(' ');
      return { select, next: n.next?.toISOString() ?? null, last: this.#last.get(select) ?? null };
    });
  }
}

/** runStatus names how a scheduled run ended, from `ebb run`'s exit code (3: rows failed or were rejected). */
function runStatus(code: number): 'ok' | 'failed' | 'rows' | 'interrupted' {
  return code === 0 ? 'ok' : code === 3 ? 'rows' : code === 130 ? 'interrupted' : 'failed';
}

/** captureRun is the IO of a scheduled run: its --json model lines are collected, its stderr passed on. */
function captureRun(io: IO, reports: ModelReport[]): IO {
  let partial = '';
  return {
    stdout: (text) => {
      partial += text;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (line === '') continue;
        const value = JSON.parse(line) as Record<string, unknown>;
        if (typeof value['model'] === 'string') reports.push(value as ModelReport);
      }
    },
    stderr: (text) => io.stderr(text),
  };
}
