// The worker's side of JSON pages (lib/detect/json-page.ts writes them): the sequence
// numbers and changes are parsed when the page arrives, each column's list only when the
// script first reads a value of it (a script that only acknowledges rows parses none), and
// each value becomes a Starlark value only when read — the same value the row-by-row path
// gives (values.ts#toWire, then wire.ts#fromWire). The rows' JSON texts (lib/detect/row-json.ts)
// are split into lines when json.encode first asks for one. Loaded by the worker: no DuckDB here.

import { None, makeDict, makeFloat, makeString, toStarlark, type Value } from '../starlark/index.js';
import type { JsonKind, JsonPageText, JsonRowTexts, JsonValues } from '../detect/json-page.js';
import { dateIso, timestampIso } from './iso.js';

export type { JsonPageText, JsonRowTexts, JsonValues };

const CHANGE_NAMES = ['new', 'changed'];

/**
 * parse reads one list. The text is read as Latin-1, one character per byte: DuckDB writes
 * non-ASCII characters as raw UTF-8 (never as \u escapes), so its strings come out as the
 * interpreter's own strings (whose characters are UTF-8 bytes) with no decoding at all.
 */
function parse<T>(bytes: Uint8Array): T[] {
  // An empty page's lists are NULL in DuckDB: no bytes at all.
  if (bytes.byteLength === 0) return [];
  return (JSON.parse(latin1(bytes)) as T[] | null) ?? [];
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/**
 * What DuckDB's to_json writes differently from json.encode (lib/detect/row-json.ts): a
 * backslash (an escape: \b and \f are short, json.encode writes \u0008), and what json.encode
 * escapes but to_json leaves raw — <, >, & and U+2028, U+2029 (as UTF-8 bytes, read as Latin-1).
 */
const NOT_AS_ENCODED = /[\\<>&]|\xe2\x80[\xa8\xa9]/;

/** The bytes of U+2028 and U+2029 in UTF-8. */
const LINE_SEPARATORS = [Buffer.from([0xe2, 0x80, 0xa8]), Buffer.from([0xe2, 0x80, 0xa9])];

/**
 * mayDiffer tells whether a page's texts hold a byte of NOT_AS_ENCODED, by searching the bytes
 * (memchr): the regular expression over a page's text cost ~0.1 s of the worker's time per
 * million rows, on pages that almost never hold one.
 */
function mayDiffer(bytes: Uint8Array): boolean {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return (
    b.indexOf(0x5c) >= 0 ||
    b.indexOf(0x3c) >= 0 ||
    b.indexOf(0x3e) >= 0 ||
    b.indexOf(0x26) >= 0 ||
    LINE_SEPARATORS.some((sep) => b.indexOf(sep) >= 0)
  );
}

/**
 * rowTexts reads a page's row texts (one line per row, in the order of `seqs`, else in sequence
 * order) in sequence order; a row whose text json.encode would write otherwise, or has none, is undefined.
 */
function rowTexts(lists: JsonRowTexts, first: number, count: number): ReadonlyArray<string | undefined> {
  const text = latin1(lists.rows);
  const lines: Array<string | undefined> = text.split('\n');
  if (lines.length !== count)
    throw new Error(`a page of rows ${first}–${first + count - 1} arrived with ${lines.length} row texts`);
  if (mayDiffer(lists.rows)) {
    for (let i = 0; i < lines.length; i++) if (NOT_AS_ENCODED.test(lines[i]!)) lines[i] = undefined;
  }
  for (let i = 0; i < lines.length; i++) if (lines[i] === '') lines[i] = undefined;
  return lists.seqs === undefined ? lines : ordered(lines, orderOf(parse<number>(lists.seqs), first, count));
}

/** The rows' values, parsed list by list, in sequence order. */
class Values {
  readonly #lists: JsonValues;
  readonly #order: number[] | undefined;
  readonly #columns: Array<readonly unknown[] | undefined>;
  #before: ReadonlyArray<Record<string, unknown> | null> | undefined;

  constructor(lists: JsonValues, first: number, count: number) {
    this.#lists = lists;
    this.#order = orderOf(parse<number>(lists.seqs), first, count);
    this.#columns = lists.columns.map(() => undefined);
  }

  column(c: number): readonly unknown[] {
    let column = this.#columns[c];
    if (column === undefined) {
      column = ordered(parse<unknown>(this.#lists.columns[c]!), this.#order);
      this.#columns[c] = column;
    }
    return column;
  }

  before(i: number): Record<string, unknown> | null | undefined {
    if (this.#lists.before === undefined) return undefined;
    this.#before ??= ordered(parse<Record<string, unknown> | null>(this.#lists.before), this.#order);
    return this.#before[i];
  }
}

/**
 * orderOf tells where each row of a page (rows first…first+count-1, in order) sits in lists
 * whose sequence numbers are `seqs`: undefined when they are in order already. DuckDB builds
 * the lists in parallel: they agree with each other, not always with the sequence order.
 */
function orderOf(seqs: readonly number[], first: number, count: number): number[] | undefined {
  if (seqs.length !== count)
    throw new Error(`a page of rows ${first}–${first + count - 1} arrived with ${seqs.length} rows`);
  let sorted = true;
  for (let i = 0; i < seqs.length && sorted; i++) sorted = seqs[i] === first + i;
  if (sorted) return undefined;
  const order = new Array<number>(count);
  seqs.forEach((s, at) => {
    const i = s - first;
    if (!(i >= 0 && i < count) || order[i] !== undefined)
      throw new Error(`a page of rows ${first}–${first + count - 1} arrived with row ${s}`);
    order[i] = at;
  });
  return order;
}

function ordered<T>(xs: readonly T[], order: readonly number[] | undefined): readonly T[] {
  return order === undefined ? xs : order.map((i) => xs[i]!);
}

/**
 * JsonPage is a page of rows first…first+count-1: their changes, and their values parsed
 * when first read — from the page itself, or fetched then (`fetchValues`) when the page came
 * without them.
 */
export class JsonPage {
  readonly first: number;
  readonly count: number;
  readonly #text: JsonPageText;
  readonly #changes: readonly string[] | undefined;
  readonly #fetchValues: (() => JsonValues) | undefined;
  readonly #fetchRows: (() => JsonRowTexts) | undefined;
  #values: Values | undefined;
  #rows: ReadonlyArray<string | undefined> | undefined;

  constructor(
    text: JsonPageText,
    first: number,
    count: number,
    fetchValues?: () => JsonValues,
    fetchRows?: () => JsonRowTexts,
  ) {
    this.#text = text;
    this.first = first;
    this.count = count;
    this.#fetchValues = fetchValues;
    this.#fetchRows = fetchRows;
    const order = text.seqs === undefined ? undefined : orderOf(parse<number>(text.seqs), first, count);
    this.#changes =
      text.change === undefined
        ? undefined
        : ordered(parse<number>(text.change), order).map((c) => CHANGE_NAMES[c]!);
    if (text.columns !== undefined)
      this.#values = new Values(
        {
          seqs: text.seqs ?? new Uint8Array(0),
          columns: text.columns,
          ...(text.before ? { before: text.before } : {}),
        },
        first,
        count,
      );
  }

  /** Whether the script read a value of this page (then the next page is asked for with its values). */
  get valuesRead(): boolean {
    return this.#values !== undefined && this.#text.columns === undefined;
  }

  /** Whether the script encoded a row of this page as JSON (then the next page is asked for with row texts). */
  get rowsRead(): boolean {
    return this.#rows !== undefined && this.#text.rows === undefined;
  }

  /**
   * rowJson is row `i`'s JSON text as json.encode writes it (an interpreter string), or
   * undefined when json.encode must write it itself.
   */
  rowJson(i: number): string | undefined {
    if (this.#rows === undefined) {
      if (this.#text.rowJson !== true) return undefined;
      const rows = this.#text.rows;
      const lists =
        rows !== undefined
          ? { rows, ...(this.#text.seqs ? { seqs: this.#text.seqs } : {}) }
          : this.#fetchRows?.();
      if (lists === undefined) return undefined;
      this.#rows = rowTexts(lists, this.first, this.count);
    }
    return this.#rows[i];
  }

  change(i: number): string | undefined {
    return this.#changes ? this.#changes[i] : this.#text.fixedChange;
  }

  #valuesOf(): Values {
    if (this.#values === undefined) {
      if (this.#fetchValues === undefined)
        throw new Error(`the values of rows ${this.first}–${this.first + this.count - 1} are not available`);
      this.#values = new Values(this.#fetchValues(), this.first, this.count);
    }
    return this.#values;
  }

  /** value is column `c` of row `i` as a Starlark value. */
  value(c: number, i: number): Value {
    return decodeJsonValue(this.#text.kinds[c]!, this.#valuesOf().column(c)[i]);
  }

  /** before is row `i`'s last saved version as a dict, or None. */
  before(i: number): Value {
    const x = this.#valuesOf().before(i);
    if (x === null || x === undefined) return None;
    const names = this.#text.beforeNames ?? [];
    const kinds = this.#text.beforeKinds ?? [];
    return makeDict(names.map((n, k) => [makeString(n), decodeJsonValue(kinds[k]!, x[`f${k}`])]));
  }
}

/** decodeJsonValue is the Starlark value of a page's JSON value of kind `kind`. */
export function decodeJsonValue(kind: JsonKind, x: unknown): Value {
  if (x === null || x === undefined) return None;
  switch (kind) {
    case 'str':
      return x as string; // already an interpreter string (see parse)
    case 'dec':
      return makeString(x as string);
    case 'bool':
      return x as boolean;
    case 'int':
      return typeof x === 'number' ? x : toStarlark(BigInt(x as string));
    case 'float':
      return makeFloat(typeof x === 'number' ? x : special(x as string));
    case 'date':
      return makeString(typeof x === 'number' ? dateIso(x) : (x as string));
    case 'ts':
    case 'tstz':
      if (typeof x === 'number') return makeString(timestampIso(x, kind === 'tstz'));
      // Digits: microseconds beyond a double's exact integers; else DuckDB's text of a sentinel.
      return makeString(
        /^-?\d+$/.test(x as string) ? timestampIso(BigInt(x as string), kind === 'tstz') : (x as string),
      );
  }
}

function special(text: string): number {
  switch (text) {
    case 'nan':
      return Number.NaN;
    case 'inf':
      return Number.POSITIVE_INFINITY;
    case '-inf':
      return Number.NEGATIVE_INFINITY;
    default:
      return Number(text);
  }
}

/** The buffers of a page's lists, to move them to the worker rather than copy them. */
export function pageBuffers(text: Partial<JsonPageText>): ArrayBuffer[] {
  const all = [text.seqs, text.change, ...(text.columns ?? []), text.before, text.rows];
  const out: ArrayBuffer[] = [];
  for (const b of all)
    if (b !== undefined && b.buffer instanceof ArrayBuffer && !out.includes(b.buffer)) out.push(b.buffer);
  return out;
}
