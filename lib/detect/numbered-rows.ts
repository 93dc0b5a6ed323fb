// The numbering of a run's working rows (the delta, the deleted keys): a view over the rows as
// written in sequence order, its positions counted from the table's first rowid
// (tracked-sql.ts numberedViewSql), which is 0 unless the rows were written inside a transaction
// not yet committed (ebb plan's).

import type { Store } from '../store/index.js';
import { firstRowIdSql, numberedViewSql, type WorkTables } from './tracked-sql.js';

/** numberRows makes the view that numbers the rows of the delta (or of the deleted keys). */
export async function numberRows(store: Store, work: WorkTables, which: 'delta' | 'gone'): Promise<void> {
  const first = await store.scalar(firstRowIdSql(work, which));
  await store.exec(
    numberedViewSql(work, which, first === null || first === undefined ? 0n : BigInt(String(first))),
  );
}
