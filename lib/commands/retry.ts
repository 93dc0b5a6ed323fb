// `ebb retry MODEL [--keys K …]`: send rows the API rejected again. A rejected row (an outcome
// function said outcome.rejected) is not sent while its content stays the same; retrying clears
// its entry in _ebb.failures, so the next run finds it new or changed again and sends it. Rows
// that failed (transient) need no retry: every run sends them again.

import { UsageError } from '../errors.js';
import type { Model } from '../project/index.js';
import { clearRejected } from '../store/index.js';
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
      const model = ctx.project.models.find((m) => m.name.toLowerCase() === options.model.toLowerCase());
      if (model === undefined)
        throw new UsageError(
          `retry: no model named ${options.model} (models: ${ctx.project.models.map((m) => m.name).join(', ')})`,
        );
      const keys = (options.keys ?? []).map((k) => keyText(model, k));
      const cleared = await clearRejected(store, model.name, keys);
      const n = cleared.length;
      io.stderr(
        n === 0
          ? `${model.name}: no rejected rows${keys.length > 0 ? ' with these keys' : ''} (ebb status ${model.name} lists them)\n`
          : `${model.name}: ${n} rejected ${n === 1 ? 'row is' : 'rows are'} sent again by the next run (ebb run ${model.name})\n`,
      );
      if (options.json) io.stdout(`${JSON.stringify({ model: model.name, retried: n, keys: cleared })}\n`);
      return 0;
    },
    'retry',
  );
}

/** keyText is a --keys value as the failures table stores keys: a JSON object of the key columns, in their order. */
function keyText(model: Model, given: string): string {
  const cols = model.uniqueKey;
  let key: Record<string, unknown>;
  if (given.trim().startsWith('{')) {
    try {
      key = JSON.parse(given) as Record<string, unknown>;
    } catch {
      throw new UsageError(`retry --keys: ${given} is not a JSON object; write it as ebb status shows it`);
    }
  } else if (cols.length === 1) {
    // A number is stored as a JSON number, anything else as a string.
    key = { [cols[0]!]: /^-?\d+(\.\d+)?$/.test(given) ? Number(given) : given };
  } else {
    throw new UsageError(
      `retry --keys: ${model.name}'s key has ${cols.length} columns (${cols.join(', ')}); give each key as JSON, e.g. '{"${cols[0]}": …}'`,
    );
  }
  const ordered: Record<string, unknown> = {};
  for (const c of cols) {
    const found = Object.keys(key).find((k) => k.toLowerCase() === c.toLowerCase());
    if (found === undefined)
      throw new UsageError(`retry --keys: ${given} has no ${c} (the key is ${cols.join(', ')})`);
    ordered[c] = key[found];
  }
  return JSON.stringify(ordered);
}
