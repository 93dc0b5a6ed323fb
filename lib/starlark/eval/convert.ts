/** Conversions between JS values and Starlark values (the host boundary). */
import { Dict, SetValue, typeOf } from './hashtable.js';
import { norm } from './int.js';
import {
  Bytes,
  Float,
  List,
  Module,
  None,
  SObject,
  Struct,
  decodeUTF8,
  encodeUTF8,
  isTuple,
  tuple,
  type Value,
} from './value.js';

export function makeString(s: string): Value {
  return encodeUTF8(s);
}
export function makeFloat(n: number): Value {
  return new Float(n);
}
export function makeList(items: Value[]): Value {
  return new List(items.slice());
}
export function makeTuple(items: Value[]): Value {
  return tuple(items.slice());
}
export function makeDict(entries: Iterable<[Value, Value]>): Value {
  const d = new Dict();
  for (const [k, v] of entries) d.ht.set(k, v);
  return d;
}
export function makeModule(name: string, members: Record<string, Value>): Value {
  return new Module(name, new Map(Object.entries(members).map(([k, v]) => [encodeUTF8(k), v])));
}
/** makeStruct builds struct(**fields); a constructor value brands it (starlarkstruct.FromStringDict). */
export function makeStruct(fields: Record<string, Value>, constructor: Value = 'struct'): Value {
  const entries = Object.entries(fields).map(([k, v]): [string, Value] => [encodeUTF8(k), v]);
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return new Struct(new Map(entries), constructor);
}

/** toStarlark converts a JS value to a Starlark value (see API.md for the mapping). */
export function toStarlark(x: unknown): Value {
  switch (typeof x) {
    case 'undefined':
      return None;
    case 'boolean':
      return x;
    case 'bigint':
      return norm(x);
    case 'number':
      if (Number.isInteger(x)) return Number.isSafeInteger(x) ? x + 0 : norm(BigInt(x));
      return new Float(x);
    case 'string':
      return encodeUTF8(x);
  }
  if (x === null) return None;
  if (x instanceof SObject) return x;
  if (x instanceof Uint8Array) return new Bytes(Buffer.from(x).toString('latin1'));
  // A JS array is a list, a tuple too (a tuple is a JS array, value.ts): it is given as JS here.
  if (Array.isArray(x)) return new List(x.map(toStarlark));
  if (x instanceof Map) {
    const d = new Dict();
    for (const [k, v] of x) d.ht.set(toStarlark(k), toStarlark(v));
    return d;
  }
  if (x instanceof Set) {
    const s = new SetValue();
    for (const k of x) {
      const v = toStarlark(k);
      s.ht.set(v, v);
    }
    return s;
  }
  if (typeof x === 'object') {
    const d = new Dict();
    for (const [k, v] of Object.entries(x as Record<string, unknown>)) d.ht.set(encodeUTF8(k), toStarlark(v));
    return d;
  }
  throw new TypeError(`toStarlark: cannot convert ${typeof x}`);
}

/** Options of toJS. */
export interface ToJSOptions {
  /**
   * 'number' (default): an int becomes a number when it is a safe integer, else a bigint.
   * 'bigint': every int becomes a bigint (floats stay numbers), so 2 and 2.0 stay apart.
   */
  ints?: 'number' | 'bigint';
}

/** toJS converts a Starlark value to a plain JS value (see API.md). */
export function toJS(v: Value, options?: ToJSOptions): unknown {
  return convertToJS(v, options?.ints === 'bigint');
}

function convertToJS(v: Value, bigints: boolean): unknown {
  switch (typeof v) {
    case 'number':
      return bigints ? BigInt(v) : v;
    case 'boolean':
    case 'bigint':
      return v;
    case 'string':
      return decodeUTF8(v);
  }
  if (v === None) return null;
  if (v instanceof Float) return v.v;
  if (v instanceof Bytes) return new Uint8Array(Buffer.from(v.s, 'latin1'));
  if (v instanceof List) return v.elems.map((e) => convertToJS(e, bigints));
  if (isTuple(v)) return v.map((e) => convertToJS(e, bigints));
  if (v instanceof Dict) {
    const m = new Map<unknown, unknown>();
    for (const [k, x] of v.ht.items()) m.set(convertToJS(k, bigints), convertToJS(x, bigints));
    return m;
  }
  if (v instanceof SetValue) return new Set(v.ht.keys().map((e) => convertToJS(e, bigints)));
  if (v instanceof Struct) {
    const m = new Map<string, unknown>();
    for (const [k, x] of v.fields) m.set(decodeUTF8(k), convertToJS(x, bigints));
    return m;
  }
  throw new TypeError(`toJS: cannot convert Starlark ${typeOf(v)} to a JS value`);
}
