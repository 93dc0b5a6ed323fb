// Cursors are the open non-tracked queries of one model run (query(sql, delta=False), and every
// query of a non-tracked model), each streaming its rows page by page to the script.

import type { Cursor, Store } from '../store/index.js';
import { encodePage } from './page.js';
import type { QueryParam } from './protocol.js';
import { EMPTY_PAGE, type RowsPage } from './rows-page.js';

export class Cursors {
  readonly #store: Store;
  readonly #open = new Map<number, Cursor>();
  #next = 1;

  constructor(store: Store) {
    this.#store = store;
  }

  /** open starts a query and returns its id. */
  async open(sql: string, params: readonly QueryParam[]): Promise<number> {
    const cursor = await this.#store.openCursor(sql, params);
    const id = this.#next++;
    this.#open.set(id, cursor);
    return id;
  }

  /** next is the query's next page; an empty page once it is over (and it is then closed). */
  async next(id: number): Promise<RowsPage> {
    const cursor = this.#open.get(id);
    if (!cursor) return EMPTY_PAGE;
    const rows = await cursor.next();
    if (!rows) {
      this.#open.delete(id);
      return EMPTY_PAGE;
    }
    return encodePage(cursor.columns, cursor.columnTypes, rows, 1);
  }

  /** close ends the queries the script left open. */
  close(): void {
    for (const c of this.#open.values()) c.close();
    this.#open.clear();
  }
}
