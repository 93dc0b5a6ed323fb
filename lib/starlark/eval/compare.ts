/**
 * Equality and ordering of values: the comparison operators (==, !=, <, <=, >, >=) with
 * starlark-go's rules (ints and floats compare exactly, NaN sorts last, lists and tuples
 * element by element, dicts, sets and structs only for equality, a recursion limit), and the
 * three-way order used by sorted() and min()/max().
 */
import { Dict, SetValue, typeOf } from './hashtable.js';
import { cmpIntFloat } from './int.js';
import { isRange, rangeEqual } from './range.js';
import { Bytes, Float, HostValue, List, Struct, fail, isTuple, type Value } from './value.js';

const MAXDEPTH = 10;

export function equal(x: Value, y: Value): boolean {
  if (x === y && typeof x !== 'object') return true;
  if (typeof x === 'string' || typeof y === 'string') return false;
  return compareDepth('==', x, y, MAXDEPTH * 10);
}

/** compare implements the comparison operators. */
export function compare(op: string, x: Value, y: Value): boolean {
  if (typeof x === 'number' && typeof y === 'number') return threeway(op, x < y ? -1 : x > y ? 1 : 0);
  if (typeof x === 'string' && typeof y === 'string') return threeway(op, x < y ? -1 : x > y ? 1 : 0);
  return compareDepth(op, x, y, MAXDEPTH * 10);
}

/** threeway turns a three-way comparison result (-1, 0, 1) into the answer for a comparison operator. */
export function threeway(op: string, c: number): boolean {
  switch (op) {
    case '==':
      return c === 0;
    case '!=':
      return c !== 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
  }
  return fail(`unexpected comparison op ${op}`);
}

function floatCmp(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return 0;
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  if (an && bn) return 0;
  return an ? 1 : -1;
}

/** setOrder is <, <=, >, >= on sets: (proper) subset and superset, as in today's starlark-go. */
function setOrder(op: string, x: SetValue, y: SetValue): boolean {
  const within = (a: SetValue, b: SetValue) =>
    a.ht.size <= b.ht.size && a.ht.keys().every((k) => b.ht.has(k));
  switch (op) {
    case '<=':
      return within(x, y);
    case '<':
      return x.ht.size < y.ht.size && within(x, y);
    case '>=':
      return within(y, x);
    case '>':
      return y.ht.size < x.ht.size && within(y, x);
  }
  return notImpl(op, x, y);
}

function notImpl(op: string, x: Value, y: Value): never {
  return fail(`${typeOf(x)} ${op} ${typeOf(y)} not implemented`);
}

/**
 * order is a three-way comparison (-1, 0, 1) for sorting. Ints, strings and tuples or lists
 * of them are compared directly, with one pass per pair; other values go through
 * compareDepth, with its errors for incomparable types.
 */
export function order(x: Value, y: Value, depth: number): number {
  if (depth < 1) fail('comparison exceeded maximum recursion depth');
  const tx = typeof x;
  const ty = typeof y;
  if (tx === 'number' && ty === 'number')
    return (x as number) < (y as number) ? -1 : (x as number) > (y as number) ? 1 : 0;
  if (tx === 'string' && ty === 'string') return x < y ? -1 : x > y ? 1 : 0;
  if (isTuple(x) && isTuple(y)) return orderElems(x, y, depth);
  if (x instanceof List && y instanceof List) return orderElems(x.elems, y.elems, depth);
  return compareDepth('<', x, y, depth) ? -1 : compareDepth('<', y, x, depth) ? 1 : 0;
}

/** orderElems is the three-way order of two lists' or two tuples' elements, lexicographic. */
function orderElems(a: readonly Value[], b: readonly Value[], depth: number): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = order(a[i]!, b[i]!, depth - 1);
    if (c !== 0) return c;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

export function compareDepth(op: string, x: Value, y: Value, depth: number): boolean {
  if (depth < 1) fail('comparison exceeded maximum recursion depth');
  const tx = typeof x;
  const ty = typeof y;
  if ((tx === 'number' || tx === 'bigint') && (ty === 'number' || ty === 'bigint')) {
    return threeway(op, (x as number) < (y as number) ? -1 : (x as number) > (y as number) ? 1 : 0);
  }
  if (tx === 'string' && ty === 'string') return threeway(op, x < y ? -1 : x > y ? 1 : 0);
  if (tx === 'boolean' && ty === 'boolean') return threeway(op, x === y ? 0 : x ? 1 : -1);
  if (x instanceof Float) {
    if (y instanceof Float) return threeway(op, floatCmp(x.v, y.v));
    if (ty === 'number' || ty === 'bigint') return threeway(op, -cmpIntFloat(y as number | bigint, x.v));
  } else if (y instanceof Float && (tx === 'number' || tx === 'bigint')) {
    return threeway(op, cmpIntFloat(x as number | bigint, y.v));
  }
  if (typeOf(x) !== typeOf(y)) {
    if (op === '==') return false;
    if (op === '!=') return true;
    return notImpl(op, x, y);
  }
  if (x instanceof List && y instanceof List) return seqCompare(op, x.elems, y.elems, depth);
  if (isTuple(x) && isTuple(y)) return seqCompare(op, x, y, depth);
  if (x instanceof Dict && y instanceof Dict) {
    if (op !== '==' && op !== '!=') return notImpl(op, x, y);
    let eq = x.ht.size === y.ht.size;
    if (eq) {
      for (const [k, v] of x.ht.items()) {
        const w = y.ht.get(k);
        if (w === undefined || !compareDepth('==', v, w, depth - 1)) {
          eq = false;
          break;
        }
      }
    }
    return op === '==' ? eq : !eq;
  }
  if (x instanceof SetValue && y instanceof SetValue) {
    if (op !== '==' && op !== '!=') return setOrder(op, x, y);
    let eq = x.ht.size === y.ht.size;
    if (eq)
      for (const k of x.ht.keys())
        if (!y.ht.has(k)) {
          eq = false;
          break;
        }
    return op === '==' ? eq : !eq;
  }
  if (x instanceof Struct && y instanceof Struct) {
    if (op !== '==' && op !== '!=') return notImpl(op, x, y);
    let eq =
      x.fields.size === y.fields.size && compareDepth('==', x.constructorName, y.constructorName, depth - 1);
    if (eq) {
      for (const [k, v] of x.fields) {
        const w = y.fields.get(k);
        if (w === undefined || !compareDepth('==', v, w, depth - 1)) {
          eq = false;
          break;
        }
      }
    }
    return op === '==' ? eq : !eq;
  }
  if (isRange(x) && isRange(y)) {
    if (op !== '==' && op !== '!=') return notImpl(op, x, y);
    const eq = rangeEqual(x, y);
    return op === '==' ? eq : !eq;
  }
  if (x instanceof Bytes && y instanceof Bytes) return threeway(op, x.s < y.s ? -1 : x.s > y.s ? 1 : 0);
  if (x instanceof HostValue && x.compare) return x.compare(op, y);
  if (op === '==') return x === y;
  if (op === '!=') return x !== y;
  return notImpl(op, x, y);
}

function seqCompare(op: string, a: readonly Value[], b: readonly Value[], depth: number): boolean {
  if (op === '==' || op === '!=') {
    if (a.length !== b.length) return op === '!=';
  }
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y && typeof x !== 'object') continue;
    if (!compareDepth('==', x, y, depth - 1)) {
      if (op === '==') return false;
      if (op === '!=') return true;
      return compareDepth(op, x, y, depth - 1);
    }
  }
  return threeway(op, a.length - b.length);
}
