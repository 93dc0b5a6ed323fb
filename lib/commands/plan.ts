import { planRun } from '../run/index.js';
import { planDeltas, type ModelPlan, type PlanSample } from '../run/plan-delta.js';
import { formatCount } from '../run/report.js';
import { withProject, type GlobalOptions, type IO } from './io.js';

export interface PlanOptions extends GlobalOptions {
  readonly selectors: readonly string[];
}

/** planCommand is `ebb plan [models…]`: what a run would send, without sending or saving. */
export function planCommand(options: PlanOptions, io: IO): Promise<number> {
  return withProject(options, io, async (ctx, store) => {
    const plan = await planRun(ctx, store, options.selectors);
    const plans = await planDeltas(store, plan);
    if (plans.length === 0) io.stderr('No tracked models selected: nothing would be sent.\n');
    const width = Math.max(0, ...plans.map((p) => p.model.length));
    for (const p of plans) {
      if (options.json) io.stdout(JSON.stringify(p, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) + '\n');
      io.stderr(describe(p, width));
    }
    return plans.some((p) => p.error !== undefined) ? 1 : 0;
  });
}

function describe(p: ModelPlan, width: number): string {
  const name = p.model.padEnd(width + 2);
  if (p.error !== undefined) return `ERROR ${name}${p.error.split('\n').join('\n      ')}\n`;
  const head = `PLAN  ${name}new ${formatCount(p.new)}, changed ${formatCount(p.changed)}, deleted ${formatCount(p.deleted)}\n`;
  return head + p.samples.map((s) => `      ${s.change.padEnd(8)} ${keyText(s)}  ${sampleText(s)}\n`).join('');
}

function keyText(s: PlanSample): string {
  return `(${Object.entries(s.key).map(([k, v]) => `${k}=${show(v)}`).join(', ')})`;
}

function sampleText(s: PlanSample): string {
  if (s.fields) return Object.entries(s.fields).map(([c, f]) => `${c}: ${show(f.before)} → ${show(f.after)}`).join(', ');
  return show(s.row ?? {});
}

function show(v: unknown): string {
  const text = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) ?? 'null';
  return text.length > 120 ? text.slice(0, 119) + '…' : text;
}
