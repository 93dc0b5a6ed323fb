/** The json module: encode, decode, indent (starlarkjson semantics). */
import { attrNames, getAttrOrUndefined } from '../../eval/attrs.js';
import { Dict, typeOf } from '../../eval/hashtable.js';
import { norm } from '../../eval/int.js';
import { formatFloat, formatG } from '../../eval/float-format.js';
import { decodeRune, iterableElems, quote } from '../../eval/ops.js';
import { unpackArgs, unpackPositional, wantString } from '../../eval/unpack.js';
import {
  Builtin, Float, HostValue, List, Module, None, SObject, Struct, decodeUTF8, encodeUTF8, errorMessage, fail, type Value,
} from '../../eval/value.js';

function isPrintableASCII(s: string): boolean {
  return /^[\x20-\x7e]*$/.test(s);
}

function jsonQuote(s: string): string {
  if (isPrintableASCII(s)) return quote(s);
  let out = '"';
  for (let i = 0; i < s.length; ) {
    const [cp, size] = decodeRune(s, i);
    i += size;
    if (cp < 0) {
      out += '\\ufffd';
      continue;
    }
    const c = cp;
    const ch = String.fromCodePoint(cp);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || ch === '<' || ch === '>' || ch === '&' || c === 0x2028 || c === 0x2029) {
      out += '\\u' + c.toString(16).padStart(4, '0');
    } else out += ch;
  }
  return encodeUTF8(out + '"');
}

function encodeValue(x: Value, out: string[]): void {
  if (x === None) return void out.push('null');
  switch (typeof x) {
    case 'boolean':
      return void out.push(x ? 'true' : 'false');
    case 'number':
    case 'bigint':
      return void out.push(String(x));
    case 'string':
      return void out.push(jsonQuote(x));
  }
  if (x instanceof Float) {
    if (!Number.isFinite(x.v)) fail(`cannot encode non-finite float ${formatFloat(x.v, 'g')}`);
    return void out.push(formatG(x.v));
  }
  if (x instanceof Dict) {
    const items = x.ht.items();
    for (const [k] of items) if (typeof k !== 'string') fail(`dict has ${typeOf(k)} key, want string`);
    items.sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : (a[0] as string) > (b[0] as string) ? 1 : 0));
    out.push('{');
    items.forEach(([k, v], i) => {
      if (i > 0) out.push(',');
      out.push(jsonQuote(k as string), ':');
      try {
        encodeValue(v, out);
      } catch (e) {
        fail(`in dict key ${quote(k as string)}: ${errorMessage(e)}`);
      }
    });
    return void out.push('}');
  }
  if (x instanceof HostValue && x.toJSON) {
    const j = x.toJSON();
    // A host value may describe itself as another Starlark value (e.g. a dict of its fields).
    if (j instanceof SObject) return encodeValue(j, out);
    return void out.push(encodeUTF8(JSON.stringify(j)));
  }
  if (x instanceof Struct || x instanceof Module || (x instanceof HostValue && x.attrNames && !x.iterate)) {
    const names = attrNames(x).slice().sort();
    out.push('{');
    names.forEach((n, i) => {
      if (i > 0) out.push(',');
      out.push(jsonQuote(n), ':');
      try {
        encodeValue(getAttrOrUndefined(x, n)!, out);
      } catch (e) {
        fail(`in field .${n}: ${errorMessage(e)}`);
      }
    });
    return void out.push('}');
  }
  const elems = iterableElems(x);
  if (elems !== undefined) {
    out.push('[');
    elems.forEach((e, i) => {
      if (i > 0) out.push(',');
      try {
        encodeValue(e, out);
      } catch (err) {
        fail(`at ${typeOf(x)} index ${i}: ${errorMessage(err)}`);
      }
    });
    return void out.push(']');
  }
  fail(`cannot encode ${typeOf(x)} as JSON`);
}

/** encodeJSON renders a value as compact JSON (an internal byte string). */
export function encodeJSON(x: Value): string {
  const out: string[] = [];
  encodeValue(x, out);
  return out.join('');
}

function unquoteJSON(body: string, die: (m: string) => never): string {
  if (!/[\\\x00-\x1f]/.test(body)) return body;
  let out = '';
  for (let k = 0; k < body.length; k++) {
    const c = body[k]!;
    if (c < ' ') die(`invalid character ${charRepr(c)} in string literal`);
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++k]!;
    switch (e) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        const h = body.slice(k + 1, k + 5);
        if (!/^[0-9a-fA-F]{4}$/.test(h)) die(`invalid character ${charRepr(body[k + 1] ?? '"')} in \\u hexadecimal character escape`);
        let cp = parseInt(h, 16);
        k += 4;
        if (cp >= 0xd800 && cp < 0xdc00 && body[k + 1] === '\\' && body[k + 2] === 'u') {
          const h2 = body.slice(k + 3, k + 7);
          const lo = /^[0-9a-fA-F]{4}$/.test(h2) ? parseInt(h2, 16) : -1;
          if (lo >= 0xdc00 && lo < 0xe000) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            k += 6;
          }
        }
        if (cp >= 0xd800 && cp < 0xe000) cp = 0xfffd;
        out += encodeUTF8(String.fromCodePoint(cp));
        break;
      }
      default:
        die(`invalid character ${charRepr(e)} in string escape code`);
    }
  }
  return out;
}

class DecodeFail {
  constructor(readonly msg: string) {}
}

function charRepr(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '\\') return "'\\\\'";
  return `'${c}'`;
}

/** decodeJSON parses JSON text (internal byte string) into Starlark values. */
export function decodeJSON(s: string): Value {
  let i = 0;
  const n = s.length;
  const die = (m: string): never => {
    throw new DecodeFail(m);
  };
  const skip = () => {
    while (i < n) {
      const c = s[i];
      if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') return true;
      i++;
    }
    return false;
  };
  const parse = (): Value => {
    if (!skip()) die('unexpected end of file');
    const c = s[i]!;
    switch (c) {
      case '"': {
        let j = i + 1;
        let closed = false;
        for (; j < n; j++) {
          if (s[j] === '\\') j++;
          else if (s[j] === '"') {
            closed = true;
            j++;
            break;
          }
        }
        if (!closed) die('unclosed string literal');
        const body = s.slice(i + 1, j - 1);
        i = j;
        return unquoteJSON(body, die);
      }
      case 'n':
        if (s.startsWith('null', i)) {
          i += 4;
          return None;
        }
        break;
      case 't':
        if (s.startsWith('true', i)) {
          i += 4;
          return true;
        }
        break;
      case 'f':
        if (s.startsWith('false', i)) {
          i += 5;
          return false;
        }
        break;
      case '[': {
        i++;
        const elems: Value[] = [];
        if (!skip()) die('unexpected end of file');
        if (s[i] === ']') {
          i++;
          return new List(elems);
        }
        for (;;) {
          elems.push(parse());
          if (!skip()) die('unexpected end of file');
          if (s[i] === ',') {
            i++;
            continue;
          }
          if (s[i] === ']') {
            i++;
            return new List(elems);
          }
          die(`got ${charRepr(s[i]!)}, want ',' or ']'`);
        }
      }
      case '{': {
        i++;
        const d = new Dict();
        if (!skip()) die('unexpected end of file');
        if (s[i] === '}') {
          i++;
          return d;
        }
        for (;;) {
          const k = parse();
          if (typeof k !== 'string') die(`got ${typeOf(k)} for object key, want string`);
          if (!skip()) die('unexpected end of file');
          if (s[i] !== ':') die(`after object key, got ${charRepr(s[i]!)}, want ':' `);
          i++;
          const v = parse();
          d.ht.set(k, v);
          if (!skip()) die('unexpected end of file');
          if (s[i] === ',') {
            i++;
            continue;
          }
          if (s[i] === '}') {
            i++;
            return d;
          }
          die(`in object, got ${charRepr(s[i]!)}, want ',' or '}'`);
        }
      }
      default:
        if (c === '-' || (c >= '0' && c <= '9')) {
          const m = /^[-+0-9.eE]+/.exec(s.slice(i))!;
          const num = m[0];
          i += num.length;
          if (!/^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$/.test(num)) die(`invalid number: ${num}`);
          if (/[.eE]/.test(num)) return new Float(Number(num));
          return norm(BigInt(num));
        }
    }
    return die(`unexpected character ${charRepr(c)}`);
  };
  try {
    const v = parse();
    if (skip()) die(`unexpected character ${charRepr(s[i]!)} after value`);
    return v;
  } catch (e) {
    if (e instanceof DecodeFail) fail(`json.decode: at offset ${i}, ${e.msg}`);
    throw e;
  }
}

function indentJSON(str: string, prefix: string, indent: string): string {
  const u = decodeUTF8(str);
  try {
    JSON.parse(u);
  } catch (e) {
    fail(`json.indent: invalid character in JSON: ${errorMessage(e)}`);
  }
  let out = '';
  let depth = 0;
  let inStr = false;
  const nl = () => '\n' + prefix + indent.repeat(depth);
  for (let i = 0; i < u.length; i++) {
    const c = u[i]!;
    if (inStr) {
      out += c;
      if (c === '\\') out += u[++i];
      else if (c === '"') inStr = false;
      continue;
    }
    switch (c) {
      case '"':
        inStr = true;
        out += c;
        break;
      case '{':
      case '[': {
        let j = i + 1;
        while (j < u.length && /\s/.test(u[j]!)) j++;
        if (u[j] === '}' || u[j] === ']') {
          out += c + u[j];
          i = j;
          break;
        }
        depth++;
        out += c + nl();
        break;
      }
      case '}':
      case ']':
        depth--;
        out += nl() + c;
        break;
      case ',':
        out += ',' + nl();
        break;
      case ':':
        out += ': ';
        break;
      case ' ': case '\t': case '\n': case '\r':
        break;
      default:
        out += c;
    }
  }
  return encodeUTF8(out);
}

export const json = new Module('json', new Map<string, Value>([
  ['encode', new Builtin('json.encode', (_th, fn, args, kw) => {
    unpackPositional(fn.name, args, kw, 1, 1);
    try {
      return encodeJSON(args[0]!);
    } catch (e) {
      return fail(`json.encode: ${errorMessage(e)}`);
    }
  })],
  ['decode', new Builtin('json.decode', (_th, fn, args, kw) => {
    unpackPositional(fn.name, args, kw, 1, 1);
    return decodeJSON(wantString(fn.name, 1, args[0]!));
  })],
  ['indent', new Builtin('json.indent', (_th, fn, args, kw) => {
    const [prefix, indent] = unpackArgs(fn.name, [], kw, 'prefix?', 'indent?');
    unpackPositional(fn.name, args, [], 1, 1);
    const s = wantString(fn.name, 1, args[0]!);
    return indentJSON(s, decodeUTF8(prefix === undefined ? '' : wantString(fn.name, 'prefix', prefix)), decodeUTF8(indent === undefined ? '\t' : wantString(fn.name, 'indent', indent)));
  })],
]));
