// `ebb run [models…]`: run models in dependency order. Result lines and progress go to
// stderr; --json writes one line per model run on stdout, then one summary line.

import { debugLog } from '../debug.js';
import { UsageError } from '../errors.js';
import { jsonText } from '../json.js';
import { shardText } from '../detect/shard.js';
import {
  checkShardFolder,
  checkStateShard,
  statePathFor,
  requestedShard,
  execute,
  findLeftovers,
  planRun,
  resendsAll,
  resetModels,
  resettable,
  unfinishedRefresh,
  resultLine,
  RunStatusWriter,
  RunTimeout,
  summaryLine,
  undeliveredRows,
  type Leftover,
  type ModelResult,
  type ModelStatus,
  type RunPlan,
  type RunSummary,
} from '../run/index.js';
import { parseDuration, projectName } from '../project/index.js';
import type { PostgresCoordinator } from '../coordinate/postgres.js';
import type { Transport } from '../send/index.js';
import type { Context } from '../run/index.js';
import type { RunHooks } from '../runtime/run-options.js';
import type { Store } from '../store/index.js';
import { connectCoordinator } from './coordinator.js';
import { reportError, withProject, type GlobalOptions, type IO } from './io.js';
import { withOfflineProject } from './offline.js';
import { ProgressTicker } from './progress.js';
import { VirtualClock } from '../runtime/virtual-clock.js';

export interface RunOptions extends GlobalOptions {
  readonly selectors: readonly string[];
  /** Forget what the selected models hold (tracked: what was delivered) before running. */
  readonly fullRefresh?: boolean | undefined;
  /** Do not ask for confirmation of --full-refresh on a terminal. */
  readonly yes?: boolean | undefined;
  /** --offline FILE (and --responses FILE): record requests instead of sending them, on a scratch copy of the state. */
  readonly offline?: string | undefined;
  readonly responses?: string | undefined;
  /** Stops the run like Ctrl-C (besides SIGINT/SIGTERM, which are handled here). */
  readonly signal?: AbortSignal | undefined;
  /** --timeout: stop the run like Ctrl-C after this long (e.g. "10m"), and exit TIMEOUT_EXIT. */
  readonly timeout?: string | undefined;
  /** --quiet: no progress and no line per model that went well; errors and warnings are still printed. */
  readonly quiet?: boolean | undefined;
  /** Each finished HTTP attempt of a .star model (`ebb serve` counts them in /metrics). */
  readonly onAttempt?: RunHooks['onAttempt'];
  /** An origin whose breaker opened during the run (`ebb serve`'s metrics). */
  readonly onTrip?: RunHooks['onTrip'];
  /** --shard I/N as given (else EBB_SHARD): run only the keys of shard I of N, on that shard's state file. */
  readonly shardSpec?: string | undefined;
  /** A coordinator the caller keeps open across runs (ebb serve): used instead of connecting to the project's (./coordinator.ts), and not closed. */
  readonly coordinator?: PostgresCoordinator | undefined;
  /** Called with each line a model prints (redacted), besides printing it: for a caller that keeps them. */
  readonly onPrint?: ((model: string, line: string) => void) | undefined;
}

/** The exit code of a run stopped by Ctrl-C (128 + SIGINT), as shells expect. */
export const INTERRUPTED_EXIT = 130;
/** The exit code of a run stopped by --timeout (as the timeout(1) command). */
export const TIMEOUT_EXIT = 124;
/** Every model ran, but rows failed to deliver or were rejected by the API (see ebb status). */
export const ROWS_EXIT = 3;

/**
 * runCommand is `ebb run [models…]`: exit 0 when every model ran, 1 otherwise, 130 when
 * stopped by Ctrl-C (SIGINT/SIGTERM): no new requests, those in flight finish or time out,
 * the acknowledgements of successful ones are committed and the run is recorded as
 * interrupted. A second Ctrl-C quits at once (the next run sends whatever was not recorded).
 */
export async function runCommand(given: RunOptions, io: IO): Promise<number> {
  let stop: RunStop;
  let options: RunOptions;
  try {
    options = await withShard(given);
    stop = runStop(options, io);
  } catch (err) {
    return reportError(io, err, given.json);
  }
  // --offline: the same run on a scratch copy of the state, its requests recorded (lib/commands/offline.ts).
  const body = (ctx: Context, store: Store, transport?: Transport) =>
    runBody(ctx, store, transport, options, io, stop.signal);
  const command = options.shard === undefined ? 'run' : `run --shard ${shardText(options.shard)}`;
  const done =
    options.offline === undefined
      ? withProject(options, io, body, command)
      : withOfflineProject(options, io, body);
  return done.finally(() => stop.dispose());
}

/**
 * withShard reads the run's shard (--shard wins over EBB_SHARD) and checks, from file names
 * alone, that the state folder fits it (lib/run/shard-state.ts), before any state is opened.
 */
async function withShard(options: RunOptions): Promise<RunOptions> {
  const shard = requestedShard(options.shardSpec, options.env ?? process.env);
  const { findRoot } = await import('../project/index.js');
  const base = statePathFor(findRoot(options.cwd, options.project), options);
  checkShardFolder(base, shard);
  return { ...options, shard };
}

/** What stops a run: Ctrl-C (SIGINT/SIGTERM), the caller's signal, or --timeout. */
interface RunStop {
  readonly signal: AbortSignal;
  /** dispose removes the signal handlers and the deadline once the run is over. */
  readonly dispose: () => void;
}

/** runStop listens for what stops the run; a bad --timeout is a UsageError. */
function runStop(options: RunOptions, io: IO): RunStop {
  const stop = new AbortController();
  let deadline: NodeJS.Timeout | undefined;
  if (options.timeout !== undefined) {
    const what = options.timeout;
    const ms = parseDuration(what);
    if (ms === undefined || ms <= 0)
      throw new UsageError(`--timeout takes a duration such as 90s, 10m or 2h, not "${what}"`);
    deadline = setTimeout(() => {
      io.stderr(`\nTimed out after ${what}: no new requests; waiting for the requests in flight…\n`);
      stop.abort(new RunTimeout(what));
    }, ms);
  }
  const onSignal = () => {
    if (stop.signal.aborted) process.exit(INTERRUPTED_EXIT);
    io.stderr(
      '\nStopping: no new requests; waiting for the requests in flight (Ctrl-C again quits at once)…\n',
    );
    stop.abort();
  };
  options.signal?.addEventListener('abort', () => stop.abort(), { once: true });
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: stop.signal,
    dispose: () => {
      clearTimeout(deadline);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** runBody plans and executes the run, prints its lines and returns the exit code. */
async function runBody(
  ctx: Context,
  store: Store,
  transport: Transport | undefined,
  options: RunOptions,
  io: IO,
  signal: AbortSignal,
): Promise<number> {
  await checkStateShard(store, ctx.statePath, options.shard);
  const plan = await planRun(ctx, store, options.selectors);
  if (options.fullRefresh && !(await confirmRefresh(plan, options, io))) return 1;
  if (options.fullRefresh) await resetModels(store, resettable(plan), (m) => io.stderr(`RESET ${m.name}\n`));
  await finishRefresh(store, plan, io);
  const width = Math.max(0, ...plan.steps.map((s) => s.model.name.length));
  const progress = options.quiet ? undefined : new ProgressTicker(io);
  // Other processes cannot open the state while this run holds it: they read this instead.
  const published = options.offline === undefined ? new RunStatusWriter(ctx.statePath, 'ebb run') : undefined;
  const env = options.env ?? process.env;
  // Offline runs send nothing, so they share nothing either.
  const own =
    options.offline === undefined && options.coordinator === undefined
      ? (await connectCoordinator(env, ctx))?.coordinator
      : undefined;
  const coordinator = options.offline === undefined ? (options.coordinator ?? own) : undefined;
  const summary = await execute(store, plan, {
    signal,
    env,
    debug: debugLog(env, io.stderr),
    transport,
    // Nothing offline waits for a server: backoff and Retry-After cost no real time.
    ...(options.offline === undefined ? {} : { clock: new VirtualClock() }),
    shared: coordinator?.sharedLimits(projectName(ctx.project)),
    shard: options.shard,
    secrets: ctx.setup?.secrets,
    requestLogDays: ctx.project.file?.requests?.keepDays,
    onAttempt: options.onAttempt,
    onTrip: options.onTrip,
    onPrint: (model, line) => {
      progress?.pause();
      io.stderr(`      ${model.name}: ${line}\n`);
      options.onPrint?.(model.name, line);
    },
    onProgress: (model, source) => {
      progress?.watch(model.name, source);
      published?.watch(source);
    },
    onResult: (r) => {
      progress?.end(r.model);
      published?.result(r);
      printResult(r, width, options, io);
    },
  }).finally(async () => {
    progress?.close();
    published?.finish();
    await own?.close();
  });
  const allOk = summary.results.every((r) => r.status === 'ok') && !summary.interrupted;
  if (!options.quiet || !allOk || undeliveredRows(summary) > 0) io.stderr(summaryLine(summary) + '\n');
  const leftovers = await findLeftovers(store, ctx.project.models);
  if (leftovers.length > 0) {
    io.stderr(
      `note: ${leftovers.length} ${leftovers.length === 1 ? 'table belongs' : 'tables belong'} to no model (a deleted or renamed model?); ebb keeps them until you drop them:\n`,
    );
    for (const l of leftovers) io.stderr(`      ${l.name.padEnd(width)}  ${l.drop}\n`);
  }
  const code = exitCode(summary);
  if (options.json) io.stdout(jsonText(summaryJson(summary, code, leftovers)) + '\n');
  return code;
}

/** printResult writes a model's line (stderr; --quiet keeps only what needs attention) and its JSON line. */
function printResult(r: ModelResult, width: number, options: RunOptions, io: IO): void {
  if (!options.quiet || r.status !== 'ok' || r.warning !== undefined || (r.details?.unsaved ?? 0) > 0)
    io.stderr(resultLine(r, width) + '\n');
  if (options.json) {
    const { file: _file, details, ...rest } = r;
    io.stdout(jsonText({ ...rest, ...details }) + '\n');
  }
}

function exitCode(summary: RunSummary): number {
  if (summary.timed_out) return TIMEOUT_EXIT;
  if (summary.interrupted) return INTERRUPTED_EXIT;
  if (!summary.results.every((r) => r.status === 'ok')) return 1;
  return undeliveredRows(summary) > 0 ? ROWS_EXIT : 0;
}

/** summaryJson is the last line of `ebb run --json`. */
function summaryJson(
  summary: RunSummary,
  code: number,
  leftovers: readonly Leftover[],
): Record<string, unknown> {
  const count = (s: ModelStatus) => summary.results.filter((r) => r.status === s).length;
  // Rows over every model: failed (re-sent next run), rejected (refused by the API), unsaved (not acknowledged).
  const total = (k: 'failed' | 'rejected' | 'unsaved') =>
    summary.results.reduce((n, r) => n + ((r.details as Record<string, number> | undefined)?.[k] ?? 0), 0);
  return {
    summary: true,
    run_id: summary.run_id,
    ok: count('ok'),
    error: count('error'),
    skipped: count('skipped'),
    interrupted: count('interrupted'),
    failed: total('failed'),
    rejected: total('rejected'),
    unsaved: total('unsaved'),
    duration_ms: summary.duration_ms,
    exit_code: code,
    leftovers: leftovers.map((l) => l.name),
  };
}

/** confirmRefresh asks on a terminal before a full refresh drops the selected models' state. */
async function confirmRefresh(plan: RunPlan, options: RunOptions, io: IO): Promise<boolean> {
  if (options.selectors.length === 0) {
    throw new UsageError(
      '--full-refresh needs the models to refresh, e.g. ebb run --full-refresh sync.users',
    );
  }
  const models = resettable(plan);
  if (models.length === 0 || !io.isTTY || options.yes) return true;
  const tracked = models.filter(resendsAll).map((m) => m.name);
  const what = models.map((m) => m.name).join(', ');
  const warning = tracked.length > 0 ? ` ${tracked.join(', ')} will send every row again.` : '';
  if (
    io.confirm &&
    (await io.confirm(`Full refresh of ${what}: their tables are dropped.${warning} Continue? [y/N] `))
  )
    return true;
  io.stderr('Cancelled; nothing was changed.\n');
  return false;
}

/**
 * finishRefresh completes a --full-refresh that a killed run left unfinished, for the models
 * this run plans, and says so; models outside the plan keep their intent for a run that has them.
 */
async function finishRefresh(store: Store, plan: RunPlan, io: IO): Promise<void> {
  const left = await unfinishedRefresh(store, plan);
  if (left === undefined) return;
  if (left.planned.length > 0) {
    io.stderr(
      `note: the --full-refresh asked at ${left.requestedAt} did not finish (the run was stopped); finishing it now\n`,
    );
    await resetModels(store, left.planned, (m) => io.stderr(`RESET ${m.name}\n`));
  }
  if (left.elsewhere.length > 0) {
    io.stderr(
      `note: the --full-refresh asked at ${left.requestedAt} has yet to reset ${left.elsewhere.join(', ')}; it does when a run includes ${left.elsewhere.length === 1 ? 'it' : 'them'} (ebb run ${left.elsewhere.join(' ')})\n`,
    );
  }
}
