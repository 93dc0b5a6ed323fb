// The lists zip (of two) and enumerate return keep their pairs unmade (PairSource in
// lib/starlark/eval/value.ts) until something reads the list whole: that is what keeps a
// million surviving tuples, and the GC they cost, out of scripts that only take a length, a few
// elements or loop once (bench/README.md, eighth session). test/starlark/pairs.star checks the
// values each way of reading gives; these tests pin which readings leave the pairs unmade.
import test from 'ava';
import { List } from '../lib/starlark/eval/value.js';
import { Thread, execFile, toJS, type Value } from '../lib/starlark/index.js';

function globals(src: string): Map<string, Value> {
  return execFile(new Thread(), 'pairs.star', src, {});
}

function list(g: Map<string, Value>, name: string): List {
  const v = g.get(name);
  if (!(v instanceof List)) throw new Error(`${name} is not a list`);
  return v;
}

test('len, indexing, truth, slicing, loops and comprehensions leave the pairs unmade', (t) => {
  const g = globals(`
def reads(p):
    total = len(p) + p[0][0] + p[-1][1] + len(p[1:2])
    for i, x in p:
        total += i * x
    total += len([i for i, x in p if p])
    return total

xs = [5, 6, 7]
z = zip(range(3), xs)
e = enumerate(xs, 1)
rz = reads(z)
re = reads(e)
`);
  t.is(g.get('rz'), 3 + 0 + 7 + 1 + (0 * 5 + 1 * 6 + 2 * 7) + 3);
  t.is(g.get('re'), 3 + 1 + 7 + 1 + (1 * 5 + 2 * 6 + 3 * 7) + 3);
  for (const name of ['z', 'e']) {
    const l = list(g, name);
    t.not(l.unmade, null, `${name} still holds its pairs unmade`);
    // The module's end froze the globals: through the sources, without making the pairs.
    t.true(l.frozen);
    t.not(l.unmade, null, `${name} still holds its pairs unmade after freezing`);
  }
});

test('reading the list whole makes every pair once, and the list then holds them', (t) => {
  const g = globals(`
z = zip(["a", "b"], [1, 2])
s = str(z)
e = enumerate([9])
`);
  t.is(g.get('s'), '[("a", 1), ("b", 2)]');
  const z = list(g, 'z');
  t.is(z.unmade, null);
  const made = z.elems;
  t.is(z.elems, made, 'the same array on each read');
  t.deepEqual(toJS(z), [
    ['a', 1],
    ['b', 2],
  ]);
  const e = list(g, 'e');
  t.not(e.unmade, null);
  t.deepEqual(toJS(e), [[0, 9]]);
  t.is(e.unmade, null, 'toJS read it whole');
});

test('zip of three sequences makes its tuples at once', (t) => {
  const z = list(globals('z = zip([1], [2], [3])'), 'z');
  t.is(z.unmade, null);
  t.deepEqual(toJS(z), [[1, 2, 3]]);
});
