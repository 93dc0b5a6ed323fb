// `ebb plan [models…]`: what a run of the same selection would send, without sending or
// saving anything. The report is the command's output, on stdout (`ebb plan > plan.txt`);
// with --json, one JSON line per tracked model on stdout and the report on stderr.

import { CODE } from '../error-codes.js';
import { jsonText } from '../json.js';
import { formatCount, planRun, upstreamBuilder } from '../run/index.js';
import { planDeltas, type ModelPlan, type PlanSample } from '../run/plan-delta.js';
import { withProject, type GlobalOptions, type IO } from './io.js';

export interface PlanOptions extends GlobalOptions {
  readonly selectors: readonly string[];
}

/** planCommand is `ebb plan [models…]`: what a run would send, without sending or saving. */
export function planCommand(options: PlanOptions, io: IO): Promise<number> {
  return withProject(
    options,
    io,
    async (ctx, store) => {
      const plan = await planRun(ctx, store, options.selectors);
      const upstream = upstreamBuilder(store, plan, ctx.project.models);
      const plans = await planDeltas(store, plan, upstream.prepare);
      if (plans.length === 0) io.stderr('No tracked models selected: nothing would be sent.\n');
      const width = Math.max(0, ...plans.map((p) => p.model.length));
      for (const p of plans) {
        const stale = upstream.notes.stale.get(p.model) ?? [];
        if (options.json) {
          const line = p.error === undefined ? p : { ...p, code: CODE.EBB_PLAN };
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
