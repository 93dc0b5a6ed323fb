// `ebb run [models…]`: run models in dependency order. Result lines and progress go to
// stderr; --json writes one line per model run on stdout, then one summary line.

import { UsageError } from '../errors.js';
import { jsonText } from '../json.js';
import {
  execute, findLeftovers, planRun, resendsAll, resetModels, resettable, resultLine, summaryLine, type RunPlan,
} from '../run/index.js';
import { withProject, type GlobalOptions, type IO } from './io.js';
import { Progress } from './progress.js';

export interface RunOptions extends GlobalOptions {
  readonly selectors: readonly string[];
  /** Forget what the selected models hold (tracked: what was delivered) before running. */
  readonly fullRefresh?: boolean | undefined;
  /** Do not ask for confirmation of --full-refresh on a terminal. */
  readonly yes?: boolean | undefined;
}

/** runCommand is `ebb run [models…]`: exit 0 when every model ran, 1 otherwise. */
export function runCommand(options: RunOptions, io: IO): Promise<number> {
  return withProject(options, io, async (ctx, store) => {
    const plan = await planRun(ctx, store, options.selectors);
    if (options.fullRefresh && !(await confirmRefresh(plan, options, io))) return 1;
    if (options.fullRefresh) await resetModels(store, resettable(plan), (m) => io.stderr(`RESET ${m.name}\n`));
    const width = Math.max(0, ...plan.steps.map((s) => s.model.name.length));
    const progress = new Progress(io);
    const summary = await execute(store, plan, {
      env: options.env ?? process.env,
      onPrint: (model, line) => {
        progress.clear();
        io.stderr(`      ${model.name}: ${line}\n`);
      },
      onProgress: (model, done, total) => progress.update(model.name, done, total),
      onResult: (r) => {
        progress.clear();
        io.stderr(resultLine(r, width) + '\n');
        if (options.json) {
          const { file: _file, details, ...rest } = r;
          io.stdout(jsonText({ ...rest, ...details }) + '\n');
        }
      },
    });
    io.stderr(summaryLine(summary) + '\n');
    const code = summary.results.every((r) => r.status === 'ok') ? 0 : 1;
    const leftovers = await findLeftovers(store, ctx.project.models);
    if (leftovers.length > 0) {
      io.stderr(`note: ${leftovers.length} ${leftovers.length === 1 ? 'table belongs' : 'tables belong'} to no model (a deleted or renamed model?); ebb keeps them until you drop them:\n`);
      for (const l of leftovers) io.stderr(`      ${l.name.padEnd(width)}  ${l.drop}\n`);
    }
    if (options.json) {
      const count = (s: string) => summary.results.filter((r) => r.status === s).length;
      io.stdout(jsonText({
        summary: true, run_id: summary.run_id, ok: count('ok'), error: count('error'), skipped: count('skipped'),
        duration_ms: summary.duration_ms, exit_code: code, leftovers: leftovers.map((l) => l.name),
      }) + '\n');
    }
    return code;
  }, 'run');
}

/** confirmRefresh asks on a terminal before a full refresh drops the selected models' state. */
async function confirmRefresh(plan: RunPlan, options: RunOptions, io: IO): Promise<boolean> {
  if (options.selectors.length === 0) {
    throw new UsageError('--full-refresh needs the models to refresh, e.g. ebb run --full-refresh sync.users');
  }
  const models = resettable(plan);
  if (models.length === 0 || !io.isTTY || options.yes) return true;
  const tracked = models.filter(resendsAll).map((m) => m.name);
  const what = models.map((m) => m.name).join(', ');
  const warning = tracked.length > 0 ? ` ${tracked.join(', ')} will send every row again.` : '';
  if (io.confirm && (await io.confirm(`Full refresh of ${what}: their tables are dropped.${warning} Continue? [y/N] `))) return true;
  io.stderr('Cancelled; nothing was changed.\n');
  return false;
}
