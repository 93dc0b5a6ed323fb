// A page of rows on its way from the main thread to a model's worker, in columns: integer
// and float columns travel as typed arrays (copied in one piece by structured clone), other
// columns as arrays of wire values. Rows of a page have consecutive sequence numbers.
// This module is loaded by the worker, so it must not import DuckDB.

import { None, makeFloat, toStarlark, type Value } from '../starlark/index.js';
import { JsonPage, type JsonPageText, type JsonRowTexts, type JsonValues } from './json-page.js';
import { Row, type RowOrigin, type RowShape, type RowSource } from './row.js';
import { fromWire, type Wire } from './wire.js';

export type WireColumn =
  | { readonly kind: 'int'; readonly values: BigInt64Array; readonly nulls: Uint8Array | undefined }
  | { readonly kind: 'float'; readonly values: Float64Array; readonly nulls: Uint8Array | undefined }
  | { readonly kind: 'any'; readonly values: Wire[] };

export const CHANGES = ['new', 'changed', 'deleted'] as const;
export type Change = (typeof CHANGES)[number];

export interface RowsPage {
  readonly columns: readonly string[];
  /** Sequence number of the first row. */
  readonly first: number;
  readonly count: number;
  readonly data: readonly WireColumn[];
  /** Index into CHANGES per row, for rows of a tracked query or of deleted(). */
  readonly change?: Uint8Array;
  /** The last saved version per row (null for none), for rows of a tracked query. */
  readonly before?: Wire[];
  /** The whole page as DuckDB's JSON text (data, change and before are then empty). */
  readonly json?: JsonPageText;
}

export const EMPTY_PAGE: RowsPage = { columns: [], first: 1, count: 0, data: [] };

/** decodeValue reads row `i` of a wire column as a Starlark value. */
export function decodeValue(col: WireColumn, i: number): Value {
  switch (col.kind) {
    case 'int':
      return col.nulls?.[i] ? None : toStarlark(col.values[i]!);
    case 'float':
      return col.nulls?.[i] ? None : makeFloat(col.values[i]!);
    case 'any':
      return fromWire(col.values[i]!);
  }
}

/** WireRows is a page of wire columns as the source of its rows. */
class WireRows implements RowSource {
  readonly first: number;
  readonly #page: RowsPage;
  readonly #shape: RowShape;
  readonly #origin: RowOrigin;

  constructor(page: RowsPage, shape: RowShape, origin: RowOrigin) {
    this.first = page.first;
    this.#page = page;
    this.#shape = shape;
    this.#origin = origin;
  }

  value(c: number, i: number): Value {
    return decodeValue(this.#page.data[c]!, i);
  }

  before(i: number): Value {
    const before = this.#page.before?.[i];
    return before === undefined || before === null ? None : fromWire(before);
  }

  json(): undefined {
    return undefined;
  }

  row(i: number): Row {
    const change = this.#page.change ? CHANGES[this.#page.change[i]!] : undefined;
    return new Row(this.#shape, this, this.#origin, this.first + i, change, i);
  }
}

/** JsonRows is a JSON page as the source of its rows. */
class JsonRows implements RowSource {
  readonly first: number;
  readonly #page: JsonPage;
  readonly #shape: RowShape;
  readonly #origin: RowOrigin;
  /** Whether rows may have a before (the page names its columns), and a JSON text each. */
  readonly #mayHaveBefore: boolean;
  readonly #rowJson: boolean;

  constructor(page: JsonPage, text: JsonPageText, shape: RowShape, origin: RowOrigin) {
    this.first = page.first;
    this.#page = page;
    this.#shape = shape;
    this.#origin = origin;
    this.#mayHaveBefore = text.beforeNames !== undefined;
    this.#rowJson = text.rowJson === true;
  }

  value(c: number, i: number): Value {
    return this.#page.value(c, i);
  }

  before(i: number): Value {
    // A new row has no before: only changed rows may need the values to tell theirs.
    return this.#mayHaveBefore && this.#page.change(i) === 'changed' ? this.#page.before(i) : None;
  }

  json(i: number): string | undefined {
    return this.#rowJson ? this.#page.rowJson(i) : undefined;
  }

  row(i: number): Row {
    return new Row(this.#shape, this, this.#origin, this.first + i, this.#page.change(i), i);
  }
}

/** Reads what a JSON page came without, when the script first needs it. */
export interface PageLists {
  readonly values: () => JsonValues;
  readonly rows: () => JsonRowTexts;
}

/**
 * pageRows gives a page's rows by index; a JSON page is parsed here, its values when the
 * script first reads one, its row texts when json.encode first asks for one (fetched then
 * with `lists` if the page came without them).
 */
export function pageRows(
  page: RowsPage,
  shape: RowShape,
  origin: RowOrigin,
  lists?: PageLists,
): { row: (i: number) => Row; valuesRead: () => boolean; rowsRead: () => boolean } {
  const json = page.json;
  if (json === undefined) {
    const source = new WireRows(page, shape, origin);
    return { row: (i) => source.row(i), valuesRead: () => true, rowsRead: () => false };
  }
  const p = new JsonPage(json, page.first, page.count, lists?.values, lists?.rows);
  const source = new JsonRows(p, json, shape, origin);
  return {
    row: (i) => source.row(i),
    valuesRead: () => p.valuesRead,
    rowsRead: () => p.rowsRead,
  };
}
