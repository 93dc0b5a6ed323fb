// str.count's counter (lib/starlark/eval/substring-count.ts): the WebAssembly SIMD path must
// count exactly what a loop of indexOf calls counts (non-overlapping, left to right), for any
// bytes, needle length and alignment, and str.count must give the same through Starlark.
import test from 'ava';
import fc from 'fast-check';
import { countByIndexOf, countSubstring, simdAvailable } from '../lib/starlark/eval/substring-count.js';
import { Thread, execFile, toJS } from '../lib/starlark/index.js';

/** A byte string over a small alphabet (so that matches are dense), with bytes ≥ 0x80 in it. */
const text = (min: number, max: number) =>
  fc.array(fc.constantFrom('a', 'b', 'c', '\xc3', '\xa9', '\xff'), { minLength: min, maxLength: max }).map((a) => a.join(''));

test('long texts: the SIMD count equals the indexOf count', (t) => {
  t.true(simdAvailable(), 'Node 20 has WebAssembly SIMD: the routine assembles and validates');
  t.notThrows(() => fc.assert(
    fc.property(text(4096, 9000), text(1, 8), fc.nat(40), (hay, needle, cut) => {
      const h = hay.slice(cut); // every alignment of the text's start
      return countSubstring(h, needle) === countByIndexOf(h, needle);
    }),
    { numRuns: 150, seed: 20261129 },
  ));
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
  const g = execFile(new Thread(), 'count.star', `
text = "".join(["ab%dcd " % (i % 89) for i in range(20000)])
counts = [text.count("ab1"), text.count("cd ab4"), text.count("7cd", 5), text.count("a", 0, len(text) // 2), text.count("é" + text)]
`, {});
  const text = Array.from({ length: 20000 }, (_, i) => `ab${i % 89}cd `).join('');
  const half = text.slice(0, Math.floor(text.length / 2));
  t.deepEqual(toJS(g.get('counts')!), [
    countByIndexOf(text, 'ab1'), countByIndexOf(text, 'cd ab4'), countByIndexOf(text.slice(5), '7cd'), countByIndexOf(half, 'a'), 0,
  ]);
});
