import { execute, openContext, planRun, resultLine, summaryLine } from '../run/index.js';
import { Store } from '../store/index.js';
import { guarded, type GlobalOptions, type IO } from './io.js';

export interface RunOptions extends GlobalOptions {
  readonly selectors: readonly string[];
}

/** runCommand is `ebb run [models…]`: exit 0 when every model ran, 1 otherwise. */
export function runCommand(options: RunOptions, io: IO): Promise<number> {
  return guarded(io, async () => {
    const ctx = openContext(options);
    const store = await Store.open({ path: ctx.statePath, root: ctx.project.root });
    try {
      const plan = await planRun(ctx, store, options.selectors);
      const width = Math.max(0, ...plan.steps.map((s) => s.model.name.length));
      const summary = await execute(store, plan, {
        env: options.env ?? process.env,
        onPrint: (model, line) => io.stderr(`      ${model.name}: ${line}\n`),
        onResult: (r) => {
          io.stderr(resultLine(r, width) + '\n');
          if (options.json) {
            const { file: _file, details, ...rest } = r;
            io.stdout(JSON.stringify({ ...rest, ...details }) + '\n');
          }
        },
      });
      io.stderr(summaryLine(summary) + '\n');
      return summary.results.every((r) => r.status === 'ok') ? 0 : 1;
    } finally {
      store.close();
    }
  });
}
