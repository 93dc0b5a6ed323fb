/**
 * Core value representations.
 *
 * int    -> JS number (always a safe integer, never -0) or JS bigint (only outside the safe range)
 * string -> JS string whose char codes are UTF-8 bytes (see README.md)
 * bool   -> JS boolean
 * tuple  -> the JS array of its elements, nothing around it (Tuple in sobject.ts)
 * others -> instances of the classes below (or HostValue subclasses)
 */
import { SObject, type Tuple, type Value } from './sobject.js';
import { StarErr, fail } from './star-err.js';
import { engineLimitMessage } from './limits.js';
import type { Thread } from './thread.js';

export { SObject, StarErr, fail, type Tuple, type Value };

export class NoneType extends SObject {
  type(): string {
    return 'NoneType';
  }
}
export const None: NoneType = new NoneType();

/** Float is a boxed IEEE double, so that floats and ints stay distinguishable. */
export class Float extends SObject {
  readonly v: number;
  constructor(v: number) {
    super();
    this.v = v;
  }
  type(): string {
    return 'float';
  }
}

/** Bytes holds an immutable byte sequence as a byte string (char code per byte). */
export class Bytes extends SObject {
  readonly s: string;
  constructor(s: string) {
    super();
    this.s = s;
  }
  type(): string {
    return 'bytes';
  }
}

/**
 * List is a mutable sequence; itercount > 0 while a loop iterates it (mutation is then an error).
 * A list may hold its elements unmade (see Unmade): the pairs zip or enumerate returned, or a
 * large array inside a text json.decode read. Its length, an element and a loop over it are read
 * from the source, and the elements are made all at once the first time anything reads elems.
 */
export class List extends SObject {
  /** store is the elements once made; empty while unmade holds them: read elems instead. */
  store: Value[];
  /** unmade is the source of the elements not yet made, or null. */
  unmade: Unmade | null = null;
  frozen = false;
  itercount = 0;
  constructor(elems: Value[]) {
    super();
    this.store = elems;
  }
  /** ofUnmade is the list of src's n elements, made when first read as a whole. */
  static ofUnmade(src: Unmade): List {
    const l = new List([]);
    l.unmade = src;
    return l;
  }
  /** elems is the list's elements as a JS array (made now if they were not yet). */
  get elems(): Value[] {
    if (this.unmade !== null) {
      this.store = this.unmade.make();
      this.unmade = null;
    }
    return this.store;
  }
  /** len is the number of elements, without making them. */
  get len(): number {
    return this.unmade === null ? this.store.length : this.unmade.n;
  }
  type(): string {
    return 'list';
  }
}

/**
 * Unmade is the n elements of a list not made yet. An element read through at or slice equals
 * the one make puts in the list, and is that very object when it is mutable (a pair is made anew
 * each time, a JSON array's dict is not), so reading a list before or after its elements are made
 * gives the same values.
 */
export interface Unmade {
  readonly n: number;
  /** at is element i (0 <= i < n). */
  at(i: number): Value;
  /** slice is the elements start, start + step, … up to end (not included). */
  slice(start: number, end: number, step: number): Value[];
  /** make is every element, an array the list takes over. */
  make(): Value[];
}

/** steppedSlice is at(start), at(start + step), … up to end (not included): an Unmade's slice. */
export function steppedSlice(start: number, end: number, step: number, at: (i: number) => Value): Value[] {
  const out: Value[] = [];
  if (step > 0) for (let i = start; i < end; i += step) out.push(at(i));
  else for (let i = start; i > end; i += step) out.push(at(i));
  return out;
}

/** Seq is one side of a PairSource: an array never mutated, or a range read by arithmetic. */
export type Seq = Value[] | Range;

/** seqAt is element i of s. */
export function seqAt(s: Seq, i: number): Value {
  return s instanceof Range ? s.start + i * s.step : s[i]!;
}

/**
 * PairSource is the pairs (a[i], b[i]) for i < n of a list from zip or enumerate, kept as its
 * two sides, as starlark-go keeps all of a zip's tuples in one backing array. Making a million
 * tuples that live on (two V8 heap objects each) costs the young generation's copies until V8
 * pretenures them, then a full mark of the old generation: most of zip's time
 * (bench/README.md). A script that only takes the length or a few elements never pays it; a
 * loop makes each tuple as it reads it, garbage at once. a and b are never mutated: a copy of
 * a list's elements, a tuple, or a range.
 */
export class PairSource implements Unmade {
  readonly a: Seq;
  readonly b: Seq;
  readonly n: number;
  constructor(a: Seq, b: Seq, n: number) {
    this.a = a;
    this.b = b;
    this.n = n;
  }
  /**
   * at is pair i, made now: an allocation site of its own, apart from pair()'s, since these
   * tuples mostly die at once (a loop's) and pair()'s mostly live on (V8 decides per site
   * whether to allocate in the old generation).
   */
  at(i: number): Tuple {
    return tuple([seqAt(this.a, i), seqAt(this.b, i)]);
  }
  /** slice is the pairs start, start + step, … up to end (not included), made by pair(). */
  slice(start: number, end: number, step: number): Value[] {
    const { a, b } = this;
    return steppedSlice(start, end, step, (i) => pair(seqAt(a, i), seqAt(b, i)));
  }
  /** make is every pair, each made by pair() (one allocation site, see there). */
  make(): Value[] {
    const { a, b, n } = this;
    const out = new Array<Value>(n);
    // The common shapes without a test per element: zip of two lists, enumerate.
    if (!(a instanceof Range) && !(b instanceof Range)) {
      for (let i = 0; i < n; i++) out[i] = pair(a[i]!, b[i]!);
    } else if (a instanceof Range && !(b instanceof Range)) {
      const { start, step } = a;
      for (let i = 0; i < n; i++) out[i] = pair(start + i * step, b[i]!);
    } else for (let i = 0; i < n; i++) out[i] = pair(seqAt(a, i), seqAt(b, i));
    return out;
  }
}

/** tuple makes a tuple of elems, which it takes over (see Tuple in sobject.ts): no copy. */
export function tuple(elems: Value[]): Tuple {
  return elems as unknown as Tuple;
}

/** isTuple tells a tuple: the only JS array that is a Value. */
export function isTuple(v: Value): v is Tuple {
  return Array.isArray(v);
}

/**
 * tupleElems is a tuple's elements typed as the Value[] the helpers over sequences take (a
 * list's elems and a tuple are read alike): the tuple itself, shared, never to be mutated.
 */
export function tupleElems(t: Tuple): Value[] {
  return t as unknown as Value[];
}

/**
 * pair is the tuple (a, b) as the lists of pairs that live on are built (PairSource.make for zip
 * and enumerate, dict.items): one array literal, so one allocation site for them all. V8
 * pretenures a site only once the young generation has grown to its largest, copying every
 * survivor until then: once per process for the site, rather than once per builtin.
 */
export function pair(a: Value, b: Value): Tuple {
  return tuple([a, b]);
}

export const EMPTY_TUPLE: Tuple = tuple([]);

/** Range is the lazy sequence returned by range(). */
export class Range extends SObject {
  readonly start: number;
  readonly stop: number;
  readonly step: number;
  readonly len: number;
  constructor(start: number, stop: number, step: number) {
    super();
    this.start = start;
    this.stop = stop;
    this.step = step;
    let n: number;
    if (step > 0) n = start < stop ? Math.floor((stop - start - 1) / step) + 1 : 0;
    else n = start > stop ? Math.floor((start - stop - 1) / -step) + 1 : 0;
    this.len = n;
  }
  type(): string {
    return 'range';
  }
  at(i: number): number {
    return this.start + i * this.step;
  }
}

/** Cell is a captured local variable shared between a function and its closures. */
export class Cell {
  v: Value | undefined;
  constructor(v: Value | undefined) {
    this.v = v;
  }
}

/** A builtin's implementation. */
export type BuiltinImpl = (
  thread: Thread,
  fn: Builtin,
  args: Value[],
  kwargs: Array<[string, Value]>,
) => Value;

/** Builtin is a host-provided function, optionally bound to a receiver (a method). */
export class Builtin extends SObject {
  readonly name: string;
  readonly impl: BuiltinImpl;
  readonly receiver: Value | undefined;
  constructor(name: string, impl: BuiltinImpl, receiver?: Value) {
    super();
    this.name = name;
    this.impl = impl;
    this.receiver = receiver;
  }
  type(): string {
    return 'builtin_function_or_method';
  }
  /** bind returns a copy of this builtin bound to a receiver. */
  bind(receiver: Value): Builtin {
    return new Builtin(this.name, this.impl, receiver);
  }
}

/** HostValue is the base class for host-defined values; capabilities are optional methods. */
export abstract class HostValue extends SObject {
  abstract override type(): string;
  truth(): boolean {
    return true;
  }
  hash(): number {
    throw new Error(`unhashable type: ${this.type()}`);
  }
  freeze(): void {}
  repr(): string {
    return `<${this.type()}>`;
  }
  attr?(name: string): Value | undefined;
  attrNames?(): string[];
  index?(i: number): Value;
  len?(): number;
  get?(key: Value): Value | undefined;
  iterate?(): Iterator<Value>;
  call?(thread: Thread, args: Value[], kwargs: Array<[string, Value]>): Value;
  toJSON?(): unknown;
  /**
   * jsonFields describes the value to json.encode as an object without building a dict: its
   * keys, sorted as json.encode sorts a dict's, and the value of each. Preferred to toJSON.
   */
  jsonFields?(): readonly [keys: readonly string[], values: readonly Value[]];
  /**
   * jsonText is the value's compact JSON text exactly as json.encode would write it (an
   * interpreter string, UTF-8 bytes as characters), when the host has it at hand; undefined:
   * json.encode writes the value itself. Preferred to jsonFields.
   */
  jsonText?(): string | undefined;
  compare?(op: string, other: Value): boolean;
  /**
   * binary implements an arithmetic or bitwise operator (`+ - * / // % & | ^ << >>`) with this
   * value on the given side, when no built-in rule applies. The left operand is asked first
   * (side 'left', other = right operand), then the right one (side 'right', other = left
   * operand). undefined means unsupported ("unknown binary op: T op U").
   */
  binary?(op: string, other: Value, side: 'left' | 'right'): Value | undefined;
  /** unary implements `-x`, `+x`, `~x`; undefined means unsupported ("unknown unary op"). */
  unary?(op: '-' | '+' | '~'): Value | undefined;
}

/** Struct is an immutable record with named fields (starlarkstruct.Struct). */
export class Struct extends SObject {
  readonly constructorName: Value;
  readonly fields: Map<string, Value>;
  constructor(fields: Map<string, Value>, constructorName: Value = 'struct') {
    super();
    this.fields = fields;
    this.constructorName = constructorName;
  }
  type(): string {
    return 'struct';
  }
}

/** Module is a named collection of members (starlarkstruct.Module), e.g. json. */
export class Module extends SObject {
  readonly name: string;
  readonly members: Map<string, Value>;
  constructor(name: string, members: Map<string, Value>) {
    super();
    this.name = name;
    this.members = members;
  }
  type(): string {
    return 'module';
  }
}

/** decodeUTF8 turns an internal byte string into a JS (UTF-16) string. */
export function decodeUTF8(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[^\x00-\x7f]/.test(s)) return s;
  return Buffer.from(s, 'latin1').toString('utf8');
}

/** encodeUTF8 turns a JS (UTF-16) string into an internal byte string. */
export function encodeUTF8(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[^\x00-\x7f]/.test(s)) return s;
  return Buffer.from(s, 'utf8').toString('latin1');
}

/**
 * errorMessage returns the message of anything thrown, as an internal byte string: a StarErr's
 * message is one already; any other error (a host's JS Error) carries an ordinary JS string.
 */
export function errorMessage(e: unknown): string {
  if (e instanceof StarErr) return e.msg;
  const limit = engineLimitMessage(e);
  if (limit !== undefined) return limit;
  return encodeUTF8(e instanceof Error ? e.message : String(e));
}
