import { Func } from './function.js';
import { Dict, SetValue, mapKey, typeOf } from './hashtable.js';
import {
  cmpIntFloat, intAdd, intAnd, intFloorDiv, intInvert, intMod, intMul, intNeg, intOr, intShift, intSub,
  intToNumber, intXor, isInt, big,
} from './int.js';
import { MIN_WASM_TEXT, hashBytes } from './byte-kernels.js';
import { formatFloat } from './float-format.js';
import { MAX_STRING_BYTES, checkListSize, checkStringSize } from './limits.js';
import { BigRange, bounds, isRange, rangeContains, rangeEqual, rangeRepr, rangeSlice, type AnyRange } from './range.js';
import type { Thread } from './thread.js';
import {
  Builtin, Bytes, Float, HostValue, List, Module, NoneType, Range, SObject, StarErr, Struct, Tuple, encodeUTF8, fail,
  None, type Value,
} from './value.js';

export { typeOf };

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
  if (v instanceof List || v instanceof Tuple) return v.elems.length > 0;
  if (v instanceof Dict || v instanceof SetValue) return v.ht.size > 0;
  if (v instanceof Float) return v.v !== 0;
  if (v instanceof Range) return v.len > 0;
  if (v instanceof Bytes) return v.s.length > 0;
  if (v instanceof HostValue) return v.truth();
  return true;
}

// ---------------------------------------------------------------- str / repr

const hexDigits = '0123456789abcdef';
const printable = /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u;

/** ESCAPES[c] is the escape sequence of an ASCII byte, or undefined when it stands for itself. */
const ESCAPES: Array<string | undefined> = [];
for (let c = 0; c < 0x80; c++) {
  const named: Record<number, string> = { 7: '\\a', 8: '\\b', 12: '\\f', 10: '\\n', 13: '\\r', 9: '\\t', 11: '\\v', 34: '\\"', 92: '\\\\' };
  ESCAPES[c] = named[c] ?? (c < 0x20 || c === 0x7f ? '\\x' + hexDigits[c >> 4] + hexDigits[c & 15] : undefined);
}
/** printableBMP caches the printability of BMP code points: 0 unknown, 1 printable, 2 not. */
const printableBMP = new Uint8Array(0x10000);
function isPrintable(cp: number): boolean {
  if (cp < 0x10000) {
    let p = printableBMP[cp]!;
    if (p === 0) printableBMP[cp] = p = printable.test(String.fromCharCode(cp)) ? 1 : 2;
    return p === 1;
  }
  return printable.test(String.fromCodePoint(cp));
}

/**
 * quote renders a byte string as a Go-style double-quoted literal. Strings needing escapes
 * are written into a byte buffer (at most 4 output bytes per input byte), so that a 10 MB
 * string of invalid bytes is quoted in linear time without a rope of small strings.
 */
export function quote(s: string, bytesPrefix = false): string {
  const open = bytesPrefix ? 'b"' : '"';
  // eslint-disable-next-line no-control-regex
  if (!/[\x00-\x1f"\\\x7f-\xff]/.test(s)) return open + s + '"';
  const n = s.length;
  const buf = Buffer.allocUnsafe(4 * n + 3);
  let o = buf.write(open, 0, 'latin1');
  const put = (t: string) => {
    for (let k = 0; k < t.length; k++) buf[o++] = t.charCodeAt(k);
  };
  for (let i = 0; i < n; ) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      i++;
      const e = ESCAPES[c];
      if (e === undefined) buf[o++] = c;
      else put(e);
      continue;
    }
    const [cp, size] = bytesPrefix ? [-1, 1] : decodeRune(s, i);
    if (cp < 0) {
      buf[o++] = 92;
      buf[o++] = 120;
      buf[o++] = hexDigits.charCodeAt(c >> 4);
      buf[o++] = hexDigits.charCodeAt(c & 15);
      i++;
      continue;
    }
    if (isPrintable(cp)) for (let k = 0; k < size; k++) buf[o++] = s.charCodeAt(i + k);
    else if (cp < 0x10000) put('\\u' + cp.toString(16).padStart(4, '0'));
    else put('\\U' + cp.toString(16).padStart(8, '0'));
    i += size;
  }
  buf[o++] = 34;
  checkStringSize(o);
  return buf.toString('latin1', 0, o);
}

const INVALID: [number, number] = [-1, 1];

/** decodeRune decodes one UTF-8 sequence at s[i]; returns [-1, 1] if invalid (as Go's utf8.DecodeRuneInString). */
export function decodeRune(s: string, i: number): [number, number] {
  const c = s.charCodeAt(i);
  if (c < 0x80) return [c, 1];
  const n = s.length;
  if (c < 0xc2 || c >= 0xf5 || i + 1 >= n) return INVALID;
  const b1 = s.charCodeAt(i + 1) ^ 0x80;
  if (b1 > 0x3f) return INVALID;
  if (c < 0xe0) return [((c & 0x1f) << 6) | b1, 2];
  if (i + 2 >= n) return INVALID;
  const b2 = s.charCodeAt(i + 2) ^ 0x80;
  if (b2 > 0x3f) return INVALID;
  if (c < 0xf0) {
    const cp = ((c & 0x0f) << 12) | (b1 << 6) | b2;
    if (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000)) return INVALID;
    return [cp, 3];
  }
  if (i + 3 >= n) return INVALID;
  const b3 = s.charCodeAt(i + 3) ^ 0x80;
  if (b3 > 0x3f) return INVALID;
  const cp = ((c & 0x07) << 18) | (b1 << 12) | (b2 << 6) | b3;
  if (cp < 0x10000 || cp > 0x10ffff) return INVALID;
  return [cp, 4];
}

/** toStr is str(v) as an internal byte string. */
export function toStr(v: Value): string {
  if (typeof v === 'string') return v;
  return repr(v);
}

/** repr is repr(v) as an internal byte string. */
export function repr(v: Value): string {
  if (typeof v !== 'object') {
    if (typeof v === 'string') return quote(v);
    if (typeof v === 'boolean') return v ? 'True' : 'False';
    return String(v);
  }
  const out: string[] = [];
  writeShallow(out, v, []);
  return out.join('');
}

/**
 * writeShallow appends repr(v) to out recursively (the fast way for ordinary values); below
 * a depth of 200 it hands the rest to writeValue, which needs no JS stack.
 */
function writeShallow(out: string[], v: Value, path: SObject[]): void {
  if (typeof v !== 'object' || !(v instanceof List || v instanceof Tuple || v instanceof Dict || v instanceof SetValue || v instanceof Struct)) {
    writeScalar(out, v);
    return;
  }
  if (path.includes(v)) {
    out.push(v instanceof List ? '[...]' : v instanceof Dict ? '{...}' : '...');
    return;
  }
  if (path.length >= 200) {
    writeValue(out, v, new Set(path));
    return;
  }
  path.push(v);
  if (v instanceof List || v instanceof Tuple) {
    const e = v.elems;
    out.push(v instanceof List ? '[' : '(');
    for (let i = 0; i < e.length; i++) {
      if (i > 0) out.push(', ');
      const x = e[i]!;
      if (typeof x === 'number') out.push(String(x));
      else if (typeof x === 'string') out.push(quote(x));
      else writeShallow(out, x, path);
    }
    out.push(v instanceof List ? ']' : e.length === 1 ? ',)' : ')');
    path.pop();
    return;
  }
  const open = openContainer(out, v);
  const { items, pre } = open;
  for (let i = 0; i < items.length; i++) {
    if (pre !== null) out.push(pre[i]!);
    else if (i > 0) out.push(', ');
    writeShallow(out, items[i]!, path);
  }
  out.push(open.close);
  path.pop();
}

/** Open is a container being written by writeValue: its items, the text before each, its closer. */
interface Open {
  owner: SObject;
  items: Value[];
  /** text before item i; null means ", " between items */
  pre: string[] | null;
  i: number;
  close: string;
}

/**
 * writeValue appends repr(v) to out. Containers are walked with an explicit stack, so a list
 * nested thousands deep (as starlark-go prints) needs no JS stack; a container met again
 * inside itself prints as [...], {...} or ....
 */
function writeValue(out: string[], root: Value, inPath: Set<SObject>): void {
  const stack: Open[] = [];
  let v: Value = root;
  for (;;) {
    // write v: a scalar now, a container by opening it
    if (typeof v !== 'object') writeScalar(out, v);
    else if (v instanceof List || v instanceof Tuple || v instanceof Dict || v instanceof SetValue || v instanceof Struct) {
      if (inPath.has(v)) out.push(v instanceof List ? '[...]' : v instanceof Dict ? '{...}' : '...');
      else {
        inPath.add(v);
        stack.push(openContainer(out, v));
      }
    } else writeScalar(out, v);
    // find the next item, closing the containers that are done
    let next: Value | undefined;
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.i < top.items.length) {
        const i = top.i++;
        if (top.pre !== null) out.push(top.pre[i]!);
        else if (i > 0) out.push(', ');
        next = top.items[i]!;
        break;
      }
      out.push(top.close);
      inPath.delete(top.owner);
      stack.pop();
    }
    if (next === undefined) return;
    v = next;
  }
}

function openContainer(out: string[], v: List | Tuple | Dict | SetValue | Struct): Open {
  if (v instanceof List) {
    out.push('[');
    return { owner: v, items: v.elems, pre: null, i: 0, close: ']' };
  }
  if (v instanceof Tuple) {
    out.push('(');
    return { owner: v, items: v.elems, pre: null, i: 0, close: v.elems.length === 1 ? ',)' : ')' };
  }
  if (v instanceof Dict) {
    out.push('{');
    const items: Value[] = [];
    const pre: string[] = [];
    for (const [k, x] of v.ht.items()) {
      pre.push(items.length > 0 ? ', ' : '', ': ');
      items.push(k, x);
    }
    return { owner: v, items, pre, i: 0, close: '}' };
  }
  if (v instanceof SetValue) {
    out.push('set([');
    return { owner: v, items: v.ht.keys(), pre: null, i: 0, close: '])' };
  }
  out.push(typeof v.constructorName === 'string' ? v.constructorName : toStr(v.constructorName));
  out.push('(');
  const names = [...v.fields.keys()].sort();
  return {
    owner: v,
    items: names.map((n) => v.fields.get(n)!),
    pre: names.map((n, i) => (i > 0 ? ', ' : '') + n + ' = '),
    i: 0,
    close: ')',
  };
}

function writeScalar(out: string[], v: Value): void {
  switch (typeof v) {
    case 'number':
    case 'bigint':
      out.push(String(v));
      return;
    case 'string':
      out.push(quote(v));
      return;
    case 'boolean':
      out.push(v ? 'True' : 'False');
      return;
  }
  if (v === None) {
    out.push('None');
    return;
  }
  if (v instanceof Float) {
    out.push(formatFloat(v.v, 'g'));
    return;
  }
  if (v instanceof Func) {
    out.push(`<function ${v.name}>`);
    return;
  }
  if (v instanceof Builtin) {
    if (v.receiver !== undefined) out.push(`<built-in method ${v.name} of ${typeOf(v.receiver)} value>`);
    else out.push(`<built-in function ${v.name}>`);
    return;
  }
  if (v instanceof Range) {
    out.push(rangeRepr(v.start, v.stop, v.step));
    return;
  }
  if (v instanceof Module) {
    out.push(`<module "${v.name}">`);
    return;
  }
  if (v instanceof Bytes) {
    out.push(quote(v.s, true));
    return;
  }
  if (v instanceof HostValue) {
    out.push(encodeUTF8(v.repr()));
    return;
  }
  out.push(`<${v.type()}>`);
}

// ---------------------------------------------------------------- comparison

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
    case '==': return c === 0;
    case '!=': return c !== 0;
    case '<': return c < 0;
    case '<=': return c <= 0;
    case '>': return c > 0;
    case '>=': return c >= 0;
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
  if (tx === 'number' && ty === 'number') return (x as number) < (y as number) ? -1 : (x as number) > (y as number) ? 1 : 0;
  if (tx === 'string' && ty === 'string') return x < y ? -1 : x > y ? 1 : 0;
  if ((x instanceof Tuple && y instanceof Tuple) || (x instanceof List && y instanceof List)) {
    const a = x.elems;
    const b = y.elems;
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const c = order(a[i]!, b[i]!, depth - 1);
      if (c !== 0) return c;
    }
    return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
  }
  return compareDepth('<', x, y, depth) ? -1 : compareDepth('<', y, x, depth) ? 1 : 0;
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
  if ((x instanceof List && y instanceof List) || (x instanceof Tuple && y instanceof Tuple)) {
    return seqCompare(op, x.elems, y.elems, depth);
  }
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
    if (op !== '==' && op !== '!=') return notImpl(op, x, y);
    let eq = x.ht.size === y.ht.size;
    if (eq) for (const k of x.ht.keys()) if (!y.ht.has(k)) { eq = false; break; }
    return op === '==' ? eq : !eq;
  }
  if (x instanceof Struct && y instanceof Struct) {
    if (op !== '==' && op !== '!=') return notImpl(op, x, y);
    let eq = x.fields.size === y.fields.size && compareDepth('==', x.constructorName, y.constructorName, depth - 1);
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

function seqCompare(op: string, a: Value[], b: Value[], depth: number): boolean {
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

// ---------------------------------------------------------------- arithmetic

function floatOf(x: Value): number {
  return x instanceof Float ? x.v : intToNumber(x as number | bigint);
}

function isNum(x: Value): boolean {
  return typeof x === 'number' || typeof x === 'bigint' || x instanceof Float;
}

export function floatMod(x: number, y: number): number {
  let z = x % y;
  if ((x < 0) !== (y < 0) && z !== 0) z += y;
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
      if (x instanceof Tuple && y instanceof Tuple) {
        checkListSize(x.elems.length + y.elems.length);
        return new Tuple(x.elems.concat(y.elems));
      }
      if (x instanceof Bytes && y instanceof Bytes) {
        checkStringSize(x.s.length + y.s.length);
        return new Bytes(x.s + y.s);
      }
      if (x instanceof Struct && y instanceof Struct) {
        if (!equal(x.constructorName, y.constructorName)) {
          fail(`cannot add structs of different constructors: ${toStr(x.constructorName)} + ${toStr(y.constructorName)}`);
        }
        const f = new Map(x.fields);
        for (const [k, v] of y.fields) f.set(k, v);
        return new Struct(new Map([...f.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))), x.constructorName);
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
        if (y instanceof Tuple) return new Tuple(repeatElems(y.elems, x));
      } else if (x instanceof Float) {
        if (isNum(y)) return new Float(x.v * floatOf(y));
      } else if (isInt(y)) {
        if (typeof x === 'string') return repeatString(x, y);
        if (x instanceof Bytes) return new Bytes(repeatString(x.s, y));
        if (x instanceof List) return new List(repeatElems(x.elems, y));
        if (x instanceof Tuple) return new Tuple(repeatElems(x.elems, y));
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

function repeatElems(elems: Value[], n: number | bigint): Value[] {
  const k = repeatCount(n, elems.length);
  const m = elems.length;
  checkListSize(m * k);
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
  if (coll instanceof List || coll instanceof Tuple) {
    for (const e of coll.elems) if (e === x || equal(e, x)) return true;
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

// ---------------------------------------------------------------- indexing

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
  if (x instanceof List || x instanceof Tuple) {
    const e = x.elems;
    if (typeof y === 'number' && y >= 0 && y < e.length) return e[y]!;
    return e[seqIndex(x.type(), y, e.length)]!;
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
  if (x instanceof Bytes) return x.s.charCodeAt(seqIndex('bytes', y, x.s.length));
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
  if (x instanceof HostValue && 'setIndex' in x && typeof (x as { setIndex?: unknown }).setIndex === 'function') {
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
export function sliceIndices(n: number, lo: Value | undefined, hi: Value | undefined, stepV: Value | undefined): [number, number, number] {
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
function sliceRange(r: AnyRange, lo: Value | undefined, hi: Value | undefined, stepV: Value | undefined): Value {
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

export function slice(x: Value, lo: Value | undefined, hi: Value | undefined, stepV: Value | undefined): Value {
  let n: number;
  if (typeof x === 'string') n = x.length;
  else if (x instanceof List || x instanceof Tuple) n = x.elems.length;
  else if (x instanceof Range || x instanceof BigRange) return sliceRange(x, lo, hi, stepV);
  else if (x instanceof Bytes) n = x.s.length;
  else return fail(`invalid slice operand ${typeOf(x)}`);
  const [start, end, step] = sliceIndices(n, lo, hi, stepV);
  if (step === 1) {
    const e = Math.max(start, end);
    if (typeof x === 'string') return x.slice(start, e);
    if (x instanceof Bytes) return new Bytes(x.s.slice(start, e));
    const elems = (x as List | Tuple).elems.slice(start, e);
    return x instanceof List ? new List(elems) : new Tuple(elems);
  }
  if (typeof x === 'string' || x instanceof Bytes) {
    const s = typeof x === 'string' ? x : x.s;
    const parts: string[] = [];
    if (step > 0) for (let i = start; i < end; i += step) parts.push(s[i]!);
    else for (let i = start; i > end; i += step) parts.push(s[i]!);
    const out = parts.join('');
    return typeof x === 'string' ? out : new Bytes(out);
  }
  const src = (x as List | Tuple).elems;
  const out: Value[] = [];
  if (step > 0) for (let i = start; i < end; i += step) out.push(src[i]!);
  else for (let i = start; i > end; i += step) out.push(src[i]!);
  return x instanceof List ? new List(out) : new Tuple(out);
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

// ---------------------------------------------------------------- iteration and length

/** iterableElems returns the elements of an iterable as a JS array (possibly shared: do not mutate), or undefined. */
export function iterableElems(x: Value): Value[] | undefined {
  if (x instanceof List || x instanceof Tuple) return x.elems;
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
  if (x instanceof List || x instanceof Tuple) return x.elems.length;
  if (x instanceof Dict || x instanceof SetValue) return x.ht.size;
  if (x instanceof Range) return x.len;
  if (x instanceof BigRange) return x.n < 0n ? -1 : Number(x.n);
  if (x instanceof Bytes) return x.s.length;
  if (x instanceof HostValue && x.len) return x.len();
  return -1;
}

// ---------------------------------------------------------------- hashing (hash() builtin for strings)

/**
 * javaStringHash is hash(s) as starlark-go computes it: h = 31·h + c over the code points of
 * the UTF-8 text, in int32. (Its transcoding to UTF-16 splits only surrogate code points, which
 * decoded UTF-8 never yields, so a character beyond U+FFFF adds its code point; an invalid byte
 * adds U+FFFD, as Go's decoder yields one per byte.) Long strings are hashed by byte-kernels.ts's
 * WebAssembly loop, the same rule at native speed; this loop reads the bytes in place.
 */
export function javaStringHash(s: string): number {
  if (s.length >= MIN_WASM_TEXT) {
    const fast = hashBytes(s);
    if (fast !== undefined) return fast;
  }
  let h = 0;
  for (let i = 0; i < s.length; ) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      h = (Math.imul(31, h) + c) | 0;
      i++;
      continue;
    }
    const [cp, size] = decodeRune(s, i);
    h = (Math.imul(31, h) + (cp < 0 ? 0xfffd : cp)) | 0;
    i += size;
  }
  return h;
}

export function checkHashable(v: Value): void {
  if (v instanceof Range) fail('unhashable: range');
  mapKey(v);
}

// ---------------------------------------------------------------- freezing

export function freeze(root: Value): void {
  if (typeof root !== 'object') return;
  // An explicit stack, not recursion: values may nest far deeper than the JS stack allows.
  // Tuples and structs have no frozen flag, so a set keeps shared ones from being walked
  // again (t = (t, t) repeated would otherwise take exponential time).
  const stack: Value[] = [root];
  let seen: Set<Value> | undefined;
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (typeof v !== 'object') continue;
    if (v instanceof List) {
      if (v.frozen) continue;
      v.frozen = true;
      for (const e of v.elems) if (typeof e === 'object') stack.push(e);
    } else if (v instanceof Tuple) {
      if (v.elems.length === 0) continue;
      seen ??= new Set();
      if (seen.has(v)) continue;
      seen.add(v);
      for (const e of v.elems) if (typeof e === 'object') stack.push(e);
    } else if (v instanceof Dict || v instanceof SetValue) {
      if (v.ht.frozen) continue;
      v.ht.frozen = true;
      for (const [k, x] of v.ht.items()) {
        if (typeof k === 'object') stack.push(k);
        if (typeof x === 'object') stack.push(x);
      }
    } else if (v instanceof Func) {
      if ((v as { frozenFlag?: boolean }).frozenFlag) continue;
      (v as { frozenFlag?: boolean }).frozenFlag = true;
      for (const d of v.defaults) stack.push(d);
      for (const c of v.freevars) if (c.v !== undefined) stack.push(c.v);
    } else if (v instanceof Struct) {
      seen ??= new Set();
      if (seen.has(v)) continue;
      seen.add(v);
      for (const x of v.fields.values()) stack.push(x);
    } else if (v instanceof HostValue) {
      v.freeze();
    }
  }
}

export { big, NoneType, StarErr, Module };
