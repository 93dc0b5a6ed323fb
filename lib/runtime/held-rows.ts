// HeldRows is what a save waiting for its outcome function (outcomes.ts) keeps of its rows. The
// function is called once the save's requests' replies are in — with 16 requests in flight and
// the script running ahead of them, ~100 saves later — and rows held that long outlived two
// scavenges: nearly every row was copied twice and promoted to the old generation, for the
// mark-compact to collect (bench/README.md, ninth session). A row of a page that can be made
// again equal to itself (Row.remade) is kept as its page's RowSource, its index there being its
// sequence number less the page's first: the row objects, their value arrays and decoded
// values die young. Any other row (a dict, a row whose list or dict value the script read) is
// kept itself. The function gets a list of the rows made as it reads them (`len(rows)` makes
// none).

import { makeList, makeUnmadeList, steppedSlice, type Unmade, type Value } from '../starlark/index.js';
import { Row, type RowSource } from './row.js';

export type HeldRows =
  /** Every row's source, the row's index there given by its sequence number. */
  | { readonly sources: readonly RowSource[]; readonly seqs: readonly number[] }
  /** The rows themselves. */
  | { readonly rows: readonly Value[] };

/** holdRows is what to keep of a save's rows (seqs: their sequence numbers, one per row). */
export function holdRows(rows: readonly Value[], seqs: readonly number[]): HeldRows {
  const sources = new Array<RowSource>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (!(r instanceof Row)) return { rows };
    const source = r.remade;
    if (source === undefined || r.seq !== seqs[i]) return { rows };
    sources[i] = source;
  }
  return { sources, seqs };
}

/** heldList is a list of the held rows for one call of the outcome function (fn may change it). */
export function heldList(held: HeldRows): Value {
  // A list of its own for each call (makeList copies).
  return 'rows' in held
    ? makeList(held.rows as Value[])
    : makeUnmadeList(new MadeAgain(held.sources, held.seqs));
}

/** MadeAgain makes each held row again from its source when the list's reader asks for it. */
class MadeAgain implements Unmade {
  readonly n: number;
  readonly #sources: readonly RowSource[];
  readonly #seqs: readonly number[];

  constructor(sources: readonly RowSource[], seqs: readonly number[]) {
    this.n = sources.length;
    this.#sources = sources;
    this.#seqs = seqs;
  }

  at(i: number): Value {
    const source = this.#sources[i]!;
    return source.row(this.#seqs[i]! - source.first);
  }

  slice(start: number, end: number, step: number): Value[] {
    return steppedSlice(start, end, step, (i) => this.at(i));
  }

  make(): Value[] {
    const out = new Array<Value>(this.n);
    for (let i = 0; i < this.n; i++) out[i] = this.at(i);
    return out;
  }
}
