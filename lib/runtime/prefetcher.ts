// Prefetcher reads the next page of the tracked delta while the script works on the current
// one, so DuckDB and the conversion of rows overlap with the script's own work.
//
// A page is read with what the script reads of its rows (its values, its rows' JSON texts), as
// learned from the page before. The first page is read without them; once the script asks for
// them (tracked.values, tracked.rows), hint() reads the next page again with them at once. The
// page read ahead without them had been read again only when the script reached it, and the
// script waited for that read with the network's queue running dry: the seed loop's second page,
// ~60 ms at a fifth of the run's rate, in every run.

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
    // A page read ahead with more than the script asks for serves it as well.
    if (ahead && ahead.after === after && ahead.limit === limit && covers(ahead.want, want)) {
      page = await ahead.page;
    } else {
      if (ahead) await ahead.page.catch(() => undefined);
      page = await this.#fetch(after, limit, want);
    }
    // A full page may have a next one: read it now.
    if (page.count === limit) this.#readAhead(after + limit, limit, want);
    return page;
  }

  /**
   * hint tells that the script reads `want` of the current page: the page read ahead is read
   * again with it now, unless it has it. (The first read is not undone: it is already queued on
   * the database lane, or done.)
   */
  hint(want: PageWant): void {
    const ahead = this.#ahead;
    if (ahead === undefined || covers(ahead.want, want)) return;
    this.#readAhead(ahead.after, ahead.limit, {
      values: ahead.want.values || want.values,
      rows: ahead.want.rows || want.rows,
    });
  }

  #readAhead(after: number, limit: number, want: PageWant): void {
    this.#ahead = { after, limit, want, page: this.#fetch(after, limit, want) };
    // Its failure, if any, is reported when the script asks for that page.
    this.#ahead.page.catch(() => undefined);
  }
}

/** covers says whether a page read with `has` holds all that `want` asks for. */
function covers(has: PageWant, want: PageWant): boolean {
  return (has.values || !want.values) && (has.rows || !want.rows);
}
