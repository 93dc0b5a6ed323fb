// `ebb plan [models…]`: what a run of the same selection would send, without sending or
// saving anything. The report is the command's output, on stdout (`ebb plan > plan.txt`);
// with --json, one JSON line per tracked model on stdout and the report on stderr.

import { CODE } from '../error-codes.js';
import { jsonText } from '../json.js';
import { formatCount, planRun, upstreamBuilder } from '../run/index.js';
import { planDeltas, type ModelPlan, type PlanSample } from '../run/plan-delta.js';
import { shardText } from '../detect/shard.js';
import { reportError, withProject, type GlobalOptions, type IO } from './io.js';
import { shardScope, type ShardScope } from './shard-scope.js';

export interface PlanOptions extends GlobalOptions {
  readonly selectors: readonly string[];
  /** --shard I/N as given (else EBB_SHARD): that shard's plan; without it a sharded state plans every shard. */
  readonly shardSpec?: string | undefined;
}

/**
 * planCommand is `ebb plan [models…]`: what a run would send, without sending or saving. Over
 * a sharded state it plans each shard (its keys, on its own file), then each model's totals.
 */
export async function planCommand(given: PlanOptions, io: IO): Promise<number> {
  let scope: ShardScope;
  try {
    scope = await shardScope(given);
  } catch (err) {
    return reportError(io, err, given.json);
  }
  if (scope.kind === 'one') return planOne({ ...given, shard: scope.shard }, io);
  const totals = new Map<string, { new: number; changed: number; deleted: number }>();
  let worst = 0;
  for (const f of scope.files) {
    const shard = { index: f.index, count: f.count };
    (given.json ? io.stderr : io.stdout)(`shard ${shardText(shard)}:\n`);
    worst = Math.max(
      worst,
      await planOne({ ...given, shard }, io, (p) => {
        const t = totals.get(p.model) ?? { new: 0, changed: 0, deleted: 0 };
        totals.set(p.model, {
          new: t.new + p.new,
          changed: t.changed + p.changed,
          deleted: t.deleted + p.deleted,
        });
      }),
    );
  }
  const width = Math.max(0, ...[...totals.keys()].map((m) => m.length));
  for (const [model, t] of totals) {
    if (given.json) io.stdout(jsonText({ model, shard: 'total', ...t }) + '\n');
    (given.json ? io.stderr : io.stdout)(
      `TOTAL ${model.padEnd(width + 2)}new ${formatCount(t.new)}, changed ${formatCount(t.changed)}, deleted ${formatCount(t.deleted)} over ${scope.files.length} shards\n`,
    );
  }
  return worst;
}

/** planOne plans one state (unsharded, or the shard options.shard names); `each` sees every model's plan. */
function planOne(options: PlanOptions, io: IO, each?: (p: ModelPlan) => void): Promise<number> {
  return withProject(
    options,
    io,
    async (ctx, store) => {
      const plan = await planRun(ctx, store, options.selectors);
      const upstream = upstreamBuilder(store, plan, ctx.project.models);
      const plans = await planDeltas(store, plan, upstream.prepare, options.shard);
      if (plans.length === 0) io.stderr('No tracked models selected: nothing would be sent.\n');
      const width = Math.max(0, ...plans.map((p) => p.model.length));
      for (const p of plans) {
        const stale = upstream.notes.stale.get(p.model) ?? [];
        each?.(p);
        if (options.json) {
          const shard = options.shard === undefined ? {} : { shard: shardText(options.shard) };
          const line = p.error === undefined ? { ...p, ...shard } : { ...p, ...shard, code: CODE.EBB_PLAN };
          io.stdout(jsonText(stale.length > 0 ? { ...line, stale_upstream: stale } : line) + '\n');
        }
        // The report is the output; with --json it is the human echo on stderr, as in ebb run.
        const report = options.json ? io.stderr : io.stdout;
        report(describe(p, width));
        if (stale.length > 0)
          report(
            `      note: upstream ${stale.join(', ')} not rebuilt (plan does not run scripts): as of its last run\n`,
          );
      }
      return plans.some((p) => p.error !== undefined) ? 1 : 0;
    },
    'plan',
  );
}

function describe(p: ModelPlan, width: number): string {
  const name = p.model.padEnd(width + 2);
  if (p.error !== undefined) return `ERROR ${name}${p.error.split('\n').join('\n      ')}\n`;
  const head = `PLAN  ${name}new ${formatCount(p.new)}, changed ${formatCount(p.changed)}, deleted ${formatCount(p.deleted)}\n`;
  return (
    head + p.samples.map((s) => `      ${s.change.padEnd(8)} ${keyText(s)}  ${sampleText(s)}\n`).join('')
  );
}

function keyText(s: PlanSample): string {
  return `(${Object.entries(s.key)
    .map(([k, v]) => `${k}=${show(v)}`)
    .join(', ')})`;
}

function sampleText(s: PlanSample): string {
  if (s.fields)
    return Object.entries(s.fields)
      .map(([c, f]) => `${c}: ${show(f.before)} → ${show(f.after)}`)
      .join(', ');
  return show(s.row ?? {});
}

function show(v: unknown): string {
  const text = jsonText(v);
  return text.length > 120 ? text.slice(0, 119) + '…' : text;
}
