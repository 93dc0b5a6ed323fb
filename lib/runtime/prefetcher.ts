// Prefetcher reads the next page of the tracked delta while the script works on the current
// one, so DuckDB and the conversion of rows overlap with the script's own work.

import type { SerialLane } from './channel.js';
import type { PageWant } from './protocol.js';
import type { RowsPage } from './rows-page.js';

/** Fetches `limit` rows of the delta after sequence number `after`, with what the script reads. */
export type PageFetch = (after: number, limit: number, want: PageWant) => Promise<RowsPage>;

export class Prefetcher {
  readonly #fetch: PageFetch;
  #ahead: { after: number; limit: number; want: PageWant; page: Promise<RowsPage> } | undefined;

  /** Fetches run on the database lane, in order with the script's other database work. */
  constructor(lane: SerialLane, fetch: PageFetch) {
    this.#fetch = (after, limit, want) => lane.run(() => fetch(after, limit, want));
  }

  /** page is the page asked for (fetched ahead when the script asked for the pages in order). */
  async page(after: number, limit: number, want: PageWant): Promise<RowsPage> {
    const ahead = this.#ahead;
    this.#ahead = undefined;
    let page: RowsPage;
    if (
      ahead &&
      ahead.after === after &&
      ahead.limit === limit &&
      ahead.want.values === want.values &&
      ahead.want.rows === want.rows
    ) {
      page = await ahead.page;
    } else {
      if (ahead) await ahead.page.catch(() => undefined);
      page = await this.#fetch(after, limit, want);
    }
    // A full page may have a next one: read it now.
    if (page.count === limit) {
      const next = after + limit;
      this.#ahead = { after: next, limit, want, page: this.#fetch(next, limit, want) };
      // Its failure, if any, is reported when the script asks for that page.
      this.#ahead.page.catch(() => undefined);
    }
    return page;
  }
}
