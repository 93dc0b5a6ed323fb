// The worker's side of JSON pages (lib/detect/json-page.ts writes them): the sequence
// numbers and changes are parsed when the page arrives, each column's list only when the
// script first reads a value of it (a script that only acknowledges rows parses none), and
// each value becomes a Starlark value only when read — the same value the row-by-row path
// gives (values.ts#toWire, then wire.ts#fromWire). Loaded by the worker: no DuckDB here.

import { None, makeDict, makeFloat, makeString, toStarlark, type Value } from '../starlark/index.js';
import type { JsonKind, JsonPageText } from '../detect/json-page.js';
import { dateIso, timestampIso } from './iso.js';

export type { JsonPageText };

const CHANGE_NAMES = ['new', 'changed'];

/**
 * parse reads one list. The text is read as Latin-1, one character per byte: DuckDB writes
 * non-ASCII characters as raw UTF-8 (never as \u escapes), so its strings come out as the
 * interpreter's own strings (whose characters are UTF-8 bytes) with no decoding at all.
 */
function parse<T>(bytes: Uint8Array): T[] {
  // An empty page's lists are NULL in DuckDB: no bytes at all.
  if (bytes.byteLength === 0) return [];
  return (JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')) as T[] | null) ?? [];
}

/** JsonPage is a parsed page, in sequence order. */
export class JsonPage {
  readonly seqs: readonly number[];
  readonly #text: JsonPageText;
  /** Where each row (in sequence order) sits in DuckDB's lists, when they came out of order. */
  readonly #order: number[] | undefined;
  readonly #changes: readonly string[] | undefined;
  readonly #columns: Array<readonly unknown[] | undefined>;
  #before: ReadonlyArray<Record<string, unknown> | null> | undefined;

  constructor(text: JsonPageText) {
    this.#text = text;
    const seqs = parse<number>(text.seqs);
    let sorted = true;
    for (let i = 1; i < seqs.length && sorted; i++) sorted = seqs[i - 1]! < seqs[i]!;
    // DuckDB builds the lists in parallel: they agree with each other, not always with the seqs' order.
    this.#order = sorted ? undefined : seqs.map((_s, i) => i).sort((a, b) => seqs[a]! - seqs[b]!);
    this.seqs = this.#ordered(seqs);
    this.#changes = text.change === undefined ? undefined : this.#ordered(parse<number>(text.change)).map((c) => CHANGE_NAMES[c]!);
    this.#columns = text.columns.map(() => undefined);
  }

  get count(): number {
    return this.seqs.length;
  }

  change(i: number): string | undefined {
    return this.#changes ? this.#changes[i] : this.#text.fixedChange;
  }

  /** value is column `c` of row `i` as a Starlark value (the column's list parsed at first use). */
  value(c: number, i: number): Value {
    let column = this.#columns[c];
    if (column === undefined) {
      column = this.#ordered(parse<unknown>(this.#text.columns[c]!));
      this.#columns[c] = column;
    }
    return decodeJsonValue(this.#text.kinds[c]!, column[i]);
  }

  hasBefore(i: number): boolean {
    if (this.#text.before === undefined) return false;
    this.#before ??= this.#ordered(parse<Record<string, unknown> | null>(this.#text.before));
    return this.#before[i] !== null && this.#before[i] !== undefined;
  }

  /** before is row `i`'s last saved version as a dict (call when hasBefore(i)). */
  before(i: number): Value {
    const x = this.#before?.[i];
    if (x === null || x === undefined) return None;
    const names = this.#text.beforeNames ?? [];
    const kinds = this.#text.beforeKinds ?? [];
    return makeDict(names.map((n, k) => [makeString(n), decodeJsonValue(kinds[k]!, x[`f${k}`])]));
  }

  #ordered<T>(xs: readonly T[]): readonly T[] {
    const order = this.#order;
    return order === undefined ? xs : order.map((i) => xs[i]!);
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
      return makeString(/^-?\d+$/.test(x as string) ? timestampIso(BigInt(x as string), kind === 'tstz') : (x as string));
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
export function pageBuffers(text: JsonPageText): ArrayBuffer[] {
  const all = [text.seqs, ...(text.change ? [text.change] : []), ...text.columns, ...(text.before ? [text.before] : [])];
  const out: ArrayBuffer[] = [];
  for (const b of all) if (b.buffer instanceof ArrayBuffer && !out.includes(b.buffer)) out.push(b.buffer);
  return out;
}
