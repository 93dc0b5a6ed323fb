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
import { fail, Float, List, None, steppedSlice, type Unmade, type Value } from '../../eval/value.js';
import { scanArray } from './scan.js';
import { badNumber, charRepr, DecodeFail, isDigit, unquoteJSON } from './text.js';

/** An array inside the value at least this many characters long is left unmade when well formed: see JsonArray. */
const UNMADE_FROM = 1024;

/**
 * decodeJSON parses JSON text (internal byte string) into Starlark values. unmadeFrom is
 * UNMADE_FROM but in tests (0: every nested array unmade; Infinity: none).
 */
export function decodeJSON(s: string, unmadeFrom = UNMADE_FROM): Value {
  const d = new Decoder(s, 0, asciiText(s), unmadeFrom);
  try {
    const v = d.parse();
    if (d.skip()) d.die(`unexpected character ${charRepr(s[d.i]!)} after value`);
    return v;
  } catch (e) {
    if (e instanceof DecodeFail) fail(`json.decode: at offset ${d.i}, ${e.msg}`);
    throw e;
  }
}

/**
 * JsonArray is the elements of an array of a JSON text not made yet: json.decode checked the
 * array (scan.ts) and counted its elements, and makes them — decoding the text from the array's
 * '[' — when the list is first read other than by its length. A batch API's response is mostly
 * such an array that an outcome function never reads (99 result objects of a 207 beside the one
 * error it reads: 200 dicts not made, two thirds of the decoding's time). It keeps the whole text
 * alive until made (as a decoded string of 13 characters or more does too: V8 slices the text).
 */
class JsonArray implements Unmade {
  readonly s: string;
  readonly start: number;
  readonly n: number;
  readonly ascii: boolean;
  readonly unmadeFrom: number;
  /** The elements once made: at and slice give these same objects, and make hands them over. */
  made: Value[] | null = null;
  constructor(s: string, start: number, n: number, ascii: boolean, unmadeFrom: number) {
    this.s = s;
    this.start = start;
    this.n = n;
    this.ascii = ascii;
    this.unmadeFrom = unmadeFrom;
  }
  at(i: number): Value {
    return this.make()[i]!;
  }
  slice(start: number, end: number, step: number): Value[] {
    const elems = this.make();
    return steppedSlice(start, end, step, (i) => elems[i]!);
  }
  make(): Value[] {
    if (this.made === null) {
      const d = new Decoder(this.s, this.start, this.ascii, this.unmadeFrom);
      try {
        this.made = (d.parse() as List).store;
      } catch (e) {
        // Not expected: scanArray accepted this array as the decoder reads it.
        if (e instanceof DecodeFail) fail(`json.decode: at offset ${d.i}, ${e.msg}`);
        throw e;
      }
    }
    return this.made;
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
  i: number;
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

  /** Nested arrays at least this long are left unmade when well formed (UNMADE_FROM). */
  readonly unmadeFrom: number;
  /** Arrays starting before this are inside one scanned already, and not scanned again. */
  scannedTo = 0;
  /** The first ']' at or after the last place it was looked for from (n: none), or -1. */
  close = -1;

  /** A decoder of the value at start in s (ascii: s has no byte over 0x7f). */
  constructor(s: string, start: number, ascii: boolean, unmadeFrom: number) {
    this.s = s;
    this.n = s.length;
    this.i = start;
    this.ascii = ascii;
    this.backslash = s.indexOf('\\', start);
    this.unmadeFrom = unmadeFrom;
  }

  /**
   * unmadeArray is the array whose '[' is at i as a list of elements not made yet (JsonArray),
   * with i after it, when it is well formed and at least unmadeFrom characters long; else
   * undefined, with i unchanged: the caller parses it. An array whose first ']' is near and has
   * no '[' before it ends there: small, it is not scanned. Nor is an array inside one scanned
   * already (found small, or the scan gave up there): each character is scanned once, however
   * deep the arrays nest.
   */
  unmadeArray(): List | undefined {
    const s = this.s;
    const i = this.i;
    if (i < this.scannedTo) return undefined;
    // The first ']' found last is still the first at or after i until i passes it (i only grows).
    if (i > this.close) {
      const close = s.indexOf(']', i);
      this.close = close === -1 ? this.n : close;
    }
    if (this.close === this.n) return undefined;
    if (this.close - i < this.unmadeFrom) {
      const inner = s.indexOf('[', i + 1);
      if (inner === -1 || inner > this.close) return undefined;
    }
    const span = scanArray(s, i, this.ascii);
    if (span.n < 0 || span.end - i < this.unmadeFrom) {
      this.scannedTo = span.end;
      return undefined;
    }
    const l = List.ofUnmade(new JsonArray(s, i, span.n, this.ascii, this.unmadeFrom));
    this.i = span.end;
    return l;
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
    return safe ? body : validUTF8(unquoteJSON(body));
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
    if (badNumber(s, i, j, float)) this.die(`invalid number: ${num}`);
    // Up to 15 characters an int is a safe integer: no BigInt needed (-0 is the int 0).
    if (!float) return num.length <= 15 ? +num || 0 : norm(BigInt(num));
    return new Float(Number(num));
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
      // A large array inside the value (not the value itself: that is read at once) is checked
      // and left unmade.
      if (v === undefined && this.depth > 0 && s.charCodeAt(this.i) === 91) v = this.unmadeArray();
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
