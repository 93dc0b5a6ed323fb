/** String formatting: the `%` operator and str.format. */
import { Dict, typeOf } from './hashtable.js';
import { floatToInt } from './int.js';
import { formatFloat } from './float-format.js';
import { decodeRune, repr, toStr } from './repr.js';
import type { Thread } from './thread.js';
import { Float, encodeUTF8, errorMessage, fail, isTuple, type Value } from './value.js';

function numberToInt(v: Value): number | bigint {
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  if (v instanceof Float) return floatToInt(v.v);
  return fail(`cannot convert ${typeOf(v)} to int`);
}

/** interpolate implements `format % args`. */
export function interpolate(format: string, x: Value): Value {
  let out = '';
  let index = 0;
  const nargs = isTuple(x) ? x.length : 1;
  let f = format;
  for (;;) {
    const i = f.indexOf('%');
    if (i < 0) {
      out += f;
      break;
    }
    out += f.slice(0, i);
    f = f.slice(i + 1);
    if (f[0] === '%') {
      out += '%';
      f = f.slice(1);
      continue;
    }
    let arg: Value;
    if (f[0] === '(') {
      f = f.slice(1);
      const j = f.indexOf(')');
      if (j < 0) fail('incomplete format key');
      const key = f.slice(0, j);
      if (!(x instanceof Dict)) fail('format requires a mapping');
      const v = x.ht.get(key);
      if (v === undefined) fail(`key not found: ${key}`);
      arg = v;
      f = f.slice(j + 1);
    } else {
      if (index >= nargs) fail('not enough arguments for format string');
      arg = isTuple(x) ? x[index]! : x;
    }
    if (f === '') fail('incomplete format');
    const c = f[0]!;
    switch (c) {
      case 's':
        out += toStr(arg);
        break;
      case 'r':
        out += repr(arg);
        break;
      case 'd':
      case 'i':
      case 'o':
      case 'x':
      case 'X': {
        let n: number | bigint;
        try {
          n = numberToInt(arg);
        } catch (e) {
          fail(`%${c} format requires integer: ${errorMessage(e)}`);
        }
        if (c === 'd' || c === 'i') out += String(n);
        else if (c === 'o') out += n.toString(8);
        else if (c === 'x') out += n.toString(16);
        else out += n.toString(16).toUpperCase();
        break;
      }
      case 'e':
      case 'f':
      case 'g':
      case 'E':
      case 'F':
      case 'G': {
        let fv: number;
        if (arg instanceof Float) fv = arg.v;
        else if (typeof arg === 'number') fv = arg;
        else if (typeof arg === 'bigint') fv = Number(arg);
        else fail(`%${c} format requires float, not ${typeOf(arg)}`);
        out += formatFloat(fv, c);
        break;
      }
      case 'c':
        if (typeof arg === 'number') {
          if (arg < 0 || arg > 0x10ffff) fail(`%c format requires a valid Unicode code point, got ${arg}`);
          out += encodeUTF8(arg >= 0xd800 && arg < 0xe000 ? '\ufffd' : String.fromCodePoint(arg));
        } else if (typeof arg === 'string') {
          const [, size] = decodeRune(arg, 0);
          if (arg.length === 0 || size !== arg.length) fail('%c format requires a single-character string');
          out += arg;
        } else fail(`%c format requires int or single-character string, not ${typeOf(arg)}`);
        break;
      default:
        fail(`unknown conversion %${c}`);
    }
    f = f.slice(1);
    index++;
  }
  // A mapping operand may hold keys the format does not use ("A" % {"unused": 1} is "A").
  if (index < nargs && !(x instanceof Dict)) fail('too many arguments for format string');
  return out;
}

/** formatMethod implements str.format. */
export function formatMethod(
  _th: Thread,
  format: string,
  args: Value[],
  kwargs: Array<[string, Value]>,
): Value {
  let out = '';
  let auto = false;
  let manual = false;
  let index = 0;
  let f = format;
  for (;;) {
    const i = f.indexOf('{');
    let literal = i >= 0 ? f.slice(0, i) : f;
    for (;;) {
      const j = literal.indexOf('}');
      if (j < 0) {
        out += literal;
        break;
      }
      if (literal.length === j + 1 || literal[j + 1] !== '}') fail("format: single '}' in format");
      out += literal.slice(0, j + 1);
      literal = literal.slice(j + 2);
    }
    if (i < 0) break;
    if (f[i + 1] === '{') {
      out += '{';
      f = f.slice(i + 2);
      continue;
    }
    f = f.slice(i + 1);
    const k = f.indexOf('}');
    if (k < 0) fail("format: unmatched '{' in format");
    let field = f.slice(0, k);
    f = f.slice(k + 1);
    let conv = 's';
    let spec = '';
    let name: string;
    const bang = field.indexOf('!');
    if (bang < 0) {
      const colon = field.indexOf(':');
      if (colon < 0) name = field;
      else {
        name = field.slice(0, colon);
        spec = field.slice(colon + 1);
      }
    } else {
      name = field.slice(0, bang);
      field = field.slice(bang + 1);
      const colon = field.indexOf(':');
      if (colon < 0) conv = field;
      else {
        conv = field.slice(0, colon);
        spec = field.slice(colon + 1);
      }
    }
    let arg: Value | undefined;
    if (name === '') {
      if (manual) fail('format: cannot switch from manual field specification to automatic field numbering');
      auto = true;
      if (index >= args.length) fail('format: tuple index out of range');
      arg = args[index++];
    } else if (/^[0-9]+$/.test(name)) {
      if (auto) fail('format: cannot switch from automatic field numbering to manual field specification');
      manual = true;
      const num = parseInt(name, 10);
      if (num >= args.length) fail('format: tuple index out of range');
      arg = args[num];
    } else {
      for (const [kk, v] of kwargs)
        if (kk === name) {
          arg = v;
          break;
        }
      if (arg === undefined) {
        if (name.includes('.'))
          fail(`format: attribute syntax x.y is not supported in replacement fields: ${name}`);
        if (name.includes('['))
          fail(`format: element syntax a[i] is not supported in replacement fields: ${name}`);
        if (name.includes('{')) fail('format: nested replacement fields not supported');
        fail(`format: keyword ${name} not found`);
      }
    }
    if (spec !== '') fail(`format spec features not supported in replacement fields: ${spec}`);
    if (conv === 's') out += toStr(arg!);
    else if (conv === 'r') out += repr(arg!);
    else fail(`format: unknown conversion ${JSON.stringify(conv)}`);
  }
  return out;
}
