// A Starlark tuple is a bare JS array (lib/starlark/eval/sobject.ts, Tuple): no wrapper object,
// so that V8 can pretenure the array literals that build tuples in zip, enumerate, dict.items
// and tuple expressions (a wrapper per tuple made zip and enumerate GC-bound, bench/README.md).
// These tests pin the representation at the host boundary, where it shows: every builder's
// tuple is an array, and the conversions keep tuples and lists apart.
import test from 'ava';
import {
  Thread,
  elements,
  execFile,
  makeList,
  makeTuple,
  toJS,
  toStarlark,
  typeName,
  type Value,
} from '../lib/starlark/index.js';

function globals(src: string): Map<string, Value> {
  return execFile(new Thread(), 'shape.star', src, {});
}

test('every builder makes a tuple that is a bare JS array', (t) => {
  const g = globals(`
def f(*args):
    return args
built = [(1, 2), (1, 2, 3), (1, 2, 3, 4), zip([1], [2])[0], zip(range(1), range(1))[0],
    zip([1], [2], [3])[0], enumerate([1])[0], {1: 2}.items()[0], {1: 2}.popitem(),
    "a=b".partition("="), f(1, 2), (1, 2, 3)[1:], (1, 2, 3)[::2], (1,) + (2,), (1,) * 2,
    tuple([1, 2]), tuple()]
`);
  const elems = elements(g.get('built')!)!;
  t.is(elems.length, 17);
  for (const [i, v] of elems.entries()) {
    t.is(typeName(v), 'tuple', `built[${i}]`);
    t.true(Array.isArray(v), `built[${i}] is an array`);
    t.is(Object.getPrototypeOf(v), Array.prototype, `built[${i}] is a plain array`);
  }
});

test('makeTuple copies its items; toJS gives an array; a JS array becomes a list', (t) => {
  const items: Value[] = [1, 2];
  const tup = makeTuple(items);
  items.push(3);
  t.is(typeName(tup), 'tuple');
  t.deepEqual(toJS(tup), [1, 2]);
  t.is(typeName(toStarlark([1, 2])), 'list');
  t.is(typeName(makeList([tup])), 'list');
});
