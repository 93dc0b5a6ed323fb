import { join } from 'node:path';
import { Store } from '../../lib/store/index.js';

/** withStore opens a project's state database, runs fn, and closes it. */
export async function withStore<T>(root: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await Store.open({ path: join(root, 'state', 'ebb.duckdb'), root });
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}
