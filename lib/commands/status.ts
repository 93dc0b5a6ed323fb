// `ebb status [models…]`: per model, its last run (when, status, counts), the pending
// failures of tracked models grouped by status and error with a few keys, and what the next
// run would send (the delta's counts, computed as `ebb plan` does). `--failures MODEL` lists
// that model's failed rows. The report goes to stdout (`--json`: one object per line).

import { UsageError } from '../errors.js';
import { findLeftovers, planRun } from '../run/index.js';
import { planDeltas, type ModelPlan } from '../run/plan-delta.js';
import { formatCount, formatSeconds } from '../run/report.js';
import { failureGroups, lastRuns, listFailures, type JsonRow, type Store } from '../store/index.js';
import { withProject, type GlobalOptions, type IO } from './io.js';
import { formatTable } from './table.js';

export interface StatusOptions extends GlobalOptions {
  readonly models: readonly string[];
  /** List the failed rows of this model instead. */
  readonly failures?: string | undefined;
  /** Rows listed by --failures (default 100). */
  readonly limit?: number | undefined;
}

/** Keys shown per group of failures. */
const SAMPLE_KEYS = 3;

/** statusCommand is `ebb status`: exit 0 (1 when the project or a plan cannot be read). */
export function statusCommand(options: StatusOptions, io: IO): Promise<number> {
  return withProject(options, io, async (ctx, store) => {
    if (options.failures !== undefined)
      return printFailures(
        store,
        options,
        io,
        ctx.project.models.map((m) => m.name),
      );
    const plan = await planRun(ctx, store, options.models);
    const models = plan.steps.map((s) => s.model);
    const last = await lastRuns(store);
    const nexts = new Map<string, ModelPlan>((await planDeltas(store, plan)).map((p) => [p.model, p]));
    for (const model of models) {
      const run = lastRunOf(last, model.name);
      const groups = model.kind === 'tracked' ? await pendingFailures(store, model.name) : [];
      const pending = groups.reduce((n, g) => n + g.rows, 0);
      const next = nexts.get(model.name);
      if (options.json) {
        io.stdout(
          JSON.stringify({
            model: model.name,
            kind: model.kind,
            last_run: run ?? null,
            pending_failures: pending,
            failures: groups,
            next:
              next === undefined
                ? null
                : next.error !== undefined
                  ? { error: next.error }
                  : { new: next.new, changed: next.changed, deleted: next.deleted },
          }) + '\n',
        );
        continue;
      }
      io.stdout(`${model.name} (${model.kind})\n`);
      io.stdout(`  last run   ${run ? describeRun(run) : 'never'}\n`);
      if (model.kind === 'tracked') {
        if (pending === 0) io.stdout('  failures   none pending\n');
        else {
          io.stdout(
            `  failures   ${formatCount(pending)} ${pending === 1 ? 'row' : 'rows'} pending (sent again next run; list them: ebb status --failures ${model.name})\n`,
          );
          for (const g of groups) {
            io.stdout(
              `    ${String(g.status ?? 'no response').padEnd(12)} ${formatCount(g.rows).padStart(7)} ${g.rows === 1 ? 'row ' : 'rows'}  ${oneLine(g.error, 100)}\n`,
            );
            io.stdout(`    ${''.padEnd(12)} e.g. ${g.keys.map((k) => JSON.stringify(k)).join(', ')}\n`);
          }
        }
        if (next) {
          io.stdout(
            next.error !== undefined
              ? `  next run   cannot tell: ${oneLine(next.error, 200)}\n`
              : `  next run   new ${formatCount(next.new)}, changed ${formatCount(next.changed)}, deleted ${formatCount(next.deleted)}\n`,
          );
        }
      }
    }
    // Tables no model builds any more (a deleted or renamed model), with the command to drop each.
    const leftovers = await findLeftovers(store, ctx.project.models);
    if (options.json) {
      if (leftovers.length > 0)
        io.stdout(
          JSON.stringify({ leftovers: leftovers.map((l) => ({ table: l.name, drop: l.drop })) }) + '\n',
        );
    } else if (leftovers.length > 0) {
      io.stdout(`leftovers (tables no model builds; ebb keeps them until you drop them)\n`);
      for (const l of leftovers) io.stdout(`  ${l.name}   ${l.drop}\n`);
    }
    return 0;
  });
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
      ['key', 'change', 'request', 'status', 'attempts', 'last failed', 'error'],
      rows.map((r) => [
        String(r['key']),
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
async function pendingFailures(store: Store, model: string) {
  const groups = await failureGroups(store, model, SAMPLE_KEYS);
  return groups.map((g) => ({ ...g, keys: g.keys.map((k) => JSON.parse(k) as unknown) }));
}

function describeRun(r: JsonRow): string {
  const figures = ['new', 'changed', 'deleted', 'saved', 'failed', 'unsaved']
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

function oneLine(s: string, max: number): string {
  const line = s.replace(/\s+/g, ' ').trim();
  return line.length > max ? line.slice(0, max - 1) + '…' : line;
}
