/**
 * The check json.decode makes of a large array it leaves unmade (JsonArray in decode.ts): where
 * the array ends, how many elements it has, and that the decoder would read it without an error,
 * all without making its values. A batch API's response is mostly such an array the outcome
 * function never reads (the `results` of a 207, ~99 objects, beside the `errors` it reads).
 *
 * It accepts exactly the texts the decoder accepts: an array it refuses, the decoder then parses
 * itself, failing with its own message at its own offset; an array it accepts is sure to decode
 * when its elements are first read. So it follows the decoder's rules (shared in text.ts), and
 * gives up — the decoder parses — on what it need not handle: nesting deeper than MAX_DEPTH.
 */
import { badNumber, DecodeFail, isDigit, unquoteJSON } from './text.js';

/**
 * An array's end (the index after its ']') and its number of elements; or, n -1, where the scan
 * gave up (the decoder then parses the array, and the arrays inside it before that point).
 */
export interface ArraySpan {
  end: number;
  n: number;
}

/** The deepest nesting scanned (the decoder has no limit: deeper arrays are parsed). */
const MAX_DEPTH = 64;
/** The containers open at each depth while scanning: ARRAY or OBJECT. */
const opens = new Uint8Array(MAX_DEPTH);
const ARRAY = 1;
const OBJECT = 2;

// What the scan expects next.
const VALUE = 0;
const KEY = 1;
const AFTER = 2;

/**
 * scanArray checks the array whose '[' is at start in the JSON text s (ascii: s has no byte over
 * 0x7f), as the decoder would read it: its span, or where it gave up — the decoder would fail
 * there, or the nesting is too deep.
 */
export function scanArray(s: string, start: number, ascii: boolean): ArraySpan {
  const len = s.length;
  let i = space(s, start + 1, len);
  if (i >= len) return gaveUp(i);
  if (s.charCodeAt(i) === 93) return { end: i + 1, n: 0 };
  opens[0] = ARRAY;
  let depth = 1;
  let n = 0;
  let expect = VALUE;
  // The next backslash at or after i, in an ASCII text (-1: none): a string without one before
  // its closing quote is well formed whatever it holds, as the decoder's str takes it.
  let backslash = ascii ? s.indexOf('\\', i) : -1;
  for (;;) {
    // At the end of the text c is NaN, which every case below refuses.
    let c = s.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      // (Tested here, not by calling space for every token: a third of the scan's time.)
      i = space(s, i, len);
      c = s.charCodeAt(i);
    }
    if (expect === AFTER) {
      const inArray = opens[depth - 1] === ARRAY;
      if (c === 44) {
        i++;
        expect = inArray ? VALUE : KEY;
      } else if (c === (inArray ? 93 : 125)) {
        i++;
        if (--depth === 0) return { end: i, n };
      } else return gaveUp(i);
      continue;
    }
    const at = i;
    if (c === 34) {
      // A string: a value, or a key and its colon.
      if (ascii) {
        const q = s.indexOf('"', i + 1);
        if (q === -1) return gaveUp(at);
        if (backslash !== -1 && backslash < i) backslash = s.indexOf('\\', i);
        i = backslash === -1 || backslash > q ? q + 1 : stringEnd(s, i, len);
      } else i = stringEnd(s, i, len);
      if (i === -1) return gaveUp(at);
      if (expect === KEY) {
        if (s.charCodeAt(i) !== 58) {
          i = space(s, i, len);
          if (s.charCodeAt(i) !== 58) return gaveUp(i);
        }
        i++;
        expect = VALUE;
        continue;
      }
    } else if (expect === KEY) return gaveUp(at);
    else if (c === 91 || c === 123) {
      if (depth === 1) n++;
      if (depth === MAX_DEPTH) return gaveUp(at);
      const close = c === 91 ? 93 : 125;
      i++;
      if (s.charCodeAt(i) !== close) i = space(s, i, len);
      if (s.charCodeAt(i) === close) {
        i++;
        expect = AFTER;
        continue;
      }
      opens[depth++] = c === 91 ? ARRAY : OBJECT;
      expect = c === 91 ? VALUE : KEY;
      continue;
    } else if (c === 45 || isDigit(c)) {
      i = numberEnd(s, i, len);
      if (i === -1) return gaveUp(at);
    } else if (c === 110 && s.startsWith('null', i)) i += 4;
    else if (c === 116 && s.startsWith('true', i)) i += 4;
    else if (c === 102 && s.startsWith('false', i)) i += 5;
    else return gaveUp(at);
    // A scalar value (a string, a number, a literal) ends here.
    if (depth === 1) n++;
    expect = AFTER;
  }
}

function gaveUp(at: number): ArraySpan {
  return { end: at, n: -1 };
}

/** space is the index of the first character at or after i that is not JSON whitespace. */
function space(s: string, i: number, len: number): number {
  for (; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return i;
  }
  return i;
}

/**
 * stringEnd is the index after the string literal whose quote is at i, read as the decoder's str
 * reads one that may have escapes or non-ASCII bytes, or -1 when it would fail: unclosed, or with
 * either of those and a control character or an escape unquoteJSON refuses.
 */
function stringEnd(s: string, i: number, len: number): number {
  let j = i + 1;
  let safe = true;
  for (; j < len; j++) {
    const c = s.charCodeAt(j);
    if (c === 92) {
      safe = false;
      j++;
    } else if (c === 34) break;
    else if (c >= 0x80) safe = false;
  }
  if (j >= len) return -1;
  return safe || escapesValid(s.slice(i + 1, j)) ? j + 1 : -1;
}

/** escapesValid tells whether unquoteJSON takes a string literal's body. */
function escapesValid(body: string): boolean {
  try {
    unquoteJSON(body);
    return true;
  } catch (e) {
    if (e instanceof DecodeFail) return false;
    throw e;
  }
}

/** numberEnd is the index after the number at i (as the decoder's number reads it), or -1 if invalid. */
function numberEnd(s: string, i: number, len: number): number {
  let j = i + 1;
  let float = false;
  for (; j < len; j++) {
    const c = s.charCodeAt(j);
    if (c >= 48 && c <= 57) continue;
    if (c === 46 || c === 101 || c === 69 || c === 43 || c === 45) float = true;
    else break;
  }
  return badNumber(s, i, j, float) ? -1 : j;
}
