/**
 * Per-rune Unicode rules of Go, on byte strings. Strings are bytes (see README.md), so
 * methods work rune by rune over UTF-8 as starlark-go does, never through a JS (UTF-16)
 * string, where invalid bytes would become U+FFFD and lengths would change:
 * - case mapping is Go's unicode.ToUpper/ToLower/ToTitle, the *simple* per-rune mapping
 *   ("ß".upper() is "ß", "İ".lower() is "i"), not JS's full mapping ("SS", "i̇");
 * - strings.ToUpper/ToLower (upper, lower) and the rune loops of capitalize and title write
 *   an invalid byte as U+FFFD, as Go's strings.Map and `for range` do;
 * - whitespace is unicode.IsSpace (U+0085 and U+00A0 included, U+FEFF not), and trimming
 *   or splitting on it leaves invalid bytes untouched.
 */
import { decodeRune } from './repr.js';
import { encodeUTF8 } from './value.js';

const REPLACEMENT = '\xef\xbf\xbd';
const isAscii = (s: string) => !/[^\x00-\x7f]/.test(s);

function single(u: string): number | undefined {
  const cp = u.codePointAt(0)!;
  return u.length === (cp > 0xffff ? 2 : 1) ? cp : undefined;
}

/** simpleUpper is Go's unicode.ToUpper: JS's mapping when it is one rune, else UnicodeData's simple one. */
export function simpleUpper(cp: number): number {
  if (cp < 0x80) return cp >= 97 && cp <= 122 ? cp - 32 : cp;
  const u = single(String.fromCodePoint(cp).toUpperCase());
  if (u !== undefined) return u;
  // Greek with ypogegrammeni: the full mapping is two letters, the simple one the prosgegrammeni form.
  if ((cp >= 0x1f80 && cp <= 0x1f87) || (cp >= 0x1f90 && cp <= 0x1f97) || (cp >= 0x1fa0 && cp <= 0x1fa7))
    return cp + 8;
  if (cp === 0x1fb3 || cp === 0x1fc3 || cp === 0x1ff3) return cp + 9;
  return cp;
}

/** simpleLower is Go's unicode.ToLower. */
export function simpleLower(cp: number): number {
  if (cp < 0x80) return cp >= 65 && cp <= 90 ? cp + 32 : cp;
  if (cp === 0x130) return 0x69; // İ: full mapping "i̇", simple "i"
  const u = single(String.fromCodePoint(cp).toLowerCase());
  return u !== undefined ? u : cp;
}

const TITLE: Record<number, number> = {
  0x1c4: 0x1c5,
  0x1c5: 0x1c5,
  0x1c6: 0x1c5,
  0x1c7: 0x1c8,
  0x1c8: 0x1c8,
  0x1c9: 0x1c8,
  0x1ca: 0x1cb,
  0x1cb: 0x1cb,
  0x1cc: 0x1cb,
  0x1f1: 0x1f2,
  0x1f2: 0x1f2,
  0x1f3: 0x1f2,
};

/** simpleTitle is Go's unicode.ToTitle: the upper case but for the four digraph letters. */
export function simpleTitle(cp: number): number {
  return TITLE[cp] ?? simpleUpper(cp);
}

/** isCasedRune is starlark-go's: an ASCII letter or a rune with another case (unicode.SimpleFold). */
export function isCasedRune(cp: number): boolean {
  if (cp < 0x80) return (cp >= 65 && cp <= 90) || (cp >= 97 && cp <= 122);
  // ß has no simple upper case but folds with ẞ.
  return cp === 0xdf || simpleUpper(cp) !== cp || simpleLower(cp) !== cp;
}

/** isSpaceRune is Go's unicode.IsSpace. */
export function isSpaceRune(cp: number): boolean {
  if (cp <= 0xff) return (cp >= 9 && cp <= 13) || cp === 32 || cp === 0x85 || cp === 0xa0;
  return (
    cp === 0x1680 ||
    (cp >= 0x2000 && cp <= 0x200a) ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    cp === 0x202f ||
    cp === 0x205f ||
    cp === 0x3000
  );
}

/** runeSize is the length of the UTF-8 sequence at i (1 for an invalid byte). */
function runeSize(s: string, i: number): number {
  return s.charCodeAt(i) < 0x80 ? 1 : decodeRune(s, i)[1];
}

/** lastRune is Go's utf8.DecodeLastRuneInString on s[:j]: [code point or -1, size]. */
function lastRune(s: string, j: number): [number, number] {
  const c = s.charCodeAt(j - 1);
  if (c < 0x80) return [c, 1];
  for (let k = j - 1; k >= 0 && k >= j - 4; k--) {
    if ((s.charCodeAt(k) & 0xc0) !== 0x80) {
      const [cp, size] = decodeRune(s, k);
      return k + size === j ? [cp, size] : [-1, 1];
    }
  }
  return [-1, 1];
}

/** spaceAt is the length of the whitespace rune at i, or 0. */
function spaceAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c < 0x80) return (c >= 9 && c <= 13) || c === 32 ? 1 : 0;
  const [cp, size] = decodeRune(s, i);
  return cp >= 0 && isSpaceRune(cp) ? size : 0;
}

/** spaceBefore is the length of the whitespace rune ending at j, or 0. */
function spaceBefore(s: string, j: number): number {
  const [cp, size] = lastRune(s, j);
  return cp >= 0 && isSpaceRune(cp) ? size : 0;
}

/** trimSpace is strings.TrimSpace / TrimLeftFunc / TrimRightFunc with unicode.IsSpace. */
export function trimSpace(s: string, left: boolean, right: boolean): string {
  let a = 0;
  let b = s.length;
  if (left) for (let w = 0; a < b && (w = spaceAt(s, a)) > 0; ) a += w;
  if (right) for (let w = 0; b > a && (w = spaceBefore(s, b)) > 0; ) b -= w;
  return s.slice(a, b);
}

/** splitSpace is split()/rsplit() without a separator: fields between runs of whitespace. */
export function splitSpace(s: string, maxsplit: number, right: boolean): string[] {
  const n = s.length;
  const out: string[] = [];
  if (!right) {
    let i = 0;
    for (;;) {
      for (let w = 0; i < n && (w = spaceAt(s, i)) > 0; ) i += w;
      if (i >= n) break;
      if (maxsplit >= 0 && out.length === maxsplit) {
        out.push(s.slice(i));
        break;
      }
      let j = i;
      while (j < n && spaceAt(s, j) === 0) j += runeSize(s, j);
      out.push(s.slice(i, j));
      i = j;
    }
    return out;
  }
  let i = n;
  for (;;) {
    for (let w = 0; i > 0 && (w = spaceBefore(s, i)) > 0; ) i -= w;
    if (i <= 0) break;
    if (maxsplit >= 0 && out.length === maxsplit) {
      out.push(s.slice(0, i));
      break;
    }
    let j = i;
    while (j > 0 && spaceBefore(s, j) === 0) j -= lastRune(s, j)[1];
    out.push(s.slice(j, i));
    i = j;
  }
  return out.reverse();
}

/**
 * mapRunes rewrites each rune with f(index of the rune, code point); an invalid byte is
 * written as U+FFFD (Go's strings.Map and `for range` loops).
 */
export function mapRunes(s: string, f: (k: number, cp: number) => number): string {
  const parts: string[] = [];
  let start = 0;
  let k = 0;
  for (let i = 0; i < s.length; k++) {
    const c = s.charCodeAt(i);
    const [cp, size] = c < 0x80 ? [c, 1] : decodeRune(s, i);
    const m = f(k, cp < 0 ? 0xfffd : cp);
    if (m !== cp) {
      parts.push(
        s.slice(start, i),
        m === 0xfffd ? REPLACEMENT : m < 0x80 ? String.fromCharCode(m) : encodeUTF8(String.fromCodePoint(m)),
      );
      start = i + size;
    }
    i += size;
  }
  if (start === 0) return s;
  parts.push(s.slice(start));
  return parts.join('');
}

/** upper and lower are Go's strings.ToUpper and strings.ToLower. */
export function upper(s: string): string {
  return isAscii(s) ? s.toUpperCase() : mapRunes(s, (_k, cp) => simpleUpper(cp));
}
export function lower(s: string): string {
  return isAscii(s) ? s.toLowerCase() : mapRunes(s, (_k, cp) => simpleLower(cp));
}

/** capitalize is starlark-go's: the first rune to title case, the others to lower case. */
export function capitalize(s: string): string {
  return mapRunes(s, (k, cp) => (k === 0 ? simpleTitle(cp) : simpleLower(cp)));
}

/** title is starlark-go's: title case after an uncased rune, lower case after a cased one. */
export function title(s: string): string {
  let prevCased = false;
  return mapRunes(s, (_k, cp) => {
    const r = prevCased ? simpleLower(cp) : simpleTitle(cp);
    prevCased = isCasedRune(r);
    return r;
  });
}

/** everyRune is true when s has a rune and f holds for each (an invalid byte is U+FFFD). */
export function everyRune(s: string, f: (cp: number) => boolean): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; ) {
    const [cp, size] = decodeRune(s, i);
    if (!f(cp < 0 ? 0xfffd : cp)) return false;
    i += size;
  }
  return true;
}

/** isCasedString is starlark-go's: some rune is cased. */
export function isCasedString(s: string): boolean {
  for (let i = 0; i < s.length; ) {
    const [cp, size] = decodeRune(s, i);
    if (cp >= 0 && isCasedRune(cp)) return true;
    i += size;
  }
  return false;
}
