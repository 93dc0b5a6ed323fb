/**
 * str() and repr() of values as internal byte strings, and the two UTF-8 helpers they are
 * built on: quote (a Go-style double-quoted literal) and decodeRune (one UTF-8 sequence, as
 * Go's utf8.DecodeRuneInString). Deep values are written with an explicit stack.
 */
import { Func } from './function.js';
import { Dict, SetValue, typeOf } from './hashtable.js';
import { formatFloat } from './float-format.js';
import { checkStringSize } from './limits.js';
import { rangeRepr } from './range.js';
import {
  Builtin,
  Bytes,
  Float,
  HostValue,
  List,
  Module,
  Range,
  Struct,
  encodeUTF8,
  isTuple,
  None,
  type Tuple,
  type Value,
} from './value.js';

const hexDigits = '0123456789abcdef';
const printable = /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u;

/** ESCAPES[c] is the escape sequence of an ASCII byte, or undefined when it stands for itself. */
const ESCAPES: Array<string | undefined> = [];
for (let c = 0; c < 0x80; c++) {
  const named: Record<number, string> = {
    7: '\\a',
    8: '\\b',
    12: '\\f',
    10: '\\n',
    13: '\\r',
    9: '\\t',
    11: '\\v',
    34: '\\"',
    92: '\\\\',
  };
  ESCAPES[c] =
    named[c] ?? (c < 0x20 || c === 0x7f ? '\\x' + hexDigits[c >> 4] + hexDigits[c & 15] : undefined);
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
    // Bytes show their valid UTF-8 as text too (b"世" stays b"世"), as in today's starlark-go.
    const [cp, size] = decodeRune(s, i);
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

/**
 * validUTF8 replaces each byte that starts no valid UTF-8 sequence by U+FFFD (its three
 * bytes), as Go does when it turns bytes into text: str(bytes), bytes(str), json.decode.
 */
export function validUTF8(s: string): string {
  if (!/[\x80-\xff]/.test(s)) return s;
  let out = '';
  let start = 0;
  for (let i = 0; i < s.length; ) {
    const [cp, size] = decodeRune(s, i);
    if (cp < 0) {
      out += s.slice(start, i) + '\xef\xbf\xbd';
      start = i + 1;
    }
    i += size;
  }
  return out + s.slice(start);
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
  at = 0; // a repr that failed part-way may have left text behind
  writeShallow(out, v, []);
  return out.join('');
}

/**
 * SCRATCH holds the text of a run of scalars in a list or tuple being written (`at` bytes of
 * it); it is flushed to `out` before anything else is written there, so it is never shared
 * by two values at once. 64 KiB: one part of `out` per few thousand elements.
 */
const SCRATCH = Buffer.allocUnsafe(1 << 16);
let at = 0;

/** put adds a byte string to SCRATCH, or to `out` when SCRATCH is full. */
function put(out: string[], t: string): void {
  if (at + t.length > SCRATCH.length) {
    flush(out);
    if (t.length > SCRATCH.length) {
      out.push(t);
      return;
    }
  }
  for (let k = 0; k < t.length; k++) {
    const c = t.charCodeAt(k);
    if (c > 0xff) {
      // Not a byte string (a host's text that was never encoded): kept whole, as it was.
      at -= k;
      flush(out);
      out.push(t);
      return;
    }
    SCRATCH[at++] = c;
  }
}

/** flush moves SCRATCH's text to `out`. */
function flush(out: string[]): void {
  if (at > 0) out.push(SCRATCH.toString('latin1', 0, at));
  at = 0;
}

/**
 * writeShallow appends repr(v) to out recursively (the fast way for ordinary values); below
 * a depth of 200 it hands the rest to writeValue, which needs no JS stack.
 */
function writeShallow(out: string[], v: Value, path: Container[]): void {
  if (
    typeof v !== 'object' ||
    !(v instanceof List || isTuple(v) || v instanceof Dict || v instanceof SetValue || v instanceof Struct)
  ) {
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
  if (v instanceof List || isTuple(v)) {
    const e = v instanceof List ? v.elems : v;
    // Scalars are written as bytes into a scratch buffer that becomes one part of `out` per
    // 64 KiB: a part per element would make the final join walk millions of parts
    // ([None] * 1000000 has two million), and concatenated strings are as many objects.
    put(out, v instanceof List ? '[' : '(');
    for (let i = 0; i < e.length; i++) {
      if (i > 0) put(out, ', ');
      const x = e[i]!;
      if (typeof x === 'number') put(out, String(x));
      else if (x === None) put(out, 'None');
      else if (typeof x === 'boolean') put(out, x ? 'True' : 'False');
      else if (typeof x === 'string') put(out, quote(x));
      else {
        flush(out);
        writeShallow(out, x, path);
      }
    }
    put(out, v instanceof List ? ']' : e.length === 1 ? ',)' : ')');
    flush(out);
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

/** Container is a value repr writes with its elements: a list, tuple, dict, set or struct. */
type Container = List | Tuple | Dict | SetValue | Struct;

/** Open is a container being written by writeValue: its items, the text before each, its closer. */
interface Open {
  owner: Container;
  items: readonly Value[];
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
function writeValue(out: string[], root: Value, inPath: Set<Container>): void {
  const stack: Open[] = [];
  let v: Value = root;
  for (;;) {
    // write v: a scalar now, a container by opening it
    if (typeof v !== 'object') writeScalar(out, v);
    else if (
      v instanceof List ||
      isTuple(v) ||
      v instanceof Dict ||
      v instanceof SetValue ||
      v instanceof Struct
    ) {
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
  if (isTuple(v)) {
    out.push('(');
    return { owner: v, items: v, pre: null, i: 0, close: v.length === 1 ? ',)' : ')' };
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
  out.push(`<${typeOf(v)}>`);
}
