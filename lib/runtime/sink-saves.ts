// SinkSaves are the saves of a script that is not tracked: rows for its table, sent to the main
// thread in batches, which stores them in order while the script goes on; if storing fails,
// the script's next host call fails with the failure attributed to the save. Requests before a
// save are checked at the end (a failed unread one fails the model).

import type { Value } from '../starlark/index.js';
import type { Client } from './channel.js';
import { FLUSH_MS, MESSAGE_ROWS, type ModelOps } from './protocol.js';
import type { SaveCall, Saves } from './saves.js';
import { rowToWire, type Wire } from './wire.js';

/** Where rows were saved: from row `first` on, at `at` (file:line:col). */
interface SaveSite {
  readonly first: number;
  readonly at: string | undefined;
}

/** Sites named in a sink.rows origin before "…". */
const MAX_SITES = 4;

export class SinkSaves implements Saves {
  readonly #client: Client<ModelOps>;
  #rows: Array<Record<string, Wire>> = [];
  /** Rows sent to the main thread so far. */
  #count = 0;
  /** Where the rows not yet flushed were saved. */
  #sites: SaveSite[] = [];
  #lastFlush = performance.now();

  constructor(client: Client<ModelOps>) {
    this.#client = client;
  }

  rows(rows: Iterable<Value>, { fn, at, outcome }: SaveCall): void {
    if (outcome !== undefined)
      throw new Error(
        `${fn}: outcome= is for tracked models (@kind: tracked), whose saves acknowledge delivered rows; this model's saves store rows in its table`,
      );
    const first = this.#count + this.#rows.length + 1;
    for (const r of rows) this.#rows.push(rowToWire(r, fn));
    const sites = this.#sites;
    const previous = sites[sites.length - 1];
    if (this.#count + this.#rows.length >= first && (previous === undefined || previous.at !== at))
      sites.push({ first, at });
    if (this.#rows.length >= MESSAGE_ROWS || performance.now() - this.#lastFlush >= FLUSH_MS) this.flush();
  }

  reject(): void {
    throw new Error('save.reject: only a tracked model (@kind: tracked) holds rows back as rejected');
  }

  delete(): void {
    throw new Error('save.delete: only a tracked model (@kind: tracked) acknowledges deletions');
  }

  flush(): void {
    this.#lastFlush = performance.now();
    if (this.#rows.length > 0) {
      const rows = this.#rows;
      const sites = this.#sites;
      this.#rows = [];
      this.#sites = [];
      const end = this.#count + rows.length;
      this.#client.post('sink.rows', { rows }, `save.row (${sinkOrigin(sites, end)})`, sites[0]?.at);
      this.#count = end;
    }
    this.#client.postNow();
  }
}

/**
 * sinkOrigin describes the rows of one sink.rows message ending at row `end`: "rows 1–500", or,
 * when they were saved at several places, each range with its place ("rows 1–10 at
 * models/x.star:4:13, row 11 at models/x.star:8:9").
 */
function sinkOrigin(sites: readonly SaveSite[], end: number): string {
  const range = (from: number, to: number) => (from === to ? `row ${from}` : `rows ${from}–${to}`);
  const parts = sites.slice(0, MAX_SITES).map((s, i) => {
    const to = (sites[i + 1]?.first ?? end + 1) - 1;
    return s.at === undefined || sites.length <= 1 ? range(s.first, to) : `${range(s.first, to)} at ${s.at}`;
  });
  const rest = sites[MAX_SITES];
  return parts.join(', ') + (rest === undefined ? '' : `, … ${range(rest.first, end)}`);
}
