// Sending rejected rows again: what `ebb retry MODEL [--keys …]` and the dashboard's "send
// rejected rows again" both do. A rejected row (an outcome function said outcome.rejected) is
// not sent while its content stays the same; clearing its entry in _ebb.failures makes the next
// run find it new or changed again and send it. The caller holds the state open for writing.

import { UsageError } from '../errors.js';
import type { Model } from '../project/index.js';
import { clearRejected, type Store } from '../store/index.js';

export interface Retried {
  readonly model: Model;
  /** The keys whose entries were cleared, as _ebb.failures stores them (sorted). */
  readonly keys: readonly string[];
}

/**
 * retryRejected clears the rejected entries of the model named `name` (in any case): all, or
 * those of `keys` (a value of a one-column key, or the key as `ebb status` shows it).
 */
export async function retryRejected(
  store: Store,
  models: readonly Model[],
  name: string,
  keys: readonly string[] = [],
): Promise<Retried> {
  const model = models.find((m) => m.name.toLowerCase() === name.toLowerCase());
  if (model === undefined)
    throw new UsageError(`retry: no model named ${name} (models: ${models.map((m) => m.name).join(', ')})`);
  const cleared = await clearRejected(
    store,
    model.name,
    keys.map((k) => keyText(model, k)),
  );
  return { model, keys: cleared };
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
