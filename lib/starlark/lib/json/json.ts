/** The json module: encode, decode, indent (starlarkjson semantics); the parser is decode.ts. */
import { attrNames, getAttrOrUndefined } from '../../eval/attrs.js';
import { Dict, typeOf } from '../../eval/hashtable.js';
import { formatFloat, formatG } from '../../eval/float-format.js';
import { decodeRune, quote } from '../../eval/repr.js';
import { iterableElems } from '../../eval/sequence.js';
import { unpackArgs, unpackPositional, wantString } from '../../eval/unpack.js';
import { decodeJSON } from './decode.js';
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
      // A scalar or a row's own JSON text: one piece, no join (a seed loop encodes a row a request).
      if (open === null && stack.length === 0) return out.length === 1 ? out[0]! : out.join('');
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
