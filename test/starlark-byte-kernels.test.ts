// The WebAssembly scans of long byte strings (lib/starlark/eval/byte-kernels.ts): str.count's
// SIMD path must count exactly what a loop of indexOf calls counts (non-overlapping, left to
// right) for any bytes, needle length and alignment; hash() of a long string must equal the
// rule computed plainly (code points of Go's UTF-8 decoding, U+FFFD per invalid byte) and the
// JS path used for short strings.
import test from 'ava';
import fc from 'fast-check';
import {
  MIN_WASM_TEXT,
  countByIndexOf,
  countSubstring,
  hashBytes,
  simdAvailable,
} from '../lib/starlark/eval/byte-kernels.js';
import { javaStringHash } from '../lib/starlark/eval/hash.js';
import { Thread, execFile, toJS } from '../lib/starlark/index.js';

/** A byte string over a small alphabet (so that matches are dense), with bytes ≥ 0x80 in it. */
const text = (min: number, max: number) =>
  fc
    .array(fc.constantFrom('a', 'b', 'c', '\xc3', '\xa9', '\xff'), { minLength: min, maxLength: max })
    .map((a) => a.join(''));

test('long texts: the SIMD count equals the indexOf count', (t) => {
  t.true(simdAvailable(), 'Node 20 has WebAssembly SIMD: the routine assembles and validates');
  t.notThrows(() =>
    fc.assert(
      fc.property(text(4096, 9000), text(1, 8), fc.nat(40), (hay, needle, cut) => {
        const h = hay.slice(cut); // every alignment of the text's start
        return countSubstring(h, needle) === countByIndexOf(h, needle);
      }),
      { numRuns: 150, seed: 20261129 },
    ),
  );
});

test('a range of a text is counted in place; a text met again is not copied again, a different one of the same length is', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(text(4096, 9000), text(1, 8), fc.nat(9000), fc.nat(9000), (hay, needle, x, y) => {
        const from = Math.min(x, y, hay.length);
        const to = Math.min(Math.max(x, y), hay.length);
        return (
          countSubstring(hay, needle, from, to) === countByIndexOf(hay.slice(from, to), needle) &&
          countSubstring(hay, needle) === countByIndexOf(hay, needle)
        );
      }),
      { numRuns: 150, seed: 20261130 },
    ),
  );
  const a = 'ab'.repeat(3000);
  const b = ['b', 'ab'.repeat(2999), 'a'].join('');
  t.is(countSubstring(a, 'ab'), 3000);
  t.is(countSubstring(b, 'ab'), 2999);
  t.is(countSubstring(a, 'ab', 2, 6000), 2999);
  t.is(countSubstring(b, 'ba', 0, 5000), 2500);
});

test('overlapping candidates count once, left to right; needles up to the 64-byte limit and beyond', (t) => {
  const as = 'a'.repeat(10_001);
  t.is(countSubstring(as, 'a'), 10_001);
  t.is(countSubstring(as, 'aa'), 5000);
  t.is(countSubstring(as, 'aaa'), 3333);
  const long = 'xyz'.repeat(3000) + 'q'.repeat(64) + 'xyz'.repeat(3000);
  t.is(countSubstring(long, 'q'.repeat(64)), 1);
  t.is(countSubstring(long, 'z' + 'q'.repeat(64)), 1);
  t.is(countSubstring(long, 'xyz'), 6000);
  t.is(countSubstring(long, 'qq'), 32);
  t.is(countSubstring(long, 'w'), 0);
  t.is(countSubstring('ab'.repeat(3000), 'b'.repeat(5000)), 0);
});

test('str.count through Starlark on a long string', (t) => {
  const g = execFile(
    new Thread(),
    'count.star',
    `
text = "".join(["ab%dcd " % (i % 89) for i in range(20000)])
counts = [text.count("ab1"), text.count("cd ab4"), text.count("7cd", 5), text.count("a", 0, len(text) // 2), text.count("é" + text)]
`,
    {},
  );
  const text = Array.from({ length: 20000 }, (_, i) => `ab${i % 89}cd `).join('');
  const half = text.slice(0, Math.floor(text.length / 2));
  t.deepEqual(toJS(g.get('counts')!), [
    countByIndexOf(text, 'ab1'),
    countByIndexOf(text, 'cd ab4'),
    countByIndexOf(text.slice(5), '7cd'),
    countByIndexOf(half, 'a'),
    0,
  ]);
});

/** The hash rule written plainly: Go's UTF-8 decoding, one code point at a time. */
function referenceHash(s: string): number {
  const b = Buffer.from(s, 'latin1');
  let h = 0;
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    let cp = 0xfffd;
    let size = 1;
    const cont = (k: number): number =>
      i + k < b.length && (b[i + k]! & 0xc0) === 0x80 ? b[i + k]! & 0x3f : -1;
    if (c < 0x80) cp = c;
    else if (c >= 0xc2 && c < 0xe0 && cont(1) >= 0) [cp, size] = [((c & 0x1f) << 6) | cont(1), 2];
    else if (c >= 0xe0 && c < 0xf0 && cont(1) >= 0 && cont(2) >= 0) {
      const r = ((c & 0x0f) << 12) | (cont(1) << 6) | cont(2);
      if (r >= 0x800 && (r < 0xd800 || r > 0xdfff)) [cp, size] = [r, 3];
    } else if (c >= 0xf0 && c < 0xf5 && cont(1) >= 0 && cont(2) >= 0 && cont(3) >= 0) {
      const r = ((c & 0x07) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3);
      if (r >= 0x10000 && r <= 0x10ffff) [cp, size] = [r, 4];
    }
    h = (Math.imul(31, h) + cp) | 0;
    i += size;
  }
  return h;
}

/** Byte strings mixing ASCII runs, valid multi-byte characters and invalid bytes. */
const bytesText = (min: number, max: number) =>
  fc
    .array(
      fc.constantFrom(
        'abcdefgh',
        'x',
        'Z9',
        '\xc3\xa9',
        '\xe2\x82\xac',
        '\xf0\x9f\x98\x80',
        '\xff',
        '\xc0\xaf',
        '\xed\xa0\x80',
        '\xf4\x90\x80\x80',
        '\xe2\x82',
        '\xf0\x9f',
        '\x80',
      ),
      { minLength: min, maxLength: max },
    )
    .map((a) => a.join(''));

test('hash() of long strings: the WebAssembly loop equals the plain rule and the JS path', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(bytesText(2000, 3000), fc.nat(12), (text, cut) => {
        const s = text.slice(cut);
        if (s.length < MIN_WASM_TEXT) return true;
        const wasm = hashBytes(s);
        return wasm === referenceHash(s) && javaStringHash(s) === wasm;
      }),
      { numRuns: 120, seed: 20261129 },
    ),
  );
  t.notThrows(() =>
    fc.assert(
      fc.property(
        bytesText(0, 300),
        (s) => s.length >= MIN_WASM_TEXT || javaStringHash(s) === referenceHash(s),
      ),
      { numRuns: 300, seed: 7 },
    ),
  );
  // Mostly ASCII, so that runs of sixteen and more bytes (the SIMD steps) end at every offset.
  const asciiRuns = fc
    .array(fc.constantFrom('abcdefghijklmnop', 'abcdefgh', 'xyz', 'Q', '~\x7f\x00', '\xc3\xa9', '\xff'), {
      minLength: 600,
      maxLength: 1200,
    })
    .map((a) => a.join(''));
  t.notThrows(() =>
    fc.assert(
      fc.property(asciiRuns, fc.nat(17), (text, cut) => {
        const s = text.slice(cut);
        return s.length < MIN_WASM_TEXT || hashBytes(s) === referenceHash(s);
      }),
      { numRuns: 150, seed: 20261130 },
    ),
  );
  const long = 'k1;'.repeat(5000);
  t.is(hashBytes(long), referenceHash(long));
  const high = '\x7f~'.repeat(4000) + 'z';
  t.is(hashBytes(high), referenceHash(high));
});
