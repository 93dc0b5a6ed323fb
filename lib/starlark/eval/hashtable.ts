import {
  Builtin,
  Bytes,
  Float,
  HostValue,
  Module,
  NoneType,
  SObject,
  Struct,
  fail,
  isTuple,
  type Value,
} from './value.js';
import { Func } from './function.js';

/**
 * Hashing strategy: ints, strings and bools are their own JS Map keys (fast path). Every other
 * hashable value maps to a canonical string starting with U+0100, a char code no internal
 * (byte) string can contain, so canonical keys never collide with string keys. Floats with an
 * integral value map to the equal int's key, so 1 and 1.0 are the same key.
 *
 * Host values only offer a hash(), so a canonical string of a key containing one (a host value,
 * or a tuple/struct holding one) identifies a bucket, not a key: each HashTable resolves such
 * keys by comparing with == against the bucket's keys, and gives every distinct key its own
 * JS Map key (U+0101 + bucket + '#' + serial), disjoint from all other canonical keys.
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
      return isTuple(v) ? 'tuple' : v.type();
  }
}

/** set by encodeKey when the key it encoded contains a host value (see the strategy above) */
let sawHost = false;

/**
 * mapKey returns the JS Map key of a hashable value, or fails "unhashable type: T". For a key
 * containing a host value the result is the key's bucket (canonical form from hash()), not a
 * key: use HashTable's methods to look such keys up.
 */
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
  if (isTuple(k)) {
    let s = '(';
    for (const e of k) s += encodeKey(e);
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
  if (k instanceof HostValue) {
    sawHost = true;
    return 'h' + k.hash() + ';';
  }
  if (k instanceof Module) return fail('unhashable: module');
  if (k instanceof Builtin || k instanceof Func) return 'o' + identity(k) + ';';
  if (k.type() === 'range') return fail('unhashable: range');
  return fail(`unhashable type: ${k.type()}`);
}

/**
 * keyEqual is Starlark == for two keys of one host bucket. Their canonical forms are equal, so
 * they have the same shape and the same non-host parts: what remains to compare is their host
 * values (with the values' own ==, as compare.ts's equal does) and a struct's constructor, which
 * the canonical form leaves out (compared by identity, as starlark-go compares constructors).
 * This module cannot use compare.ts's equal: it compares dicts through this module.
 */
function keyEqual(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (isTuple(a) && isTuple(b)) {
    for (let i = 0; i < a.length; i++) if (!keyEqual(a[i]!, b[i]!)) return false;
    return true;
  }
  if (a instanceof Struct && b instanceof Struct) {
    const ca = a.constructorName;
    const cb = b.constructorName;
    if (ca !== cb && !(ca instanceof HostValue && cb instanceof HostValue && keyEqual(ca, cb))) return false;
    for (const [k, v] of a.fields) if (!keyEqual(v, b.fields.get(k)!)) return false;
    return true;
  }
  if (a instanceof HostValue && b instanceof HostValue) {
    return a.type() === b.type() && (a.compare ? a.compare('==', b) : false);
  }
  // Parts without host values have equal canonical forms, so they are equal (1 and 1.0).
  return true;
}

/** HostBucket lists the distinct keys sharing one canonical hash form, with their JS Map keys. */
type HostBucket = Array<{ key: Value; mk: string }>;

/** HashTable is an insertion-ordered map from hashable Starlark values to values. */
export class HashTable {
  readonly m = new Map<MapKey, Value>();
  /** original key objects for canonicalised keys (floats, tuples, None, ...) */
  orig: Map<MapKey, Value> | null = null;
  frozen = false;
  itercount = 0;

  /** buckets of keys containing host values, by canonical form (see the strategy above) */
  hostKeys: Map<string, HostBucket> | null = null;
  private hostSerial = 0;

  get size(): number {
    return this.m.size;
  }

  checkMutable(verb: string, what: string): void {
    if (this.frozen) fail(`cannot ${verb} frozen ${what}`);
    if (this.itercount > 0) fail(`cannot ${verb} ${what} during iteration`);
  }

  get(k: Value): Value | undefined {
    if (typeof k !== 'object') return this.m.get(k);
    const mk = this.objectKey(k, false);
    return mk === undefined ? undefined : this.m.get(mk);
  }

  has(k: Value): boolean {
    if (typeof k !== 'object') return this.m.has(k);
    const mk = this.objectKey(k, false);
    return mk !== undefined && this.m.has(mk);
  }

  set(k: Value, v: Value, what = 'hash table'): void {
    if (this.frozen || this.itercount > 0) this.checkMutable('insert into', what);
    if (typeof k !== 'object') {
      this.m.set(k, v);
      return;
    }
    const mk = this.objectKey(k, true)!;
    if (!this.m.has(mk)) (this.orig ??= new Map()).set(mk, k);
    this.m.set(mk, v);
  }

  delete(k: Value, what = 'hash table'): Value | undefined {
    if (this.frozen || this.itercount > 0) this.checkMutable('delete from', what);
    const mk = typeof k !== 'object' ? k : this.objectKey(k, false);
    if (mk === undefined) return undefined;
    const v = this.m.get(mk);
    if (v === undefined) return undefined;
    this.m.delete(mk);
    if (this.orig !== null) this.orig.delete(mk);
    if (typeof mk === 'string' && mk.charCodeAt(0) === 0x101) this.dropHostKey(mk);
    return v;
  }

  clear(what = 'hash table'): void {
    if (this.frozen || this.itercount > 0) this.checkMutable('clear', what);
    this.m.clear();
    this.orig = null;
    this.hostKeys = null;
  }

  /**
   * objectKey returns the JS Map key of a non-primitive key. For keys containing host values it
   * searches the bucket with ==; when absent it returns undefined, or with insert a new key.
   */
  private objectKey(k: Value, insert: boolean): MapKey | undefined {
    sawHost = false;
    const mk = mapKey(k);
    if (!sawHost) return mk;
    sawHost = false;
    const canon = mk as string;
    let bucket = this.hostKeys?.get(canon);
    if (bucket !== undefined) {
      for (const e of bucket) if (e.key === k || keyEqual(e.key, k)) return e.mk;
    }
    if (!insert) return undefined;
    if (bucket === undefined) {
      bucket = [];
      (this.hostKeys ??= new Map()).set(canon, bucket);
    }
    const entry = { key: k, mk: '\u0101' + canon + '#' + this.hostSerial++ };
    bucket.push(entry);
    return entry.mk;
  }

  private dropHostKey(mk: string): void {
    const canon = mk.slice(1, mk.lastIndexOf('#'));
    const bucket = this.hostKeys?.get(canon);
    if (bucket === undefined) return;
    const i = bucket.findIndex((e) => e.mk === mk);
    if (i >= 0) bucket.splice(i, 1);
    if (bucket.length === 0) this.hostKeys!.delete(canon);
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
