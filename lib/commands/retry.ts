// `ebb retry MODEL [--keys K …]`: send rows the API rejected again (lib/run/retry.ts: their
// entries in _ebb.failures are cleared, so the next run sends them). Rows that failed
// (transient) need no retry: every run sends them again.

import { withProject, type GlobalOptions, type IO } from './io.js';

export interface RetryOptions extends GlobalOptions {
  readonly model: string;
  /** Only these keys: a value of a one-column key, or the key as `ebb status` shows it ({"a":1,"b":"x"}). */
  readonly keys?: readonly string[] | undefined;
}

/** retryCommand clears the model's rejected entries (all, or those of --keys) and says how many. */
export function retryCommand(options: RetryOptions, io: IO): Promise<number> {
  return withProject(
    options,
    io,
    async (ctx, store) => {
      const { retryRejected } = await import('../run/retry.js');
      const given = options.keys ?? [];
      const { model, keys } = await retryRejected(store, ctx.project.models, options.model, given);
      const n = keys.length;
      io.stderr(
        n === 0
          ? `${model.name}: no rejected rows${given.length > 0 ? ' with these keys' : ''} (ebb status ${model.name} lists them)\n`
          : `${model.name}: ${n} rejected ${n === 1 ? 'row is' : 'rows are'} sent again by the next run (ebb run ${model.name})\n`,
      );
      if (options.json) io.stdout(`${JSON.stringify({ model: model.name, retried: n, keys })}\n`);
      return 0;
    },
    'retry',
  );
}
