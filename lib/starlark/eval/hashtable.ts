import {
  Builtin, Bytes, Float, HostValue, Module, NoneType, SObject, Struct, Tuple, fail, type Value,
} from './value.js';

/**
 * Hashing strategy: ints, strings and bools are their own JS Map keys (fast path). Every other
 * hashable value maps to a canonical string starting with U+0100, a char code no internal
 * (byte) string can contain, so canonical keys never collide with string keys. Floats with an
 * integral value map to the equal int's key, so 1 and 1.0 are the same key.
 */
export type MapKey = number | bigint | string | boolean;

const ids = new WeakMap<object, number>();
let nextId = 1;
function identity(o: object): number {
  let id = ids.get(o);
  if (id === undefined) {
    id = nextId++;
    ids.set(o, id);
  }
  return id;
}

export function typeOf(v: Value): string {
  switch (typeof v) {
    case 'number':
    case 'bigint':
      return 'int';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    default:
      return v.type();
  }
}

/** mapKey returns the JS Map key of a hashable value, or fails "unhashable type: T". */
export function mapKey(k: Value): MapKey {
  switch (typeof k) {
    case 'number':
    case 'string':
    case 'boolean':
    case 'bigint':
      return k;
  }
  if (k instanceof Float) {
    const v = k.v;
    if (Number.isInteger(v)) return Number.isSafeInteger(v) ? v + 0 : BigInt(v);
    return '\u0100' + encodeKey(k);
  }
  return '\u0100' + encodeKey(k);
}

function encodeKey(k: Value): string {
  switch (typeof k) {
    case 'number':
    case 'bigint':
      return 'i' + k + ';';
    case 'string':
      return 's' + k.length + ':' + k;
    case 'boolean':
      return k ? 'T' : 'F';
  }
  if (k instanceof Float) {
    const v = k.v;
    if (Number.isInteger(v)) return 'i' + (Number.isSafeInteger(v) ? v + 0 : BigInt(v)) + ';';
    return 'f' + v + ';';
  }
  if (k instanceof Tuple) {
    let s = '(';
    for (const e of k.elems) s += encodeKey(e);
    return s + ')';
  }
  if (k instanceof NoneType) return 'N';
  if (k instanceof Bytes) return 'b' + k.s.length + ':' + k.s;
  if (k instanceof Struct) {
    const names = [...k.fields.keys()].sort();
    let s = 'S{';
    for (const n of names) s += n.length + ':' + n + encodeKey(k.fields.get(n)!);
    return s + '}';
  }
  if (k instanceof HostValue) return 'h' + k.hash() + ';';
  if (k instanceof Module) return fail('unhashable: module');
  if (k instanceof Builtin || isFunction(k)) return 'o' + identity(k) + ';';
  if (k.type() === 'range') return fail('unhashable: range');
  return fail(`unhashable type: ${k.type()}`);
}

let functionClass: (new (...a: never[]) => SObject) | null = null;
/** registerFunctionClass lets the hash code recognise Starlark functions without an import cycle. */
export function registerFunctionClass(c: new (...a: never[]) => SObject): void {
  functionClass = c;
}
function isFunction(k: SObject): boolean {
  return functionClass !== null && k instanceof functionClass;
}

/** HashTable is an insertion-ordered map from hashable Starlark values to values. */
export class HashTable {
  readonly m = new Map<MapKey, Value>();
  /** original key objects for canonicalised keys (floats, tuples, None, ...) */
  orig: Map<MapKey, Value> | null = null;
  frozen = false;
  itercount = 0;

  get size(): number {
    return this.m.size;
  }

  checkMutable(verb: string, what: string): void {
    if (this.frozen) fail(`cannot ${verb} frozen ${what}`);
    if (this.itercount > 0) fail(`cannot ${verb} ${what} during iteration`);
  }

  get(k: Value): Value | undefined {
    return this.m.get(mapKey(k));
  }

  has(k: Value): boolean {
    return this.m.has(mapKey(k));
  }

  set(k: Value, v: Value, what = 'hash table'): void {
    if (this.frozen || this.itercount > 0) this.checkMutable('insert into', what);
    const mk = mapKey(k);
    if (typeof k === 'object' && !this.m.has(mk)) {
      (this.orig ??= new Map()).set(mk, k);
    }
    this.m.set(mk, v);
  }

  delete(k: Value, what = 'hash table'): Value | undefined {
    if (this.frozen || this.itercount > 0) this.checkMutable('delete from', what);
    const mk = mapKey(k);
    const v = this.m.get(mk);
    if (v === undefined) return undefined;
    this.m.delete(mk);
    if (this.orig !== null) this.orig.delete(mk);
    return v;
  }

  clear(what = 'hash table'): void {
    if (this.frozen || this.itercount > 0) this.checkMutable('clear', what);
    this.m.clear();
    this.orig = null;
  }

  keyOf(mk: MapKey): Value {
    if (this.orig !== null) {
      const o = this.orig.get(mk);
      if (o !== undefined) return o;
    }
    return mk;
  }

  keys(): Value[] {
    const out: Value[] = new Array(this.m.size);
    let i = 0;
    if (this.orig === null) for (const k of this.m.keys()) out[i++] = k;
    else for (const k of this.m.keys()) out[i++] = this.keyOf(k);
    return out;
  }

  values(): Value[] {
    return [...this.m.values()];
  }

  items(): Array<[Value, Value]> {
    const out: Array<[Value, Value]> = new Array(this.m.size);
    let i = 0;
    for (const [k, v] of this.m) out[i++] = [this.keyOf(k), v];
    return out;
  }

  /** first entry (for popitem) */
  first(): [Value, Value] | undefined {
    for (const [k, v] of this.m) return [this.keyOf(k), v];
    return undefined;
  }
}

export class Dict extends SObject {
  readonly ht = new HashTable();
  type(): string {
    return 'dict';
  }
  get frozen(): boolean {
    return this.ht.frozen;
  }
}

export class SetValue extends SObject {
  readonly ht = new HashTable();
  type(): string {
    return 'set';
  }
}
