/**
 * The operators of Starlark on values: truth, the binary operators (arithmetic, bitwise,
 * sequence repetition and concatenation, set and dict union, membership, and the comparisons
 * through compare.ts) and the unary ones. The compiler's single-shape fast paths
 * (compile/binary.ts) try the common int and string cases first and fall back here.
 */
import { Dict, SetValue, typeOf } from './hashtable.js';
import {
  intAdd,
  intAnd,
  intFloorDiv,
  intInvert,
  intMod,
  intMul,
  intNeg,
  intOr,
  intShift,
  intSub,
  intToNumber,
  intXor,
  isInt,
} from './int.js';
import { compare, equal } from './compare.js';
import { MAX_STRING_BYTES, checkListSize, checkStringSize } from './limits.js';
import { BigRange, rangeContains } from './range.js';
import { toStr } from './repr.js';
import {
  Bytes,
  Float,
  HostValue,
  List,
  None,
  Range,
  Struct,
  fail,
  isTuple,
  tuple,
  type Value,
} from './value.js';

export function truth(v: Value): boolean {
  switch (typeof v) {
    case 'boolean':
      return v;
    case 'number':
      return v !== 0;
    case 'string':
      return v.length > 0;
    case 'bigint':
      return true;
  }
  if (v === None) return false;
  if (v instanceof List) return v.len > 0;
  if (isTuple(v)) return v.length > 0;
  if (v instanceof Dict || v instanceof SetValue) return v.ht.size > 0;
  if (v instanceof Float) return v.v !== 0;
  if (v instanceof Range) return v.len > 0;
  if (v instanceof Bytes) return v.s.length > 0;
  if (v instanceof HostValue) return v.truth();
  return true;
}

function floatOf(x: Value): number {
  return x instanceof Float ? x.v : intToNumber(x as number | bigint);
}

function isNum(x: Value): boolean {
  return typeof x === 'number' || typeof x === 'bigint' || x instanceof Float;
}

export function floatMod(x: number, y: number): number {
  let z = x % y;
  if (x < 0 !== y < 0 && z !== 0) z += y;
  return z;
}

/**
 * binary implements the arithmetic, bitwise and comparison operators. String formatting
 * (`"%d" % x`) is format.ts's interpolate, which sits above this file: the compiler applies
 * it (compile/binary.ts, binaryOp).
 */
export function binary(op: string, x: Value, y: Value): Value {
  switch (op) {
    case '+':
      if (typeof x === 'number' && typeof y === 'number') {
        const r = x + y;
        if (r <= Number.MAX_SAFE_INTEGER && r >= -Number.MAX_SAFE_INTEGER) return r;
      }
      if (typeof x === 'string' && typeof y === 'string') {
        if (x.length + y.length > MAX_STRING_BYTES) checkStringSize(x.length + y.length);
        return x + y;
      }
      if (isInt(x) && isInt(y)) return intAdd(x, y);
      if (isNum(x) && isNum(y)) return new Float(floatOf(x) + floatOf(y));
      if (x instanceof List && y instanceof List) {
        checkListSize(x.elems.length + y.elems.length);
        return new List(x.elems.concat(y.elems));
      }
      if (isTuple(x) && isTuple(y)) {
        checkListSize(x.length + y.length);
        return tuple(x.concat(y));
      }
      if (x instanceof Bytes && y instanceof Bytes) {
        checkStringSize(x.s.length + y.s.length);
        return new Bytes(x.s + y.s);
      }
      if (x instanceof Struct && y instanceof Struct) {
        if (!equal(x.constructorName, y.constructorName)) {
          fail(
            `cannot add structs of different constructors: ${toStr(x.constructorName)} + ${toStr(y.constructorName)}`,
          );
        }
        const f = new Map(x.fields);
        for (const [k, v] of y.fields) f.set(k, v);
        return new Struct(
          new Map([...f.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))),
          x.constructorName,
        );
      }
      break;
    case '-':
      if (isInt(x) && isInt(y)) return intSub(x, y);
      if (isNum(x) && isNum(y)) return new Float(floatOf(x) - floatOf(y));
      if (x instanceof SetValue && y instanceof SetValue) {
        const s = new SetValue();
        for (const k of x.ht.keys()) if (!y.ht.has(k)) s.ht.set(k, k);
        return s;
      }
      break;
    case '*':
      if (isInt(x)) {
        if (isInt(y)) return intMul(x, y);
        if (y instanceof Float) return new Float(floatOf(x) * y.v);
        if (typeof y === 'string') return repeatString(y, x);
        if (y instanceof Bytes) return new Bytes(repeatString(y.s, x));
        if (y instanceof List) return new List(repeatElems(y.elems, x));
        if (isTuple(y)) return tuple(repeatElems(y, x));
      } else if (x instanceof Float) {
        if (isNum(y)) return new Float(x.v * floatOf(y));
      } else if (isInt(y)) {
        if (typeof x === 'string') return repeatString(x, y);
        if (x instanceof Bytes) return new Bytes(repeatString(x.s, y));
        if (x instanceof List) return new List(repeatElems(x.elems, y));
        if (isTuple(x)) return tuple(repeatElems(x, y));
      }
      break;
    case '/':
      if (isNum(x) && isNum(y)) {
        const b = floatOf(y);
        if (b === 0) fail('floating-point division by zero');
        if (typeof x === 'bigint' || typeof y === 'bigint') {
          // exact-ish: divide big ints via float conversion of each (matches Go's big.Float rounding in typical cases)
          return new Float(floatOf(x) / b);
        }
        return new Float(floatOf(x) / b);
      }
      break;
    case '//':
      if (isInt(x) && isInt(y)) return intFloorDiv(x, y);
      if (isNum(x) && isNum(y)) {
        const b = floatOf(y);
        if (b === 0) fail('floored division by zero');
        return new Float(Math.floor(floatOf(x) / b));
      }
      break;
    case '%':
      if (isInt(x) && isInt(y)) return intMod(x, y);
      if (isNum(x) && isNum(y)) {
        const b = floatOf(y);
        if (b === 0) fail('floating-point modulo by zero');
        return new Float(floatMod(floatOf(x), b));
      }
      break;
    case '&':
      if (isInt(x) && isInt(y)) return intAnd(x, y);
      if (x instanceof SetValue && y instanceof SetValue) {
        const s = new SetValue();
        for (const k of x.ht.keys()) if (y.ht.has(k)) s.ht.set(k, k);
        return s;
      }
      break;
    case '|':
      if (isInt(x) && isInt(y)) return intOr(x, y);
      if (x instanceof SetValue && y instanceof SetValue) {
        const s = new SetValue();
        for (const k of x.ht.keys()) s.ht.set(k, k);
        for (const k of y.ht.keys()) s.ht.set(k, k);
        return s;
      }
      if (x instanceof Dict && y instanceof Dict) {
        const d = new Dict();
        for (const [k, v] of x.ht.items()) d.ht.set(k, v);
        for (const [k, v] of y.ht.items()) d.ht.set(k, v);
        return d;
      }
      break;
    case '^':
      if (isInt(x) && isInt(y)) return intXor(x, y);
      if (x instanceof SetValue && y instanceof SetValue) {
        const s = new SetValue();
        for (const k of x.ht.keys()) if (!y.ht.has(k)) s.ht.set(k, k);
        for (const k of y.ht.keys()) if (!x.ht.has(k)) s.ht.set(k, k);
        return s;
      }
      break;
    case '<<':
    case '>>':
      if (isInt(x)) {
        if (isInt(y)) return intShift(op, x, y);
        // As starlark-go: an int shifted by a non-int is a type error on the count (a host
        // value's binary hook still gets its turn).
        if (!(y instanceof HostValue && y.binary)) fail(`got ${typeOf(y)}, want int`);
      }
      break;
    case 'in':
      return contains(y, x);
    case 'not in':
      return !contains(y, x);
    case '==':
      return equal(x, y);
    case '!=':
      return !equal(x, y);
    case '<':
    case '<=':
    case '>':
    case '>=':
      return compare(op, x, y);
  }
  if (x instanceof HostValue && x.binary) {
    const r = x.binary(op, y, 'left');
    if (r !== undefined) return r;
  }
  if (y instanceof HostValue && y.binary) {
    const r = y.binary(op, x, 'right');
    if (r !== undefined) return r;
  }
  return fail(`unknown binary op: ${typeOf(x)} ${op} ${typeOf(y)}`);
}

/**
 * repeatCount checks the count of a sequence repetition (s * n) as starlark-go does: an empty
 * sequence repeats to empty whatever the count; otherwise the count must be an int32 (even a
 * negative one: "12" * -(1 << 40) fails), counts below 1 give an empty result, and the
 * result must stay under 2^30 elements.
 */
function repeatCount(n: number | bigint, len: number): number {
  if (len === 0) return 0;
  if (typeof n === 'bigint' || n > 0x7fffffff || n < -0x80000000) fail(`repeat count ${n} too large`);
  if (n < 1) return 0;
  if (len * n >= 1 << 30) fail(`excessive repeat (${len} * ${n} elements)`);
  return n;
}

function repeatString(s: string, n: number | bigint): string {
  const k = repeatCount(n, s.length);
  if (k === 0) return '';
  checkStringSize(s.length * k);
  return s.repeat(k);
}

function repeatElems(elems: readonly Value[], n: number | bigint): Value[] {
  const k = repeatCount(n, elems.length);
  const m = elems.length;
  checkListSize(m * k);
  // [x] * n is the common form: fill writes it in native code, twice as fast as a loop.
  if (m === 1) return new Array<Value>(k).fill(elems[0]!);
  const out: Value[] = new Array(m * k);
  for (let i = 0, j = 0; i < k; i++) for (let e = 0; e < m; e++) out[j++] = elems[e]!;
  return out;
}

export function contains(coll: Value, x: Value): boolean {
  if (typeof coll === 'string') {
    if (typeof x !== 'string') fail(`'in <string>' requires string as left operand, not ${typeOf(x)}`);
    return coll.includes(x);
  }
  if (coll instanceof Dict) {
    try {
      return coll.ht.has(x);
    } catch {
      return false;
    }
  }
  if (coll instanceof List || isTuple(coll)) {
    for (const e of coll instanceof List ? coll.elems : coll) if (e === x || equal(e, x)) return true;
    return false;
  }
  if (coll instanceof SetValue) return coll.ht.has(x);
  if (coll instanceof Range || coll instanceof BigRange) {
    if (x instanceof Float) {
      if (!Number.isFinite(x.v)) return false;
      x = Math.trunc(x.v) + 0;
    }
    if (!isInt(x)) fail(`'in <range>' requires integer as left operand, not ${typeOf(x)}`);
    // As starlark-go: only int32 values are looked for.
    if (typeof x === 'bigint' || x > 0x7fffffff || x < -0x80000000) return false;
    return rangeContains(coll, x);
  }
  if (coll instanceof Bytes) {
    if (x instanceof Bytes) return coll.s.includes(x.s);
    if (typeof x === 'number') {
      if (x < 0 || x > 255) fail(`int in bytes: ${x} out of range`);
      return coll.s.includes(String.fromCharCode(x));
    }
    fail(`'in bytes' requires bytes or int as left operand, not ${typeOf(x)}`);
  }
  if (coll instanceof HostValue) {
    if (coll.get) return coll.get(x) !== undefined;
    if (coll.iterate) {
      const it = coll.iterate();
      for (let r = it.next(); !r.done; r = it.next()) if (equal(r.value, x)) return true;
      return false;
    }
  }
  return fail(`unknown binary op: ${typeOf(x)} in ${typeOf(coll)}`);
}

export function unary(op: string, x: Value): Value {
  switch (op) {
    case 'not':
      return !truth(x);
    case '-':
      if (isInt(x)) return intNeg(x);
      if (x instanceof Float) return new Float(-x.v);
      break;
    case '+':
      if (isInt(x)) return x;
      if (x instanceof Float) return x;
      break;
    case '~':
      if (isInt(x)) return intInvert(x);
      break;
  }
  if (x instanceof HostValue && x.unary && (op === '-' || op === '+' || op === '~')) {
    const r = x.unary(op);
    if (r !== undefined) return r;
  }
  return fail(`unknown unary op: ${op} ${typeOf(x)}`);
}
