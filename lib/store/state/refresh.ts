// `_ebb.refresh`: the models a `--full-refresh` has yet to reset. The intent is committed before
// the first reset and each model's entry goes in the same transaction as its reset, so a run
// killed in between (kill -9, a crash) leaves exactly the models still to reset, and the next
// run that plans them finishes the refresh instead of silently running without it.

import { quotedTable } from '../quote.js';
import type { Store } from '../store.js';

/** A model's table, as far as a reset goes. */
export interface ResetTarget {
  readonly name: string;
  readonly schema: string;
  readonly table: string;
}

/** recordRefresh commits the intent to reset `models` (before any of them is reset). */
export async function recordRefresh(store: Store, models: readonly string[]): Promise<void> {
  if (models.length === 0) return;
  await store.transaction(async () => {
    for (const m of models)
      await store.exec('INSERT OR REPLACE INTO _ebb.refresh (model, requested_at) VALUES (?, now())', [m]);
  });
}

/**
 * resetModelState drops a model's table (and, `tracked`, what `_ebb.tracked` says of it) and
 * clears its refresh intent, in one transaction.
 */
export async function resetModelState(store: Store, target: ResetTarget, tracked: boolean): Promise<void> {
  await store.transaction(async () => {
    await store.exec(`DROP TABLE IF EXISTS ${quotedTable(target)}`);
    if (tracked) await store.exec('DELETE FROM _ebb.tracked WHERE model = ?', [target.name]);
    await store.exec('DELETE FROM _ebb.refresh WHERE model = ?', [target.name]);
  });
}

/** pendingRefreshes lists the models a --full-refresh intended to reset and did not, with when it was asked (ISO-8601, UTC). */
export async function pendingRefreshes(store: Store): Promise<Array<{ model: string; requestedAt: string }>> {
  const rows = await store.query(
    `SELECT model, strftime(requested_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS at FROM _ebb.refresh ORDER BY model`,
  );
  return rows.map((r) => ({ model: String(r['model']), requestedAt: String(r['at']) }));
}
