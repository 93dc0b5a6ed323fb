/** The json module: encode, decode, indent (starlarkjson semantics). */
import { attrNames, getAttrOrUndefined } from '../../eval/attrs.js';
import { Dict, typeOf } from '../../eval/hashtable.js';
import { norm } from '../../eval/int.js';
import { formatFloat, formatG } from '../../eval/float-format.js';
import { decodeRune, quote, validUTF8 } from '../../eval/repr.js';
import { iterableElems } from '../../eval/sequence.js';
import { unpackArgs, unpackPositional, wantString } from '../../eval/unpack.js';
import {
  Builtin,
  Float,
  HostValue,
  List,
  Module,
  None,
  SObject,
  StarErr,
  Struct,
  decodeUTF8,
  encodeUTF8,
  errorMessage,
  fail,
  type Value,
} from '../../eval/value.js';

function isPrintableASCII(s: string): boolean {
  return /^[\x20-\x7e]*$/.test(s);
}

function jsonQuote(s: string): string {
  // The common case, printable ASCII with nothing to escape, in one test.
  if (/^[\x20\x21\x23-\x5b\x5d-\x7e]*$/.test(s)) return '"' + s + '"';
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

/** Open is a JSON array or object being written: its items and, for objects, their keys. */
interface Open {
  /** the value being written, to find it again inside itself (a cycle) */
  owner: Value;
  /** for error context: 'dict', 'field' or the sequence's type */
  kind: string;
  keys: readonly string[] | null;
  items: readonly Value[];
  i: number;
}

/**
 * encodeJSON renders a value as compact JSON (an internal byte string). Containers are
 * walked with an explicit stack, so deep data needs no JS stack; an error names the path to
 * the failing value, outermost first ("at list index 0: in dict key "a": ..."). A container met
 * again inside itself (l.append(l)) fails at once with starlark-go's "cycle in JSON
 * structure", as anything else would write forever.
 */
export function encodeJSON(root: Value): string {
  const out: string[] = [];
  const stack: Open[] = [];
  try {
    let x: Value = root;
    for (;;) {
      const open = writeJSON(x, out);
      if (open !== null) {
        // The path is short in practice (rows are two or three deep): a scan beats a Set.
        for (let k = 0; k < stack.length; k++) {
          if (stack[k]!.owner === open.owner) fail('cycle in JSON structure');
        }
        out.push(open.keys !== null ? '{' : '[');
        stack.push(open);
      }
      let next: Value | undefined;
      while (stack.length > 0) {
        const top = stack[stack.length - 1]!;
        if (top.i < top.items.length) {
          const i = top.i++;
          if (i > 0) out.push(',');
          if (top.keys !== null) out.push(jsonQuote(top.keys[i]!), ':');
          next = top.items[i]!;
          break;
        }
        out.push(top.keys !== null ? '}' : ']');
        stack.pop();
      }
      if (next === undefined) return out.join('');
      x = next;
    }
  } catch (e) {
    let where = '';
    for (const f of stack) {
      const i = f.i - 1;
      if (f.kind === 'dict') where += `in dict key ${quote(f.keys![i]!)}: `;
      else if (f.kind === 'field') where += `in field .${f.keys![i]!}: `;
      else where += `at ${f.kind} index ${i}: `;
    }
    return fail(where + errorMessage(e));
  }
}

/** writeJSON writes a scalar, or returns the container to open. */
function writeJSON(x: Value, out: string[]): Open | null {
  for (;;) {
    if (x === None) return (void out.push('null'), null);
    switch (typeof x) {
      case 'boolean':
        return (void out.push(x ? 'true' : 'false'), null);
      case 'number':
      case 'bigint':
        return (void out.push(String(x)), null);
      case 'string':
        return (void out.push(jsonQuote(x)), null);
    }
    if (x instanceof Float) {
      if (!Number.isFinite(x.v)) fail(`cannot encode non-finite float ${formatFloat(x.v, 'g')}`);
      return (void out.push(formatG(x.v)), null);
    }
    if (x instanceof Dict) {
      const items = x.ht.items();
      for (const [k] of items) if (typeof k !== 'string') fail(`dict has ${typeOf(k)} key, want string`);
      items.sort((a, b) =>
        (a[0] as string) < (b[0] as string) ? -1 : (a[0] as string) > (b[0] as string) ? 1 : 0,
      );
      return {
        owner: x,
        kind: 'dict',
        keys: items.map(([k]) => k as string),
        items: items.map(([, v]) => v),
        i: 0,
      };
    }
    if (x instanceof HostValue && x.jsonText) {
      const text = x.jsonText();
      if (text !== undefined) return (void out.push(text), null);
    }
    if (x instanceof HostValue && x.jsonFields) {
      const [keys, items] = x.jsonFields();
      return { owner: x, kind: 'dict', keys, items, i: 0 };
    }
    if (x instanceof HostValue && x.toJSON) {
      const j = x.toJSON();
      // A host value may describe itself as another Starlark value (e.g. a dict of its fields).
      if (j instanceof SObject) {
        x = j;
        continue;
      }
      return (void out.push(encodeUTF8(JSON.stringify(j))), null);
    }
    if (x instanceof Struct || x instanceof Module || (x instanceof HostValue && x.attrNames && !x.iterate)) {
      const names = attrNames(x).slice().sort();
      const v = x;
      return {
        owner: v,
        kind: 'field',
        keys: names,
        items: names.map((n) => getAttrOrUndefined(v, n)!),
        i: 0,
      };
    }
    const elems = iterableElems(x);
    if (elems !== undefined) return { owner: x, kind: typeOf(x), keys: null, items: elems, i: 0 };
    return fail(`cannot encode ${typeOf(x)} as JSON`);
  }
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
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case '/':
        out += '/';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        const h = body.slice(k + 1, k + 5);
        if (!/^[0-9a-fA-F]{4}$/.test(h))
          die(`invalid character ${charRepr(body[k + 1] ?? '"')} in \\u hexadecimal character escape`);
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

const NAMED_ESCAPES: Record<string, string> = {
  '\x07': 'a',
  '\b': 'b',
  '\f': 'f',
  '\n': 'n',
  '\r': 'r',
  '\t': 't',
  '\v': 'v',
};

/** charRepr quotes a byte as Go's %q does. */
function charRepr(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '\\') return "'\\\\'";
  const code = c.charCodeAt(0);
  if (code < 0x20 || code === 0x7f) {
    const named = NAMED_ESCAPES[c];
    return named !== undefined ? `'\\${named}'` : `'\\x${code.toString(16).padStart(2, '0')}'`;
  }
  return `'${c}'`;
}

/**
 * decodeJSON parses JSON text (internal byte string) into Starlark values. It is the whole cost of
 * an outcome function reading a batch API's response (~10 KB a request), so its loops look at
 * char codes, a string without escapes or non-ASCII bytes is one indexOf and a slice, and an int
 * of up to 15 characters is read without a BigInt.
 */
export function decodeJSON(s: string): Value {
  let i = 0;
  const n = s.length;
  const die = (m: string): never => {
    throw new DecodeFail(m);
  };
  const skip = () => {
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return true;
      i++;
    }
    return false;
  };
  const isDigit = (c: number) => c >= 48 && c <= 57;
  // Without non-ASCII bytes, a string up to the next quote with no backslash before it is taken
  // as it is (the loop below would find it safe); `backslash` is the next one at or after i.
  const ascii = !/[\x80-\xff]/.test(s);
  let backslash = s.indexOf('\\');
  const str = (): string => {
    if (ascii) {
      if (backslash !== -1 && backslash < i) backslash = s.indexOf('\\', i);
      const q = s.indexOf('"', i + 1);
      if (q !== -1 && (backslash === -1 || backslash > q)) {
        const body = s.slice(i + 1, q);
        i = q + 1;
        return body;
      }
    }
    let j = i + 1;
    let closed = false;
    let safe = true;
    for (; j < n; j++) {
      const c = s.charCodeAt(j);
      if (c === 92) {
        safe = false;
        j++;
      } else if (c === 34) {
        closed = true;
        j++;
        break;
      } else if (c >= 0x80) safe = false;
    }
    if (!closed) die('unclosed string literal');
    const body = s.slice(i + 1, j - 1);
    i = j;
    // As starlark-go: a string without escapes or non-ASCII bytes is taken as it is (control
    // characters included); others are unquoted by JSON's rules.
    return safe ? body : validUTF8(unquoteJSON(body, die));
  };
  const number = (): Value => {
    let j = i + 1;
    let float = false;
    for (; j < n; j++) {
      const c = s.charCodeAt(j);
      if (isDigit(c)) continue;
      if (c === 46 || c === 101 || c === 69 || c === 43 || c === 45) float = true;
      else break;
    }
    const num = s.slice(i, j);
    i = j;
    const digits = num[0] === '-' ? num.slice(1) : num;
    if (digits === '' || (digits[0] === '0' && digits.length > 1 && isDigit(digits.charCodeAt(1))))
      die(`invalid number: ${num}`);
    // Up to 15 characters an int is a safe integer: no BigInt needed (-0 is the int 0).
    if (!float) return num.length <= 15 ? +num || 0 : norm(BigInt(num));
    // strconv.ParseFloat's syntax over these characters; out of range is invalid too
    if (!/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(num)) die(`invalid number: ${num}`);
    const f = Number(num);
    if (!Number.isFinite(f)) die(`invalid number: ${num}`);
    return new Float(f);
  };
  /**
   * scalar parses a value that is not a container, or returns undefined at '[' or '{'. The
   * containers are parsed by the loop below with an explicit stack, so nesting depth is
   * bounded by memory, not by the JS stack (starlark-go decodes 8,000 nested arrays).
   */
  const scalar = (): Value | undefined => {
    if (!skip()) die('unexpected end of file');
    switch (s.charCodeAt(i)) {
      case 34: // "
        return str();
      case 110: // n
        if (s.startsWith('null', i)) {
          i += 4;
          return None;
        }
        break;
      case 116: // t
        if (s.startsWith('true', i)) {
          i += 4;
          return true;
        }
        break;
      case 102: // f
        if (s.startsWith('false', i)) {
          i += 5;
          return false;
        }
        break;
      case 91: // [
      case 123: // {
        return undefined;
      default: {
        const c = s.charCodeAt(i);
        if (c === 45 || isDigit(c)) return number();
      }
    }
    return die(`unexpected character ${charRepr(s[i]!)}`);
  };
  interface Open {
    list: Value[] | null;
    dict: Dict | null;
    key: string;
  }
  const stack: Open[] = [];
  // key reads an object key and its colon, leaving i at the value.
  const key = (top: Open): void => {
    const k = skip() && s.charCodeAt(i) === 34 ? str() : scalar();
    if (typeof k !== 'string') {
      die(
        `got ${k === undefined ? (s[i] === '[' ? 'list' : 'dict') : typeOf(k)} for object key, want string`,
      );
      return;
    }
    if (!skip()) die('unexpected end of file');
    if (s.charCodeAt(i) !== 58) die(`after object key, got ${charRepr(s[i]!)}, want ':' `);
    i++;
    top.key = k;
  };
  const parse = (): Value => {
    for (;;) {
      let v = scalar();
      if (v === undefined) {
        const isList = s.charCodeAt(i) === 91;
        i++;
        if (!skip()) die('unexpected end of file');
        if (s.charCodeAt(i) === (isList ? 93 : 125)) {
          i++;
          v = isList ? new List([]) : new Dict();
        } else {
          const top: Open = { list: isList ? [] : null, dict: isList ? null : new Dict(), key: '' };
          stack.push(top);
          if (!isList) key(top);
          continue;
        }
      }
      // v is complete: add it to the enclosing containers, closing those that end here.
      for (;;) {
        const top = stack[stack.length - 1];
        if (top === undefined) return v;
        if (top.list !== null) top.list.push(v);
        else top.dict!.ht.set(top.key, v);
        if (!skip()) die('unexpected end of file');
        const c = s.charCodeAt(i);
        if (c === 44) {
          i++;
          if (top.dict !== null) key(top);
          break;
        }
        if (c === (top.list !== null ? 93 : 125)) {
          i++;
          stack.pop();
          v = top.list !== null ? new List(top.list) : top.dict!;
          continue;
        }
        die(
          top.list !== null
            ? `got ${charRepr(s[i]!)}, want ',' or ']'`
            : `in object, got ${charRepr(s[i]!)}, want ',' or '}'`,
        );
      }
    }
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
  // As Go's json.Indent: leading whitespace is dropped, trailing whitespace kept.
  const trailing = /[ \t\r\n]*$/.exec(u)![0];
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
      case ' ':
      case '\t':
      case '\n':
      case '\r':
        break;
      default:
        out += c;
    }
  }
  return encodeUTF8(out + trailing);
}

export const json = new Module(
  'json',
  new Map<string, Value>([
    [
      'encode',
      new Builtin('json.encode', (_th, fn, args, kw) => {
        unpackPositional(fn.name, args, kw, 1, 1);
        try {
          return encodeJSON(args[0]!);
        } catch (e) {
          return fail(`json.encode: ${errorMessage(e)}`);
        }
      }),
    ],
    [
      'encode_indent',
      new Builtin('json.encode_indent', (_th, fn, args, kw) => {
        const [prefix, indent] = unpackArgs(fn.name, [], kw, 'prefix?', 'indent?');
        unpackPositional(fn.name, args, [], 1, 1);
        let text: string;
        try {
          text = encodeJSON(args[0]!);
        } catch (e) {
          return fail(`json.encode_indent: ${errorMessage(e)}`);
        }
        return indentJSON(
          text,
          decodeUTF8(prefix === undefined ? '' : wantString(fn.name, 'prefix', prefix)),
          decodeUTF8(indent === undefined ? '\t' : wantString(fn.name, 'indent', indent)),
        );
      }),
    ],
    [
      'decode',
      new Builtin('json.decode', (_th, fn, args, kw) => {
        // default (positional or keyword) is returned instead of failing on invalid text.
        const [x, dflt] = unpackArgs(fn.name, args, kw, 'x', 'default?');
        if (args.length < 1) fail(`${fn.name}: unexpected keyword argument x`); // x is positional only
        const text = wantString(fn.name, 'x', x!);
        if (dflt === undefined) return decodeJSON(text);
        try {
          return decodeJSON(text);
        } catch (e) {
          if (e instanceof StarErr) return dflt;
          throw e;
        }
      }),
    ],
    [
      'indent',
      new Builtin('json.indent', (_th, fn, args, kw) => {
        const [prefix, indent] = unpackArgs(fn.name, [], kw, 'prefix?', 'indent?');
        unpackPositional(fn.name, args, [], 1, 1);
        const s = wantString(fn.name, 1, args[0]!);
        return indentJSON(
          s,
          decodeUTF8(prefix === undefined ? '' : wantString(fn.name, 'prefix', prefix)),
          decodeUTF8(indent === undefined ? '\t' : wantString(fn.name, 'indent', indent)),
        );
      }),
    ],
  ]),
);
