// The numbering of a run's working rows (the delta, the deleted keys): a view over the rows as
// written in sequence order, its positions counted from the table's first rowid
// (tracked-sql.ts numberedViewSql), which is 0 unless the rows were written inside a transaction
// not yet committed (ebb plan's).

import type { Store } from '../store/index.js';
import { firstRowIdSql, numberedViewSql, type WorkTables } from './tracked-sql.js';

/**
 * numberRows makes the view that numbers the rows of the delta (or of the deleted keys);
 * `allNew`: a first delta's rows, written without their change and before (numberedViewSql).
 */
export async function numberRows(
  store: Store,
  work: WorkTables,
  which: 'delta' | 'gone',
  allNew = false,
): Promise<void> {
  const first = await store.scalar(firstRowIdSql(work, which));
  const base = first === null || first === undefined ? 0n : BigInt(String(first));
  await store.exec(numberedViewSql(work, which, base, allNew));
}
