/**
 * Values as sequences: the elements of an iterable as a JS array, len(), and appending many
 * elements to a list at once.
 */
import { Dict, SetValue, typeOf } from './hashtable.js';
import { checkListSize } from './limits.js';
import { BigRange } from './range.js';
import { Bytes, HostValue, List, Range, fail, isTuple, tupleElems, type Value } from './value.js';

/** iterableElems returns the elements of an iterable as a JS array (possibly shared: do not mutate), or undefined. */
export function iterableElems(x: Value): Value[] | undefined {
  if (x instanceof List) return x.elems;
  if (isTuple(x)) return tupleElems(x);
  if (x instanceof Dict) return x.ht.keys();
  if (x instanceof SetValue) return x.ht.keys();
  if (x instanceof Range) {
    checkListSize(x.len);
    const out: Value[] = new Array(x.len);
    for (let i = 0; i < x.len; i++) out[i] = x.start + i * x.step;
    return out;
  }
  if (x instanceof BigRange) {
    checkListSize(x.n);
    const out: Value[] = [];
    for (let i = 0n; i < x.n; i++) out.push(x.at(i));
    return out;
  }
  if (x instanceof HostValue && x.iterate) {
    const out: Value[] = [];
    const it = x.iterate();
    for (let r = it.next(); !r.done; r = it.next()) out.push(r.value);
    return out;
  }
  if (x instanceof Bytes) {
    return undefined;
  }
  return undefined;
}

/** toArray returns the elements of an iterable or fails "T value is not iterable" (prefixed by fnName). */
export function toArray(x: Value, fnName?: string): Value[] {
  const e = iterableElems(x);
  if (e === undefined) fail(`${fnName ? fnName + ': ' : ''}${typeOf(x)} value is not iterable`);
  return e;
}

export function length(x: Value): number {
  if (typeof x === 'string') return x.length;
  if (x instanceof List) return x.len;
  if (isTuple(x)) return x.length;
  if (x instanceof Dict || x instanceof SetValue) return x.ht.size;
  if (x instanceof Range) return x.len;
  if (x instanceof BigRange) return x.n < 0n ? -1 : Number(x.n);
  if (x instanceof Bytes) return x.s.length;
  if (x instanceof HostValue && x.len) return x.len();
  return -1;
}

/**
 * listExtend appends src to l without spreading it into call arguments (which runs out of
 * stack near 100,000 elements); l.extend(l) and l += l copy the source first.
 */
export function listExtend(l: List, src: Value[]): void {
  checkListSize(l.elems.length + src.length);
  const e = l.elems;
  const n = src.length;
  if (src === e) {
    for (let i = 0; i < n; i++) e.push(e[i]!);
    return;
  }
  for (let i = 0; i < n; i++) e.push(src[i]!);
}
