/**
 * hash(): which values are hashable, and the hash of a string as starlark-go computes it.
 */
import { MIN_WASM_TEXT, hashBytes } from './byte-kernels.js';
import { mapKey } from './hashtable.js';
import { decodeRune } from './repr.js';
import { Range, fail, type Value } from './value.js';

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
