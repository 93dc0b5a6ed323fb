// `ebb status` over a sharded state (every shard file of the state folder): per model and per
// shard, its last run, what the shard delivered (a tracked model's stored rows), its pending
// failures and rejected rows, and what the shard's next run would send; then each model's
// totals over the shards. A shard a run holds shows what that run publishes.

import { shardText, type Shard } from '../detect/shard.js';
import { StateLockedError } from '../errors.js';
import { jsonText } from '../json.js';
import type { Model } from '../project/index.js';
import { formatCount, planRun, readRunStatus, type ShardFile } from '../run/index.js';
import { planDeltas } from '../run/plan-delta.js';
import { failureGroups, lastRuns, quotedTable, type Store } from '../store/index.js';
import { withProject, type GlobalOptions, type IO } from './io.js';
import { formatTable } from './table.js';

/** One model in one shard (or, shard "total", summed over the shards). */
interface ShardLine {
  readonly model: string;
  readonly shard: string;
  last_status: string | null;
  last_run_at: string | null;
  delivered: number | null;
  failed: number;
  rejected: number;
  new: number | null;
  changed: number | null;
  deleted: number | null;
}

const FIGURES = ['delivered', 'failed', 'rejected', 'new', 'changed', 'deleted'] as const;

/** statusOfShards reports every shard file; exit 0, or the first shard's error code. */
export async function statusOfShards(
  options: GlobalOptions & { readonly models: readonly string[] },
  files: readonly ShardFile[],
  io: IO,
): Promise<number> {
  const lines: ShardLine[] = [];
  for (const f of files) {
    const shard: Shard = { index: f.index, count: f.count };
    const code = await withProject(
      { ...options, shard },
      io,
      async (ctx, store) => {
        const plan = await planRun(ctx, store, options.models);
        lines.push(
          ...(await shardLines(
            store,
            plan.steps.map((s) => s.model),
            shard,
            await planDeltas(store, plan, undefined, shard),
          )),
        );
        return 0;
      },
      undefined,
      async (_ctx, err: StateLockedError) => {
        const run = readRunStatus(f.path);
        if (run === undefined || !run.alive) throw err;
        lines.push({
          ...empty('(running)', shardText(shard)),
          last_status: `running since ${run.started_at}`,
        });
        return 0;
      },
    );
    if (code !== 0) return code;
  }
  const all = [...lines, ...totals(lines)];
  if (options.json) for (const l of all) io.stdout(jsonText(l) + '\n');
  else io.stdout(`State: ${files.length} shard files (${files[0]!.count} shards)\n` + table(all));
  return 0;
}

function empty(model: string, shard: string): ShardLine {
  return {
    model,
    shard,
    last_status: null,
    last_run_at: null,
    delivered: null,
    failed: 0,
    rejected: 0,
    new: null,
    changed: null,
    deleted: null,
  };
}

/** shardLines reads one shard's figures for each model. */
async function shardLines(
  store: Store,
  models: readonly Model[],
  shard: Shard,
  plans: ReadonlyArray<{ model: string; new: number; changed: number; deleted: number; error?: string }>,
): Promise<ShardLine[]> {
  const last = await lastRuns(store);
  const out: ShardLine[] = [];
  for (const m of models) {
    const line = empty(m.name, shardText(shard));
    const run = last.get(m.name.toLowerCase());
    line.last_status = run === undefined ? null : String(run['status']);
    line.last_run_at = run === undefined ? null : String(run['started_at']);
    if (m.kind === 'tracked') {
      line.delivered =
        (await store.objectType(m.schema, m.table)) === 'table'
          ? Number(await store.scalar(`SELECT count(*)::DOUBLE FROM ${quotedTable(m)}`))
          : 0;
      for (const g of await failureGroups(store, m.name, 0))
        line[g.kind === 'rejected' ? 'rejected' : 'failed'] += g.rows;
      const p = plans.find((x) => x.model === m.name);
      if (p !== undefined && p.error === undefined)
        Object.assign(line, { new: p.new, changed: p.changed, deleted: p.deleted });
    }
    out.push(line);
  }
  return out;
}

/** totals sums each model's figures over the shards (a figure unknown in one shard stays unknown). */
function totals(lines: readonly ShardLine[]): ShardLine[] {
  const by = new Map<string, ShardLine>();
  for (const l of lines) {
    if (l.model === '(running)') continue;
    const t = by.get(l.model) ?? { ...empty(l.model, 'total'), delivered: 0, new: 0, changed: 0, deleted: 0 };
    for (const k of FIGURES) {
      const a = t[k];
      const b = l[k];
      (t as unknown as Record<string, number | null>)[k] = a === null || b === null ? null : a + b;
    }
    by.set(l.model, t);
  }
  return [...by.values()];
}

function table(lines: readonly ShardLine[]): string {
  const n = (v: number | null) => (v === null ? '-' : formatCount(v));
  const rows = [...lines]
    .sort(
      (a, b) => a.model.localeCompare(b.model) || (a.shard === 'total' ? 1 : b.shard === 'total' ? -1 : 0),
    )
    .map((l) => [
      l.model,
      l.shard,
      l.last_status ?? '-',
      n(l.delivered),
      n(l.failed),
      n(l.rejected),
      `${n(l.new)} / ${n(l.changed)} / ${n(l.deleted)}`,
      l.last_run_at ?? '-',
    ]);
  return formatTable(
    ['MODEL', 'SHARD', 'LAST RUN', 'DELIVERED', 'FAILED', 'REJECTED', 'NEXT new/changed/deleted', 'AT'],
    rows,
  );
}
