/** The universe: Starlark's built-in functions and constants. */
import { attrNames, getAttrOrUndefined } from './attrs.js';
import { callValue } from './call.js';
import { Func } from './function.js';
import { Dict, SetValue, mapKey, typeOf } from './hashtable.js';
import { floatToInt, intNeg, parseIntText } from './int.js';
import { dictUpdate } from './collection-methods.js';
import { compareDepth, order } from './compare.js';
import { checkHashable, javaStringHash } from './hash.js';
import { truth } from './ops.js';
import { repr, toStr, validUTF8 } from './repr.js';
import { iterableElems, length, toArray } from './sequence.js';
import { BigRange, intValue, makeRange } from './range.js';
import type { Thread } from './thread.js';
import { didYouMean, unpackArgs, unpackPositional, wantInt, wantString } from './unpack.js';
import {
  Builtin,
  Bytes,
  EMPTY_TUPLE,
  Float,
  HostValue,
  List,
  Module,
  None,
  Range,
  StarErr,
  Struct,
  decodeUTF8,
  encodeUTF8,
  errorMessage,
  fail,
  isTuple,
  PairSource,
  seqAt,
  tuple,
  type BuiltinImpl,
  type Seq,
  type Value,
} from './value.js';

function iterArg(fnName: string, param: string | number, v: Value): Value[] {
  const e = iterableElems(v);
  if (e === undefined) fail(`${fnName}: for parameter ${param}: got ${typeOf(v)}, want iterable`);
  return e;
}

function b(name: string, impl: BuiltinImpl): [string, Builtin] {
  return [name, new Builtin(name, impl)];
}

function sortValues(vals: Value[], fnName: string): void {
  if (vals.every((v) => typeof v === 'number')) {
    (vals as number[]).sort((x, y) => x - y);
    return;
  }
  if (vals.every((v) => typeof v === 'string')) {
    (vals as string[]).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    return;
  }
  void fnName;
  stableSort(vals, (x, y) => order(x, y, 100));
}

/**
 * stableSort sorts with a three-way comparison like Go's sort.Stable over starlark-go's
 * sortSlice: a failing comparison counts as "equal" and the last error is reported after
 * sorting. (JS's Array.prototype.sort is stable.)
 */
export function stableSort<T>(a: T[], cmp: (x: T, y: T) => number): void {
  let err: unknown;
  a.sort((x, y) => {
    try {
      return cmp(x, y);
    } catch (e) {
      err = e;
      return 0;
    }
  });
  if (err !== undefined) throw err;
}

function minmax(th: Thread, name: string, args: Value[], kwargs: Array<[string, Value]>): Value {
  if (args.length === 0) fail(`${name} requires at least one positional argument`);
  let key: Value | undefined;
  for (const [k, v] of kwargs) {
    if (k === 'key') key = v;
    else fail(`${name}: unexpected keyword argument "${k}"${didYouMean(k, ['key'])}`);
  }
  const elems = args.length === 1 ? toArray(args[0]!, name) : args;
  if (elems.length === 0) fail(`${name}: argument is an empty sequence`);
  if (key !== undefined && key !== None && args.length === 1)
    return whileIterating(args[0]!, () => best(th, name, elems, key));
  return best(th, name, elems, key);
}

/**
 * whileIterating runs f with x (a list, dict or set) marked as being iterated, as starlark-go
 * does while max/min/sorted call their key function: the key cannot mutate the sequence
 * ("append: cannot append to list during iteration"), so the elements seen stay the ones
 * compared.
 */
function whileIterating<T>(x: Value, f: () => T): T {
  const owner = x instanceof List ? x : x instanceof Dict || x instanceof SetValue ? x.ht : null;
  if (owner === null) return f();
  owner.itercount++;
  try {
    return f();
  } finally {
    owner.itercount--;
  }
}

function best(th: Thread, name: string, elems: Value[], key: Value | undefined): Value {
  const op = name === 'max' ? '>' : '<';
  let best = elems[0]!;
  let bestKey = key !== undefined && key !== None ? callValue(th, key, [best], null) : best;
  for (let i = 1; i < elems.length; i++) {
    const x = elems[i]!;
    const k = key !== undefined && key !== None ? callValue(th, key, [x], null) : x;
    let better: boolean;
    try {
      better = compareDepth(op, k, bestKey, 100);
    } catch (e) {
      // A failed comparison names the builtin ("min: string < int not implemented"); errors
      // of the key function pass through unchanged.
      return fail(`${name}: ${errorMessage(e)}`);
    }
    if (better) {
      best = x;
      bestKey = k;
    }
  }
  return best;
}

function floatFromString(s: string): number {
  const t = s.trim().toLowerCase();
  switch (t) {
    case 'inf':
    case '+inf':
    case 'infinity':
    case '+infinity':
      return Infinity;
    case '-inf':
    case '-infinity':
      return -Infinity;
    case 'nan':
    case '+nan':
    case '-nan':
      return NaN;
  }
  // strconv.ParseFloat's decimal syntax, where one underscore may separate two digits
  if (!/^[+-]?(\d(_?\d)*\.?(\d(_?\d)*)?([eE][+-]?\d(_?\d)*)?|\.\d(_?\d)*([eE][+-]?\d(_?\d)*)?)$/.test(s))
    fail(`invalid float literal: ${s}`);
  const f = Number(s.replace(/_/g, ''));
  if (!Number.isFinite(f)) fail('floating-point number too large');
  return f;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function rangeArg(v: Value, i: number): bigint {
  if (typeof v === 'number') return BigInt(v);
  if (typeof v === 'bigint' && v <= INT64_MAX && v >= INT64_MIN) return v;
  if (typeof v === 'bigint')
    fail(`range: for parameter ${i}: ${v} out of range (want value in signed 64-bit range)`);
  return fail(`range: for parameter ${i}: got ${typeOf(v)}, want int`);
}

export function makeStructValue(kwargs: Array<[string, Value]>): Struct {
  const fields = new Map<string, Value>();
  for (const [k, v] of kwargs) fields.set(k, v);
  return new Struct(fields);
}

const entries: Array<[string, Value]> = [
  ['None', None],
  ['True', true],
  ['False', false],
  b('abs', (_th, fn, args, kw) => {
    unpackPositional(fn.name, args, kw, 1, 1);
    const x = args[0]!;
    if (typeof x === 'number') return Math.abs(x);
    if (typeof x === 'bigint') return x < 0n ? intNeg(x) : x;
    if (x instanceof Float) return new Float(Math.abs(x.v));
    return fail(`abs: got ${typeOf(x)}, want int or float`);
  }),
  b('all', (_th, fn, args, kw) => {
    unpackPositional(fn.name, args, kw, 1, 1);
    for (const x of iterArg('all', 1, args[0]!)) if (!truth(x)) return false;
    return true;
  }),
  b('any', (_th, fn, args, kw) => {
    unpackPositional(fn.name, args, kw, 1, 1);
    for (const x of iterArg('any', 1, args[0]!)) if (truth(x)) return true;
    return false;
  }),
  b('bool', (_th, fn, args, kw) => {
    unpackPositional(fn.name, args, kw, 0, 1);
    return args.length === 0 ? false : truth(args[0]!);
  }),
  b('bytes', (_th, fn, args, kw) => {
    unpackPositional(fn.name, args, kw, 1, 1);
    const x = args[0]!;
    if (x instanceof Bytes) return x;
    if (typeof x === 'string') return new Bytes(validUTF8(x));
    const elems = iterableElems(x);
    if (elems === undefined) fail(`bytes: got ${typeOf(x)}, want string, bytes, or iterable of ints`);
    let s = '';
    for (const e of elems) {
      if (typeof e !== 'number' && typeof e !== 'bigint')
        fail(`bytes: at index ${s.length}, got ${typeOf(e)}, want int`);
      if (typeof e !== 'number' || e < 0 || e > 255)
        fail(`bytes: at index ${s.length}, ${repr(e)} out of range (want value in unsigned 8-bit range)`);
      s += String.fromCharCode(e);
    }
    return new Bytes(s);
  }),
  b('chr', (_th, fn, args, kw) => {
    if (kw.length > 0) fail('chr does not accept keyword arguments');
    if (args.length !== 1) fail(`chr: got ${args.length} arguments, want 1`);
    const i = args[0]!;
    if (typeof i !== 'number') {
      if (typeof i === 'bigint') fail(`chr: ${i} out of range`);
      fail(`chr: got ${typeOf(i)}, want int`);
    }
    if (i < 0) fail(`chr: Unicode code point ${i} out of range (<0)`);
    if (i > 0x10ffff)
      fail(`chr: Unicode code point U+${i.toString(16).toUpperCase()} out of range (>0x10FFFF)`);
    return encodeUTF8(i >= 0xd800 && i < 0xe000 ? '\ufffd' : String.fromCodePoint(i));
  }),
  b('dict', (_th, fn, args, kw) => {
    if (args.length > 1) fail(`dict: got ${args.length} arguments, want at most 1`);
    const d = new Dict();
    dictUpdate('dict', d, args, kw);
    return d;
  }),
  b('dir', (_th, fn, args, kw) => {
    if (kw.length > 0) fail('dir does not accept keyword arguments');
    if (args.length !== 1) fail(`dir: got ${args.length} arguments, want 1`);
    return new List(attrNames(args[0]!));
  }),
  b('enumerate', (_th, fn, args, kw) => {
    const [it, startV] = unpackArgs(fn.name, args, kw, 'iterable', 'start?');
    const start = startV === undefined ? 0 : wantInt(fn.name, 'start', startV);
    const elems = iterableElems(it!);
    if (elems === undefined) fail(`enumerate: got ${typeOf(it!)}, want iterable`);
    const n = elems.length;
    return List.ofUnmade(new PairSource(new Range(start, start + n, 1), unshared(it!, elems), n));
  }),
  b('fail', (_th, fn, args, kw) => {
    let sep = ' ';
    for (const [k, v] of kw) {
      if (k === 'sep') sep = wantString('fail', 'sep', v);
      else fail(`fail: unexpected keyword argument "${k}"${didYouMean(k, ['sep'])}`);
    }
    throw new FailError('fail: ' + args.map(toStr).join(sep));
  }),
  b('float', (_th, fn, args, kw) => {
    if (kw.length > 0) fail('float does not accept keyword arguments');
    if (args.length > 1) fail(`float got ${args.length} arguments, wants 1`);
    if (args.length === 0) return new Float(0);
    const x = args[0]!;
    if (x instanceof Float) return x;
    if (typeof x === 'number') return new Float(x);
    if (typeof x === 'bigint') {
      const f = Number(x);
      if (!Number.isFinite(f)) fail('int too large to convert to float');
      return new Float(f);
    }
    if (typeof x === 'boolean') return new Float(x ? 1 : 0);
    if (typeof x === 'string') {
      if (x === '') fail('float: empty string');
      return new Float(floatFromString(x));
    }
    return fail(`float got ${typeOf(x)}, want number or string`);
  }),
  b('getattr', (_th, fn, args, kw) => {
    unpackPositional(fn.name, args, kw, 2, 3);
    const name = wantString('getattr', 2, args[1]!);
    const v = getAttrOrUndefined(args[0]!, name);
    if (v !== undefined) return v;
    if (args.length === 3) return args[2]!;
    return fail(`getattr: ${typeOf(args[0]!)} has no .${name} field or method`);
  }),
  b('hasattr', (_th, fn, args, kw) => {
    unpackPositional(fn.name, args, kw, 2, 2);
    const name = wantString('hasattr', 2, args[1]!);
    return getAttrOrUndefined(args[0]!, name) !== undefined;
  }),
  b('hash', (_th, fn, args, kw) => {
    unpackPositional(fn.name, args, kw, 1, 1);
    const x = args[0]!;
    if (typeof x !== 'string') {
      if (x instanceof Bytes) return fnv1a32(x.s);
      return fail(`hash: for parameter 1: got ${typeOf(x)}, want string`);
    }
    return javaStringHash(x);
  }),
  b('int', (_th, fn, args, kw) => {
    const [x, baseV] = unpackArgs('int', args, kw, 'x', 'base?');
    if (x === undefined) return 0;
    if (typeof x === 'string') {
      let base = 10;
      if (baseV !== undefined) {
        // As starlark-go: the base must be an int32 (AsInt32), then 0 or 2..36.
        if (typeof baseV !== 'number' || baseV > 0x7fffffff || baseV < -0x80000000)
          fail(`int: for base, got ${typeOf(baseV)}, want int`);
        if (baseV !== 0 && (baseV < 2 || baseV > 36)) fail('int: base must be an integer >= 2 && <= 36');
        base = baseV;
      }
      const [r, named] = parseIntText(x, base);
      if (r === undefined) fail(`int: invalid literal with base ${named}: ${x}`);
      return r;
    }
    if (baseV !== undefined) fail("int: can't convert non-string with explicit base");
    if (typeof x === 'number' || typeof x === 'bigint') return x;
    if (typeof x === 'boolean') return x ? 1 : 0;
    if (x instanceof Float) {
      try {
        return floatToInt(x.v);
      } catch (e) {
        return fail(`int: ${errorMessage(e)}`);
      }
    }
    return fail(`int: cannot convert ${typeOf(x)} to int`);
  }),
  b('len', (_th, fn, args, kw) => {
    unpackPositional(fn.name, args, kw, 1, 1);
    if (args[0] instanceof BigRange && args[0].n >= 0n) return intValue(args[0].n);
    const n = length(args[0]!);
    if (n < 0) fail(`len: value of type ${typeOf(args[0]!)} has no len`);
    return n;
  }),
  b('list', (_th, fn, args, kw) => {
    unpackPositional(fn.name, args, kw, 0, 1);
    if (args.length === 0) return new List([]);
    return new List(iterArg('list', 1, args[0]!).slice());
  }),
  b('max', (th, _fn, args, kw) => minmax(th, 'max', args, kw)),
  b('min', (th, _fn, args, kw) => minmax(th, 'min', args, kw)),
  b('ord', (_th, fn, args, kw) => {
    if (kw.length > 0) fail('ord does not accept keyword arguments');
    if (args.length !== 1) fail(`ord: got ${args.length} arguments, want 1`);
    const s = args[0]!;
    if (s instanceof Bytes) {
      if (s.s.length !== 1) fail(`ord: bytes has length ${s.s.length}, want 1`);
      return s.s.charCodeAt(0);
    }
    if (typeof s !== 'string') fail(`ord: got ${typeOf(s)}, want string`);
    const cps = Array.from(decodeUTF8(s));
    if (cps.length !== 1) fail(`ord: string encodes ${cps.length} Unicode code points, want 1`);
    return cps[0]!.codePointAt(0)!;
  }),
  b('print', (th, fn, args, kw) => {
    let sep = ' ';
    for (const [k, v] of kw) {
      if (k === 'sep') sep = wantString('print', 'sep', v);
      else fail(`print: unexpected keyword argument "${k}"${didYouMean(k, ['sep'])}`);
    }
    const msg = decodeUTF8(args.map(toStr).join(sep));
    if (th.print) th.print(th, msg);
    else process.stdout.write(msg + '\n');
    return None;
  }),
  b('range', (_th, fn, args, kw) => {
    if (kw.length > 0) fail('range: unexpected keyword arguments');
    if (args.length < 1 || args.length > 3)
      fail(`range: got ${args.length} arguments, want ${args.length < 1 ? 'at least 1' : 'at most 3'}`);
    // Fast path: bounds that are numbers (safe ints) whose distance is safe too.
    if (args.length === 1 && typeof args[0] === 'number' && args[0] >= 0) return new Range(0, args[0], 1);
    if (
      typeof args[0] === 'number' &&
      typeof args[1] === 'number' &&
      (args.length === 2 || typeof args[2] === 'number')
    ) {
      const st = args.length === 3 ? (args[2] as number) : 1;
      if (st !== 0 && Math.abs(args[1] - args[0]) <= Number.MAX_SAFE_INTEGER)
        return new Range(args[0], args[1], st);
    }
    let start = 0n;
    let stop: bigint;
    let step = 1n;
    if (args.length === 1) stop = rangeArg(args[0]!, 1);
    else {
      start = rangeArg(args[0]!, 1);
      stop = rangeArg(args[1]!, 2);
      if (args.length === 3) step = rangeArg(args[2]!, 3);
    }
    if (step === 0n) fail('range: step argument must not be zero');
    return makeRange(start, stop, step);
  }),
  b('repr', (_th, fn, args, kw) => {
    unpackPositional(fn.name, args, kw, 1, 1);
    return repr(args[0]!);
  }),
  b('reversed', (_th, fn, args, kw) => {
    unpackPositional(fn.name, args, kw, 1, 1);
    return new List(iterArg('reversed', 1, args[0]!).slice().reverse());
  }),
  b('set', (_th, fn, args, kw) => {
    unpackPositional(fn.name, args, kw, 0, 1);
    const s = new SetValue();
    if (args.length === 1) for (const x of iterArg('set', 1, args[0]!)) s.ht.set(x, x);
    return s;
  }),
  b('sorted', (th, fn, args, kw) => {
    const [it, key, rev] = unpackArgs('sorted', args, kw, 'iterable', 'key?', 'reverse?');
    if (args.length > 1) fail(`sorted: got ${args.length} arguments, want at most 1`);
    const elems = iterArg('sorted', 'iterable', it!).slice();
    const reverse = rev !== undefined && truth(rev);
    if (
      key !== undefined &&
      !(key instanceof Func || key instanceof Builtin || (key instanceof HostValue && key.call))
    ) {
      fail(`sorted: for parameter key: got ${typeOf(key)}, want callable`);
    }
    if (key !== undefined && key !== None) {
      const keys = whileIterating(it!, () => elems.map((e) => callValue(th, key, [e], null)));
      const idx = elems.map((_, i) => i);
      const allNum = keys.every((k) => typeof k === 'number');
      const allStr = !allNum && keys.every((k) => typeof k === 'string');
      const cmp = allNum
        ? (i: number, j: number) => (keys[i] as number) - (keys[j] as number)
        : allStr
          ? (i: number, j: number) => (keys[i]! < keys[j]! ? -1 : keys[i]! > keys[j]! ? 1 : 0)
          : null;
      if (cmp) idx.sort(reverse ? (i, j) => cmp(j, i) : cmp);
      else if (reverse) {
        idx.reverse();
        stableSort(idx, (i, j) => order(keys[j]!, keys[i]!, 100));
      } else stableSort(idx, (i, j) => order(keys[i]!, keys[j]!, 100));
      return new List(idx.map((i) => elems[i]!));
    }
    if (reverse) {
      // Stable descending order: sort ascending on reversed input, then reverse.
      elems.reverse();
      sortValues(elems, 'sorted');
      elems.reverse();
      return new List(elems);
    }
    sortValues(elems, 'sorted');
    return new List(elems);
  }),
  b('str', (_th, fn, args, kw) => {
    if (kw.length > 0) fail('str does not accept keyword arguments');
    if (args.length !== 1) fail(`str: got ${args.length} arguments, want exactly 1`);
    const x = args[0]!;
    if (x instanceof Bytes) return validUTF8(x.s);
    return toStr(x);
  }),
  b('tuple', (_th, fn, args, kw) => {
    unpackPositional(fn.name, args, kw, 0, 1);
    if (args.length === 0) return EMPTY_TUPLE;
    const x = args[0]!;
    if (isTuple(x)) return x;
    return tuple(iterArg('tuple', 1, x).slice());
  }),
  b('type', (_th, fn, args, kw) => {
    if (kw.length > 0) fail('type does not accept keyword arguments');
    if (args.length !== 1) fail(`type: got ${args.length} arguments, want exactly 1`);
    return typeOf(args[0]!);
  }),
  b('zip', (_th, fn, args, kw) => {
    if (kw.length > 0) fail('zip does not accept keyword arguments');
    return zipList(args);
  }),
];

/**
 * zipList is zip's result: a range is read by arithmetic instead of being made into an array
 * first. Two sequences (the common case) give a list of pairs made when first read (see
 * PairSource in value.ts); three build each tuple with an array literal, an allocation site V8
 * pretenures when the tuples live on (see Tuple in sobject.ts).
 */
function zipList(args: Value[]): List {
  const seqs = args.map((a, i): Seq => {
    if (a instanceof Range) return a;
    const e = iterableElems(a);
    if (e === undefined) fail(`zip: argument #${i + 1} is not iterable: ${typeOf(a)}`);
    return e;
  });
  if (seqs.length === 0) return new List([]);
  const n = Math.min(...seqs.map((s) => (s instanceof Range ? s.len : s.length)));
  if (seqs.length === 2) {
    const a = unshared(args[0]!, seqs[0]!);
    // zip(xs, xs): one copy for both sides.
    const b = args[1] === args[0] ? a : unshared(args[1]!, seqs[1]!);
    return List.ofUnmade(new PairSource(a, b, n));
  }
  const out = new Array<Value>(n);
  if (seqs.length === 3) {
    const [a, b, c] = seqs as [Seq, Seq, Seq];
    for (let i = 0; i < n; i++) out[i] = tuple([seqAt(a, i), seqAt(b, i), seqAt(c, i)]);
    return new List(out);
  }
  for (let i = 0; i < n; i++) {
    const t = new Array<Value>(seqs.length);
    for (let k = 0; k < seqs.length; k++) t[k] = seqAt(seqs[k]!, i);
    out[i] = tuple(t);
  }
  return new List(out);
}

/**
 * unshared is elems, the elements of x, as a PairSource may keep them: a copy when x is a list
 * that may still change (the pairs are the elements at the call), else elems itself.
 */
function unshared(x: Value, elems: Seq): Seq {
  return x instanceof List && !x.frozen ? x.elems.slice() : elems;
}

/** fnv1a32 is the 32-bit FNV-1a hash of a byte string: hash(bytes) in today's starlark-go. */
function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** FailError is the error raised by fail(); a StarErr with the "fail: " message. */
export class FailError extends StarErr {}

export const universe: ReadonlyMap<string, Value> = new Map(entries);

/** structBuiltin is `struct(**kwargs)`. */
export const structBuiltin = new Builtin('struct', (_th, fn, args, kw) => {
  if (args.length > 0) fail(`struct: unexpected positional arguments`);
  return makeStructValue(kw);
});

export { checkHashable, mapKey, Func, HostValue, Module };
