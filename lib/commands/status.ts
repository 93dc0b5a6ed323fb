// `ebb status [models…]`: per model, its last run (when, status, counts), the pending
// failures of tracked models grouped by status and error with a few keys, and what the next
// run would send (the delta's counts, computed as `ebb plan` does). `--failures MODEL` lists
// that model's failed rows. The report goes to stdout (`--json`: one object per line).

import { type StateLockedError, UsageError } from '../errors.js';
import type { Model, Schedule } from '../project/index.js';
import { findLeftovers, planRun, readRunStatus, type Context, type RunStatus } from '../run/index.js';
import { overdueModels } from '../serve/overdue.js';
import { planDeltas, type ModelPlan } from '../run/plan-delta.js';
import { formatCount, formatSeconds } from '../run/report.js';
import {
  failureGroups,
  lastRuns,
  lastSuccesses,
  listFailures,
  pendingRefreshes,
  type JsonRow,
  type Store,
} from '../store/index.js';
import { reportError, withProject, type GlobalOptions, type IO } from './io.js';
import { shardScope, type ShardScope } from './shard-scope.js';
import { statusOfShards } from './status-shards.js';
import { formatTable } from './table.js';

export interface StatusOptions extends GlobalOptions {
  readonly models: readonly string[];
  /** List the failed rows of this model instead. */
  readonly failures?: string | undefined;
  /** Rows listed by --failures (default 100). */
  readonly limit?: number | undefined;
  /** --check: exit 1 when failures are pending, a last run failed or a scheduled model is overdue. */
  readonly check?: boolean | undefined;
  /** --shard I/N as given (else EBB_SHARD): that shard's state only; without it a sharded state shows every shard. */
  readonly shardSpec?: string | undefined;
}

/** Keys shown per group of failures. */
const SAMPLE_KEYS = 3;

/** A group of a model's failures as shown (keys parsed from their JSON texts). */
interface FailureGroup {
  /** failed: sent again next run; rejected: the API refused the rows, not sent again until they change or `ebb retry`. */
  readonly kind: 'failed' | 'rejected';
  readonly status: number | null;
  readonly error: string;
  readonly rows: number;
  readonly keys: readonly unknown[];
}

/**
 * statusCommand is `ebb status`: exit 0 (1 when the project or a plan cannot be read; with
 * --check, 1 when something needs attention). While a run holds the state, it shows what the
 * run publishes (exit 0; 75 with --check, which cannot read the failures then).
 */
export async function statusCommand(given: StatusOptions, io: IO): Promise<number> {
  let scope: ShardScope;
  try {
    scope = await shardScope(given);
  } catch (err) {
    return reportError(io, err, given.json);
  }
  if (scope.kind === 'all') {
    if (given.failures === undefined && !given.check) return statusOfShards(given, scope.files, io);
    // --failures and --check look at each shard in turn; the worst exit code wins.
    let worst = 0;
    for (const f of scope.files) {
      io.stderr(`shard ${f.index}/${f.count} (${f.path}):\n`);
      worst = Math.max(worst, await statusOne({ ...given, shard: { index: f.index, count: f.count } }, io));
    }
    return worst;
  }
  return statusOne({ ...given, shard: scope.shard }, io);
}

/** statusOne is `ebb status` of one state (unsharded, or the shard options.shard names). */
function statusOne(options: StatusOptions, io: IO): Promise<number> {
  const attention: string[] = [];
  const locked = async (ctx: Context, err: StateLockedError): Promise<number> => {
    const run = readRunStatus(ctx.statePath);
    if (run === undefined || !run.alive) throw err;
    showRunning(run, options, io);
    return options.check ? err.exitCode : 0;
  };
  const body = withProject(
    options,
    io,
    async (ctx, store) => {
      if (options.failures !== undefined)
        return printFailures(
          store,
          options,
          io,
          ctx.project.models.map((m) => m.name),
        );
      await reportModels(ctx, store, options, io, attention);
      await reportLeftovers(ctx, store, options, io);
      if (options.check) attention.push(...(await overdue(ctx, store)));
      return 0;
    },
    undefined,
    locked,
  );
  return options.check ? body.then((code) => (code === 0 ? checkResult(attention, io) : code)) : body;
}

/** reportModels prints each selected model's last run, pending failures and next delta; notes what needs attention. */
async function reportModels(
  ctx: Context,
  store: Store,
  options: StatusOptions,
  io: IO,
  attention: string[],
): Promise<void> {
  const plan = await planRun(ctx, store, options.models);
  const last = await lastRuns(store);
  const refreshes = new Set((await pendingRefreshes(store)).map((r) => r.model));
  const nexts = new Map<string, ModelPlan>(
    (await planDeltas(store, plan, undefined, options.shard)).map((p) => [p.model, p]),
  );
  for (const { model } of plan.steps) {
    const run = lastRunOf(last, model.name);
    const groups = model.kind === 'tracked' ? await pendingFailures(store, model.name) : [];
    const pending = groups.reduce((n, g) => n + g.rows, 0);
    const rejected = groups.reduce((n, g) => n + (g.kind === 'rejected' ? g.rows : 0), 0);
    if (pending > rejected)
      attention.push(`${model.name}: ${formatCount(pending - rejected)} failed rows pending`);
    if (rejected > 0) attention.push(`${model.name}: ${formatCount(rejected)} rows rejected by the API`);
    if (run !== undefined && run['status'] !== 'ok' && run['status'] !== 'skipped')
      attention.push(`${model.name}: its last run ended ${String(run['status'])}`);
    const refresh = refreshes.has(model.name);
    const report = { model, run, groups, pending, refresh, next: nexts.get(model.name) };
    if (options.json) io.stdout(JSON.stringify(modelJson(report)) + '\n');
    else printModel(report, io);
  }
}

interface ModelReport {
  readonly model: Model;
  readonly run: JsonRow | undefined;
  readonly groups: readonly FailureGroup[];
  readonly pending: number;
  /** A --full-refresh was stopped before it reset this model: the next run that has it does. */
  readonly refresh: boolean;
  readonly next: ModelPlan | undefined;
}

function modelJson({ model, run, groups, pending, refresh, next }: ModelReport): Record<string, unknown> {
  return {
    model: model.name,
    kind: model.kind,
    last_run: run ?? null,
    pending_failures: pending,
    failed: pending - rejectedCount(groups),
    rejected: rejectedCount(groups),
    failures: groups,
    refresh_pending: refresh,
    next:
      next === undefined
        ? null
        : next.error !== undefined
          ? { error: next.error }
          : { new: next.new, changed: next.changed, deleted: next.deleted },
  };
}

function printModel({ model, run, groups, pending, refresh, next }: ModelReport, io: IO): void {
  io.stdout(`${model.name} (${model.kind})\n`);
  io.stdout(`  last run   ${run ? describeRun(run) : 'never'}\n`);
  if (refresh)
    io.stdout(
      '  refresh    pending: a --full-refresh stopped before resetting it; the next run resets it first\n',
    );
  if (model.kind !== 'tracked') return;
  if (pending === 0) io.stdout('  failures   none pending\n');
  const rejected = rejectedCount(groups);
  if (pending > rejected)
    io.stdout(
      `  failures   ${formatCount(pending - rejected)} ${pending - rejected === 1 ? 'row' : 'rows'} pending (sent again next run; list them: ebb status --failures ${model.name})\n`,
    );
  printGroups(groups, 'failed', io);
  if (rejected > 0)
    io.stdout(
      `  rejected   ${formatCount(rejected)} ${rejected === 1 ? 'row' : 'rows'} refused by the API (not sent again until changed; send them again: ebb retry ${model.name} [--keys …])\n`,
    );
  printGroups(groups, 'rejected', io);
  if (next) {
    io.stdout(
      next.error !== undefined
        ? `  next run   cannot tell: ${oneLine(next.error, 200)}\n`
        : `  next run   new ${formatCount(next.new)}, changed ${formatCount(next.changed)}, deleted ${formatCount(next.deleted)}\n`,
    );
  }
}

/** reportLeftovers lists the tables no model builds any more (a deleted or renamed model), with the command to drop each. */
async function reportLeftovers(ctx: Context, store: Store, options: StatusOptions, io: IO): Promise<void> {
  const leftovers = await findLeftovers(store, ctx.project.models);
  if (leftovers.length === 0) return;
  if (options.json) {
    io.stdout(JSON.stringify({ leftovers: leftovers.map((l) => ({ table: l.name, drop: l.drop })) }) + '\n');
    return;
  }
  io.stdout(`leftovers (tables no model builds; ebb keeps them until you drop them)\n`);
  for (const l of leftovers) io.stdout(`  ${l.name}   ${l.drop}\n`);
}

/** checkResult is --check's verdict on stderr: 0 when nothing needs attention, else 1. */
function checkResult(attention: readonly string[], io: IO): number {
  if (attention.length === 0) {
    io.stderr('CHECK ok: no failures pending, every last run ok, no scheduled model overdue\n');
    return 0;
  }
  io.stderr(
    `CHECK failed: ${attention.length} ${attention.length === 1 ? 'thing needs' : 'things need'} attention\n`,
  );
  for (const a of attention) io.stderr(`  ${a}\n`);
  return 1;
}

/** overdue lists the scheduled models (ebb.yaml schedules) whose last success is too old. */
async function overdue(ctx: Context, store: Store): Promise<string[]> {
  const schedules = ctx.project.file?.schedules ?? [];
  if (schedules.length === 0) return [];
  const last = await lastSuccesses(store);
  const members = new Map<Schedule, string[]>();
  for (const s of schedules)
    members.set(
      s,
      (await planRun(ctx, store, s.select)).steps.map((st) => st.model.name),
    );
  return overdueModels(schedules, (s) => members.get(s) ?? [], last, new Date()).map(
    (o) =>
      `${o.model}: scheduled, ${o.lastSuccess === null ? 'never succeeded' : `last succeeded ${o.lastSuccess.toISOString()}`} (due since ${o.due.toISOString()})`,
  );
}

/** showRunning prints what a run holding the state publishes (lib/run/status-file.ts). */
function showRunning(run: RunStatus, options: StatusOptions, io: IO): void {
  if (options.json) {
    io.stdout(JSON.stringify({ running: run }) + '\n');
    return;
  }
  io.stdout(
    `running    ${run.command} (pid ${run.pid}) since ${run.started_at}, updated ${run.updated_at}\n`,
  );
  for (const m of run.models) {
    io.stdout(
      `  done     ${m.model}  ${m.status}${m.rows === null ? '' : `, ${formatCount(m.rows)} rows`}\n`,
    );
  }
  const c = run.current;
  if (c) {
    const total = c.total === null ? '' : `/${formatCount(c.total)}`;
    io.stdout(
      `  now      ${c.model}  ${formatCount(c.done)}${total} rows, ${c.in_flight} in flight, ${formatCount(c.rows_per_s)} rows/s, ${formatCount(c.failed)} failed\n`,
    );
  }
  io.stdout(
    'The last committed state is shown once the run ends: DuckDB lets no other process read the state file while a run writes it.\n',
  );
}

async function printFailures(
  store: Store,
  options: StatusOptions,
  io: IO,
  known: readonly string[],
): Promise<number> {
  const name = known.find((m) => m.toLowerCase() === options.failures!.toLowerCase());
  if (name === undefined)
    throw new UsageError(`--failures: no model named ${options.failures} (models: ${known.join(', ')})`);
  const rows = await listFailures(store, name, options.limit ?? 100);
  if (options.json) {
    for (const r of rows)
      io.stdout(
        JSON.stringify({
          ...r,
          key: JSON.parse(String(r['key'])) as unknown,
          status: r['status'] === null ? null : Number(r['status']),
          attempts: Number(r['attempts']),
        }) + '\n',
      );
    return 0;
  }
  if (rows.length === 0) {
    io.stdout(`${name}: no failed rows pending\n`);
    return 0;
  }
  io.stdout(
    formatTable(
      ['key', 'kind', 'change', 'request', 'status', 'attempts', 'last failed', 'error'],
      rows.map((r) => [
        String(r['key']),
        String(r['kind']),
        String(r['change']),
        `${String(r['method'])} ${String(r['url'])}`,
        r['status'] === null ? '' : String(r['status']),
        String(r['attempts']),
        String(r['last_failed_at']),
        oneLine(String(r['error']), 80),
      ]),
    ),
  );
  return 0;
}

/** lastRunOf is a model's last run with its figures (a tracked model's details) beside the others. */
function lastRunOf(last: ReadonlyMap<string, JsonRow>, model: string): JsonRow | undefined {
  const found = last.get(model.toLowerCase());
  if (found === undefined) return undefined;
  const { details, ...r } = found;
  return { ...r, ...(typeof details === 'string' ? (JSON.parse(details) as JsonRow) : {}) };
}

/** pendingFailures is a tracked model's failures grouped by status and error, with a few keys each. */
async function pendingFailures(store: Store, model: string): Promise<FailureGroup[]> {
  const groups = await failureGroups(store, model, SAMPLE_KEYS);
  return groups.map((g) => ({ ...g, keys: g.keys.map((k) => JSON.parse(k) as unknown) }));
}

function describeRun(r: JsonRow): string {
  const figures = ['new', 'changed', 'deleted', 'saved', 'failed', 'rejected', 'unsaved']
    .filter((k) => typeof r[k] === 'number')
    .map((k) => `${k} ${formatCount(Number(r[k]))}`);
  const rows =
    r['rows'] === null
      ? ''
      : `, ${formatCount(Number(r['rows']))} ${Number(r['rows']) === 1 ? 'row' : 'rows'}`;
  const error =
    r['status'] === 'ok' || r['error'] === null ? '' : `\n             ${oneLine(String(r['error']), 200)}`;
  return (
    `${String(r['started_at'])}  ${String(r['status'])}${rows} in ${formatSeconds(Number(r['duration_ms']))}` +
    `${figures.length > 0 ? ` (${figures.join(', ')})` : ''}  run ${String(r['run_id'])}${error}`
  );
}

function rejectedCount(groups: readonly FailureGroup[]): number {
  return groups.reduce((n, g) => n + (g.kind === 'rejected' ? g.rows : 0), 0);
}

/** printGroups lists the groups of one kind: status, how many rows, the message, a few keys. */
function printGroups(groups: readonly FailureGroup[], kind: FailureGroup['kind'], io: IO): void {
  for (const g of groups) {
    if (g.kind !== kind) continue;
    io.stdout(
      `    ${String(g.status ?? 'no response').padEnd(12)} ${formatCount(g.rows).padStart(7)} ${g.rows === 1 ? 'row ' : 'rows'}  ${oneLine(g.error, 100)}\n`,
    );
    io.stdout(`    ${''.padEnd(12)} e.g. ${g.keys.map((k) => JSON.stringify(k)).join(', ')}\n`);
  }
}

function oneLine(s: string, max: number): string {
  const line = s.replace(/\s+/g, ' ').trim();
  return line.length > max ? line.slice(0, max - 1) + '…' : line;
}
