/**
 * json.decode's parser: JSON text (an internal byte string) into Starlark values, with
 * starlark-go's results and messages. It is the whole cost of an outcome function reading a
 * batch API's response (~8 KB a request, 2,000 of them in the outcomes bench), so its loops look
 * at char codes, a string without escapes or non-ASCII bytes is one indexOf and a slice, and an
 * int of up to 15 characters is read without a BigInt.
 *
 * The parser is a class, one instance per text, rather than closures made by each call: V8 keeps
 * optimized code per function, and closures made anew by every call were compiled again and
 * again (the parse loop four times, 20–40 ms of TurboFan each, in one run of the bench).
 */
import { isAscii } from 'node:buffer';
import { Dict, typeOf } from '../../eval/hashtable.js';
import { norm } from '../../eval/int.js';
import { validUTF8 } from '../../eval/repr.js';
import { encodeUTF8, fail, Float, List, None, type Value } from '../../eval/value.js';

/** decodeJSON parses JSON text (internal byte string) into Starlark values. */
export function decodeJSON(s: string): Value {
  const d = new Decoder(s);
  try {
    const v = d.parse();
    if (d.skip()) d.die(`unexpected character ${charRepr(s[d.i]!)} after value`);
    return v;
  } catch (e) {
    if (e instanceof DecodeFail) fail(`json.decode: at offset ${d.i}, ${e.msg}`);
    throw e;
  }
}

class DecodeFail {
  readonly msg: string;
  constructor(msg: string) {
    this.msg = msg;
  }
}

/** Open is an array or object being parsed: its items so far, or its dict and the key read last. */
interface Open {
  list: Value[] | null;
  dict: Dict | null;
  key: string;
  /** Keys read so far (an object's). */
  keys: number;
}

/**
 * The keys read last at each place (depth × position in the object), for all texts: JSON of an
 * API repeats its keys, object after object. Keys up to MAX_KEPT_KEY characters, the first
 * KEYS_PER_DEPTH of an object, down to KEY_SLOTS / KEYS_PER_DEPTH levels.
 */
const KEYS_PER_DEPTH = 16;
const KEY_SLOTS = 16 * KEYS_PER_DEPTH;
const MAX_KEPT_KEY = 64;
const recentKeys: Array<string | undefined> = new Array<string | undefined>(KEY_SLOTS).fill(undefined);

class Decoder {
  readonly s: string;
  readonly n: number;
  /** Where the parser is; an error's offset. */
  i = 0;
  /**
   * Without non-ASCII bytes, a string up to the next quote with no backslash before it is taken
   * as it is (the loop in str would find it safe); `backslash` is the next one at or after i.
   */
  readonly ascii: boolean;
  backslash: number;
  /**
   * The containers open around i, the first `depth` of these: parsed with this explicit stack,
   * so nesting depth is bounded by memory, not by the JS stack (starlark-go decodes 8,000
   * nested arrays). A record is used again by the next container at its depth.
   */
  readonly opens: Open[] = [];
  depth = 0;

  constructor(s: string) {
    this.s = s;
    this.n = s.length;
    this.ascii = asciiText(s);
    this.backslash = s.indexOf('\\');
  }

  die(m: string): never {
    throw new DecodeFail(m);
  }

  /** skip moves i past whitespace; false at the end of the text. */
  skip(): boolean {
    const s = this.s;
    const n = this.n;
    let i = this.i;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) {
        this.i = i;
        return true;
      }
      i++;
    }
    this.i = i;
    return false;
  }

  /** str reads the string literal whose quote is at i. */
  str(): string {
    const s = this.s;
    const i = this.i;
    if (this.ascii) {
      if (this.backslash !== -1 && this.backslash < i) this.backslash = s.indexOf('\\', i);
      const q = s.indexOf('"', i + 1);
      if (q !== -1 && (this.backslash === -1 || this.backslash > q)) {
        this.i = q + 1;
        return s.slice(i + 1, q);
      }
    }
    const n = this.n;
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
    if (!closed) this.die('unclosed string literal');
    const body = s.slice(i + 1, j - 1);
    this.i = j;
    // As starlark-go: a string without escapes or non-ASCII bytes is taken as it is (control
    // characters included); others are unquoted by JSON's rules.
    return safe ? body : validUTF8(unquoteJSON(body, this));
  }

  /** number reads the number starting at i (a '-' or a digit). */
  number(): Value {
    const s = this.s;
    const n = this.n;
    const i = this.i;
    let j = i + 1;
    let float = false;
    for (; j < n; j++) {
      const c = s.charCodeAt(j);
      if (c >= 48 && c <= 57) continue;
      if (c === 46 || c === 101 || c === 69 || c === 43 || c === 45) float = true;
      else break;
    }
    const num = s.slice(i, j);
    this.i = j;
    const digits = num[0] === '-' ? num.slice(1) : num;
    if (digits === '' || (digits[0] === '0' && digits.length > 1 && isDigit(digits.charCodeAt(1))))
      this.die(`invalid number: ${num}`);
    // Up to 15 characters an int is a safe integer: no BigInt needed (-0 is the int 0).
    if (!float) return num.length <= 15 ? +num || 0 : norm(BigInt(num));
    // strconv.ParseFloat's syntax over these characters; out of range is invalid too
    if (!/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(num)) this.die(`invalid number: ${num}`);
    const f = Number(num);
    if (!Number.isFinite(f)) this.die(`invalid number: ${num}`);
    return new Float(f);
  }

  /** scalar parses a value that is not a container, or returns undefined at '[' or '{'. */
  scalar(): Value | undefined {
    if (!this.skip()) this.die('unexpected end of file');
    const s = this.s;
    const i = this.i;
    const c = s.charCodeAt(i);
    switch (c) {
      case 34: // "
        return this.str();
      case 110: // n
        if (s.startsWith('null', i)) {
          this.i = i + 4;
          return None;
        }
        break;
      case 116: // t
        if (s.startsWith('true', i)) {
          this.i = i + 4;
          return true;
        }
        break;
      case 102: // f
        if (s.startsWith('false', i)) {
          this.i = i + 5;
          return false;
        }
        break;
      case 91: // [
      case 123: // {
        return undefined;
      default:
        if (c === 45 || isDigit(c)) return this.number();
    }
    return this.die(`unexpected character ${charRepr(s[i]!)}`);
  }

  /** key reads an object key and its colon into top, leaving i at the value. */
  key(top: Open): void {
    const s = this.s;
    let k: Value | undefined;
    if (this.skip() && s.charCodeAt(this.i) === 34) {
      // The key of the same place in the previous object (results[0].id, results[1].id, …):
      // the same text followed by its closing quote is the same string, taken without a copy
      // and with its hash already computed for the dict. Only in ASCII texts, and only keys the
      // fast path of str took (no backslash, no quote).
      const slot = this.depth * KEYS_PER_DEPTH + top.keys;
      const known = this.ascii && slot < KEY_SLOTS ? recentKeys[slot] : undefined;
      const i = this.i + 1;
      if (known !== undefined && s.startsWith(known, i) && s.charCodeAt(i + known.length) === 34) {
        this.i = i + known.length + 1;
        k = known;
      } else {
        k = this.str();
        if (this.ascii && slot < KEY_SLOTS && k.length <= MAX_KEPT_KEY && this.i === i + k.length + 1)
          recentKeys[slot] = k;
      }
      top.keys++;
    } else k = this.scalar();
    if (typeof k !== 'string') {
      this.die(
        `got ${k === undefined ? (s[this.i] === '[' ? 'list' : 'dict') : typeOf(k)} for object key, want string`,
      );
    }
    if (!this.skip()) this.die('unexpected end of file');
    if (s.charCodeAt(this.i) !== 58) this.die(`after object key, got ${charRepr(s[this.i]!)}, want ':' `);
    this.i++;
    top.key = k;
  }

  /** parse reads one value, containers included. */
  parse(): Value {
    const s = this.s;
    const opens = this.opens;
    for (;;) {
      let v = this.scalar();
      if (v === undefined) {
        const isList = s.charCodeAt(this.i) === 91;
        this.i++;
        if (!this.skip()) this.die('unexpected end of file');
        if (s.charCodeAt(this.i) === (isList ? 93 : 125)) {
          this.i++;
          v = isList ? new List([]) : new Dict();
        } else {
          let top = opens[this.depth];
          if (top === undefined) {
            top = { list: null, dict: null, key: '', keys: 0 };
            opens.push(top);
          }
          this.depth++;
          if (isList) {
            top.list = [];
            top.dict = null;
          } else {
            top.list = null;
            top.dict = new Dict();
            top.keys = 0;
            this.key(top);
          }
          continue;
        }
      }
      // v is complete: add it to the enclosing containers, closing those that end here.
      for (;;) {
        if (this.depth === 0) return v;
        const top = opens[this.depth - 1]!;
        if (top.list !== null) top.list.push(v);
        else top.dict!.ht.set(top.key, v);
        if (!this.skip()) this.die('unexpected end of file');
        const c = s.charCodeAt(this.i);
        if (c === 44) {
          this.i++;
          if (top.dict !== null) this.key(top);
          break;
        }
        if (c === (top.list !== null ? 93 : 125)) {
          this.i++;
          this.depth--;
          v = top.list !== null ? new List(top.list) : top.dict!;
          continue;
        }
        this.die(
          top.list !== null
            ? `got ${charRepr(s[this.i]!)}, want ',' or ']'`
            : `in object, got ${charRepr(s[this.i]!)}, want ',' or '}'`,
        );
      }
    }
  }
}

/** Texts up to this many characters are tested for non-ASCII bytes through the scratch buffer. */
const SCRATCH_MAX = 1 << 20;
let scratch = Buffer.allocUnsafeSlow(1 << 14);

/**
 * asciiText tells a text without bytes over 0x7f: copied into a scratch buffer and tested by
 * Node's isAscii (SIMD), ~0.5 µs for an 8 KB response against ~6 µs for a regexp test (12 % of
 * its decoding). A larger text is tested by the regexp: no megabytes kept for the next call.
 */
function asciiText(s: string): boolean {
  if (s.length > SCRATCH_MAX) return !/[\x80-\xff]/.test(s);
  if (scratch.length < s.length) scratch = Buffer.allocUnsafeSlow(Math.max(s.length, scratch.length * 2));
  return isAscii(scratch.subarray(0, scratch.write(s, 0, 'latin1')));
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** unquoteJSON decodes the escapes of a string literal's body; errors go through `d` (its offset). */
function unquoteJSON(body: string, d: Decoder): string {
  if (!/[\\\x00-\x1f]/.test(body)) return body;
  let out = '';
  for (let k = 0; k < body.length; k++) {
    const c = body[k]!;
    if (c < ' ') d.die(`invalid character ${charRepr(c)} in string literal`);
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
          d.die(`invalid character ${charRepr(body[k + 1] ?? '"')} in \\u hexadecimal character escape`);
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
        d.die(`invalid character ${charRepr(e)} in string escape code`);
    }
  }
  return out;
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
