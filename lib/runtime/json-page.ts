// The worker's side of JSON pages (lib/detect/json-page.ts writes them): the page's text is
// parsed once, put in sequence order, and each value becomes a Starlark value only when the
// script reads it — the same value the row-by-row path gives (values.ts#toWire, then
// wire.ts#fromWire). Loaded by the worker: no DuckDB here.

import { None, makeDict, makeFloat, makeString, toStarlark, type Value } from '../starlark/index.js';
import type { JsonKind } from '../detect/json-page.js';
import { dateIso, timestampIso } from './iso.js';

/** A page as DuckDB wrote it, with what the worker needs to read it. */
export interface JsonPageText {
  /** The page's JSON text as UTF-8. */
  readonly bytes: Uint8Array;
  readonly kinds: readonly JsonKind[];
  /** The stored columns of `before`, in the order of the page's `f0…` fields. */
  readonly beforeNames?: readonly string[];
  readonly beforeKinds?: readonly JsonKind[];
  /** The change of every row, for pages without a change list (deleted()). */
  readonly change?: string;
}

/** The parsed page: a list per column, in sequence order. */
export interface JsonColumns {
  readonly seqs: readonly number[];
  readonly change: readonly string[] | undefined;
  readonly values: ReadonlyArray<readonly unknown[]>;
  readonly before: ReadonlyArray<Record<string, unknown> | null> | undefined;
}

interface Parsed {
  s: number[] | null;
  c?: string[] | null;
  b?: Array<Record<string, unknown> | null> | null;
  [column: `v${number}`]: unknown[] | null;
}

const utf8 = new TextDecoder();

/** parseJsonPage parses a page and orders its rows by sequence number. */
export function parseJsonPage(page: JsonPageText): JsonColumns {
  const p = JSON.parse(utf8.decode(page.bytes)) as Parsed;
  const seqs = p.s ?? [];
  let values = page.kinds.map((_k, i) => p[`v${i}`] ?? []);
  let change = p.c ?? (page.change === undefined ? undefined : seqs.map(() => page.change!));
  let before = p.b ?? undefined;
  let sorted = true;
  for (let i = 1; i < seqs.length && sorted; i++) sorted = seqs[i - 1]! < seqs[i]!;
  if (!sorted) {
    // DuckDB builds the lists in parallel; they agree with each other, not always with the seqs' order.
    const order = seqs.map((_s, i) => i).sort((a, b) => seqs[a]! - seqs[b]!);
    const pick = <T>(xs: readonly T[]): T[] => order.map((i) => xs[i]!);
    values = values.map(pick);
    change = change && pick(change);
    before = before && pick(before);
    return { seqs: pick(seqs), change, values, before };
  }
  return { seqs, change, values, before };
}

/** decodeJsonValue is the Starlark value of a page's JSON value of kind `kind`. */
export function decodeJsonValue(kind: JsonKind, x: unknown): Value {
  if (x === null || x === undefined) return None;
  switch (kind) {
    case 'str':
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

/** decodeBefore is a row's `before` (a dict of the stored columns), or None. */
export function decodeBefore(page: JsonPageText, x: Record<string, unknown> | null | undefined): Value {
  if (x === null || x === undefined) return None;
  const names = page.beforeNames ?? [];
  const kinds = page.beforeKinds ?? [];
  return makeDict(names.map((n, i) => [makeString(n), decodeJsonValue(kinds[i]!, x[`f${i}`])]));
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
