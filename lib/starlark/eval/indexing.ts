/**
 * Indexing and slicing: x[i], x[i] = v and x[lo:hi:step] on strings, bytes, lists, tuples,
 * ranges (exact beyond the safe integers), dicts and host values, with starlark-go's int32
 * indices and its error wording.
 */
import { Dict, typeOf } from './hashtable.js';
import { BigRange, bounds, rangeSlice, type AnyRange } from './range.js';
import { repr } from './repr.js';
import {
  Bytes,
  HostValue,
  List,
  None,
  Range,
  fail,
  isTuple,
  tuple,
  type Tuple,
  type Value,
} from './value.js';

/** toInt32 converts an index operand to a JS number (starlark-go's AsInt32: int32 only). */
export function toInt32(v: Value, what: string): number {
  if (typeof v === 'number' && v <= 0x7fffffff && v >= -0x80000000) return v;
  if (typeof v === 'number' || typeof v === 'bigint') fail(`${what}: ${v} out of range`);
  return fail(`${what}: got ${typeOf(v)}, want int`);
}

/** int32Err is AsInt32's error text for v, or undefined when v is an int32. */
function int32Err(v: Value): string | undefined {
  if (typeof v === 'number' && v <= 0x7fffffff && v >= -0x80000000) return undefined;
  if (typeof v === 'number' || typeof v === 'bigint') return `${v} out of range`;
  return `got ${typeOf(v)}, want int`;
}

function seqIndex(kind: string, v: Value, n: number): number {
  const bad = int32Err(v);
  if (bad !== undefined) fail(`${kind} index: ${bad}`);
  let i = v as number;
  const orig = i;
  if (i < 0) i += n;
  if (i < 0 || i >= n) {
    if (n === 0) fail(`index ${orig} out of range: empty ${kind}`);
    fail(`${kind} index ${orig} out of range [${-n}:${n - 1}]`);
  }
  return i;
}

export function getIndex(x: Value, y: Value): Value {
  if (isTuple(x)) {
    if (typeof y === 'number' && y >= 0 && y < x.length) return x[y]!;
    return x[seqIndex('tuple', y, x.length)]!;
  }
  if (x instanceof List) {
    if (x.unmade !== null) return x.unmade.at(seqIndex('list', y, x.unmade.n));
    const e = x.store;
    if (typeof y === 'number' && y >= 0 && y < e.length) return e[y]!;
    return e[seqIndex('list', y, e.length)]!;
  }
  if (x instanceof Dict) {
    const v = x.ht.get(y);
    if (v === undefined) fail(`key ${repr(y)} not in dict`);
    return v;
  }
  if (typeof x === 'string') {
    if (typeof y === 'number' && y >= 0 && y < x.length) return x[y]!;
    return x[seqIndex('string', y, x.length)]!;
  }
  if (x instanceof Range) return x.at(seqIndex('range', y, x.len));
  if (x instanceof BigRange) return bigRangeIndex(x, y);
  // b[i] is a one-byte bytes value, as in today's starlark-go (it was an int).
  if (x instanceof Bytes) return new Bytes(x.s[seqIndex('bytes', y, x.s.length)]!);
  if (x instanceof HostValue) {
    if (x.get) {
      const v = x.get(y);
      if (v === undefined) fail(`key ${repr(y)} not in ${x.type()}`);
      return v;
    }
    if (x.index && x.len) return x.index(seqIndex(x.type(), y, x.len()));
  }
  return fail(`unhandled index operation ${typeOf(x)}[${typeOf(y)}]`);
}

export function setIndex(x: Value, y: Value, v: Value): void {
  if (x instanceof List) {
    if (x.frozen) fail('cannot assign to element of frozen list');
    if (x.itercount > 0) fail('cannot assign to element of list during iteration');
    const e = x.elems;
    if (typeof y === 'number' && y >= 0 && y < e.length) {
      e[y] = v;
      return;
    }
    e[seqIndex('list', y, e.length)] = v;
    return;
  }
  if (x instanceof Dict) {
    x.ht.set(y, v);
    return;
  }
  if (
    x instanceof HostValue &&
    'setIndex' in x &&
    typeof (x as { setIndex?: unknown }).setIndex === 'function'
  ) {
    (x as unknown as { setIndex(k: Value, v: Value): void }).setIndex(y, v);
    return;
  }
  fail(`${typeOf(x)} value does not support item assignment`);
}

function sliceIndex(v: Value | undefined, what: string): number | undefined {
  if (v === undefined || v === None) return undefined;
  const bad = int32Err(v);
  if (bad !== undefined) fail(`invalid ${what} index: ${bad}`);
  return v as number;
}

function sliceStep(stepV: Value | undefined): number {
  if (stepV === undefined || stepV === None) return 1;
  const bad = int32Err(stepV);
  if (bad !== undefined) fail(`invalid slice step: ${bad}`);
  if (stepV === 0) fail('zero is not a valid slice step');
  return stepV as number;
}

/**
 * sliceIndices computes the effective start/stop/step of x[lo:hi:step] for a length n, as
 * starlark-go's slice(): int32 indices and step, clamping to [0:n] (step > 0) or, for a
 * negative step, start to at most n-1 and end to at least -1. An empty slice has start == end.
 */
export function sliceIndices(
  n: number,
  lo: Value | undefined,
  hi: Value | undefined,
  stepV: Value | undefined,
): [number, number, number] {
  const step = sliceStep(stepV);
  let start: number;
  let end: number;
  const s = sliceIndex(lo, 'start');
  const e = sliceIndex(hi, 'end');
  if (step > 0) {
    start = s === undefined ? 0 : s < 0 ? Math.max(0, s + n) : Math.min(s, n);
    end = e === undefined ? n : e < 0 ? Math.max(0, e + n) : Math.min(e, n);
    if (end < start) end = start;
  } else {
    start = s === undefined ? n - 1 : s < 0 ? s + n : s;
    if (start >= n) start = n - 1;
    end = e === undefined ? -1 : e < 0 ? e + n : e;
    if (end < -1) end = -1;
    if (start < end) start = end;
  }
  return [start, end, step];
}

/** bigRangeIndex is r[y] for a range beyond the safe integers. */
function bigRangeIndex(r: BigRange, y: Value): Value {
  const bad = int32Err(y);
  if (bad !== undefined) fail(`range index: ${bad}`);
  let i = BigInt(y as number);
  if (i < 0n) i += r.n;
  if (i < 0n || i >= r.n) {
    if (r.n <= 0n) fail(`index ${y} out of range: empty range`);
    fail(`range index ${y} out of range [${-r.n}:${r.n - 1n}]`);
  }
  return r.at(i);
}

/** sliceRange is r[lo:hi:step] on the exact (bigint) bounds of any range. */
function sliceRange(
  r: AnyRange,
  lo: Value | undefined,
  hi: Value | undefined,
  stepV: Value | undefined,
): Value {
  const [, , , n] = bounds(r);
  const step = sliceStep(stepV);
  const s = sliceIndex(lo, 'start');
  const e = sliceIndex(hi, 'end');
  let start: bigint;
  let end: bigint;
  if (step > 0) {
    start = s === undefined ? 0n : BigInt(s) + (s < 0 ? n : 0n);
    if (start < 0n) start = 0n;
    else if (start > n) start = n;
    end = e === undefined ? n : BigInt(e) + (e < 0 ? n : 0n);
    if (end < 0n) end = 0n;
    else if (end > n) end = n;
    if (end < start) end = start;
  } else {
    start = s === undefined ? n - 1n : BigInt(s) + (s < 0 ? n : 0n);
    if (start >= n) start = n - 1n;
    end = e === undefined ? -1n : BigInt(e) + (e < 0 ? n : 0n);
    if (end < -1n) end = -1n;
    if (start < end) start = end;
  }
  return rangeSlice(r, start, end, BigInt(step));
}

export function slice(
  x: Value,
  lo: Value | undefined,
  hi: Value | undefined,
  stepV: Value | undefined,
): Value {
  let n: number;
  if (typeof x === 'string') n = x.length;
  else if (x instanceof List) n = x.len;
  else if (isTuple(x)) n = x.length;
  else if (x instanceof Range || x instanceof BigRange) return sliceRange(x, lo, hi, stepV);
  else if (x instanceof Bytes) n = x.s.length;
  else return fail(`invalid slice operand ${typeOf(x)}`);
  const [start, end, step] = sliceIndices(n, lo, hi, stepV);
  if (x instanceof List && x.unmade !== null) return new List(x.unmade.slice(start, end, step));
  if (step === 1) {
    const e = Math.max(start, end);
    if (typeof x === 'string') return x.slice(start, e);
    if (x instanceof Bytes) return new Bytes(x.s.slice(start, e));
    if (x instanceof List) return new List(x.elems.slice(start, e));
    return tuple((x as Tuple).slice(start, e));
  }
  if (typeof x === 'string' || x instanceof Bytes) {
    const s = typeof x === 'string' ? x : x.s;
    const parts: string[] = [];
    if (step > 0) for (let i = start; i < end; i += step) parts.push(s[i]!);
    else for (let i = start; i > end; i += step) parts.push(s[i]!);
    const out = parts.join('');
    return typeof x === 'string' ? out : new Bytes(out);
  }
  const src = x instanceof List ? x.elems : (x as Tuple);
  const out: Value[] = [];
  if (step > 0) for (let i = start; i < end; i += step) out.push(src[i]!);
  else for (let i = start; i > end; i += step) out.push(src[i]!);
  return x instanceof List ? new List(out) : tuple(out);
}
