// lib/starlark: argument binding through the call fast paths (positional with defaults,
// keyword calls filling parameter slots directly) gives the same results and errors as the
// general binder; augmented assignment to locals.
import test from 'ava';
import { EvalError, Thread, execFile, toJS, type Value } from '../lib/starlark/index.js';

function run(src: string, opts = {}): Map<string, Value> {
  return execFile(new Thread(), 'test.star', src, {}, opts);
}

function msg(src: string, opts = {}): string {
  try {
    execFile(new Thread(), 'test.star', src, {}, opts);
  } catch (e) {
    if (e instanceof EvalError) return e.msg;
    throw e;
  }
  throw new Error('no error');
}

const defs = `
def f(a, b = 2, c = 3):
    return [a, b, c]
def g(a, *, k, m = 5):
    return [a, k, m]
def h(x, y = []):
    y.append(x)
    return len(y)
`;

test('positional calls take trailing defaults', (t) => {
  const g = run(defs + 'r = [f(1), f(1, 5), f(1, 5, 6), h(1), h(2), h(3, [])]\n');
  t.deepEqual(toJS(g.get('r')!), [[1, 2, 3], [1, 5, 3], [1, 5, 6], 1, 2, 1]);
});

test('keyword calls bind names to parameters, defaults fill the rest', (t) => {
  const g = run(
    defs +
      `
order = []
def v(x):
    order.append(x)
    return x
r = [f(1, c = 9), f(a = 1), f(c = v("c"), a = v("a"), b = v("b")), g(1, k = 2), g(1, m = 0, k = 7), g(a = 0, k = 1)]
def outer(a, b = 1):
    return lambda: a * 10 + b
cl = [outer(b = 2, a = 3)(), outer(a = 4)()]
`,
  );
  t.deepEqual(toJS(g.get('r')!), [
    [1, 2, 9],
    [1, 2, 3],
    ['a', 'b', 'c'],
    [1, 2, 5],
    [1, 7, 0],
    [0, 1, 5],
  ]);
  t.deepEqual(toJS(g.get('order')!), ['c', 'a', 'b'], 'arguments are evaluated in source order');
  t.deepEqual(toJS(g.get('cl')!), [32, 41]);
});

test("binding errors are the general binder's", (t) => {
  t.is(msg(defs + 'f()\n'), 'function f missing 1 argument (a)');
  t.is(msg(defs + 'f(b = 1)\n'), 'function f missing 1 argument (a)');
  t.is(msg(defs + 'f(1, 2, 3, 4)\n'), 'function f accepts at most 3 positional arguments (4 given)');
  t.is(msg(defs + 'f(1, a = 2)\n'), 'function f got multiple values for parameter "a"');
  t.is(msg(defs + 'f(1, z = 2)\n'), 'function f got an unexpected keyword argument "z"');
  t.is(msg(defs + 'g(1)\n'), 'function g missing 1 argument (k)');
  t.is(msg(defs + 'g(1, m = 1)\n'), 'function g missing 1 argument (k)');
  t.is(msg(defs + 'g(1, 2)\n'), 'function g accepts 1 positional argument (2 given)');
  t.is(msg(defs + 'g(1, 2, k = 3)\n'), 'function g accepts 1 positional argument (2 given)');
});

test('one call site calling different functions and builtins', (t) => {
  const g = run(`
def p(x, y = 0):
    return x - y
def q(y, x = 100):
    return x + y
def w(**kw):
    return sorted(kw.keys())
out = []
def main():
    for fn in [p, q, p, w, dict, q]:
        out.append(fn(x = 1, y = 2))
main()
`);
  t.deepEqual(toJS(g.get('out')!), [
    -1,
    3,
    -1,
    ['x', 'y'],
    new Map([
      ['x', 1],
      ['y', 2],
    ]),
    3,
  ]);
  t.is(
    msg('def p(x):\n    return x\ndef r():\n    for fn in [p, p, len]:\n        fn(x = 1)\nr()\n'),
    'len: unexpected keyword arguments',
  );
  t.is(
    msg(
      'def p(x):\n    return x\ndef s(z):\n    return z\ndef r():\n    for fn in [p, s]:\n        fn(x = 1)\nr()\n',
    ),
    'function s got an unexpected keyword argument "x"',
  );
});

test('recursion and step limits still apply to keyword calls', (t) => {
  t.is(msg('def f(n = 1):\n    return f(n = n)\nf()\n'), 'function f called recursively');
  const g = run(
    'def f(n, acc = 0):\n    return acc if n == 0 else f(n = n - 1, acc = acc + n)\nr = f(n = 10)\n',
    { allowRecursion: true },
  );
  t.is(g.get('r'), 55);
  const th = new Thread({ maxSteps: 1000 });
  t.throws(
    () =>
      execFile(
        th,
        't.star',
        'def f(a, b = 1):\n    return a\ndef m():\n    for i in range(100000):\n        f(a = i)\nm()\n',
        {},
      ),
    { instanceOf: EvalError },
  );
});

test('augmented assignment to locals', (t) => {
  const g = run(`
def m():
    x = 1
    x += 2
    x += 2.5
    s = "a"
    s += "b"
    l = [1]
    alias = l
    l += [2]
    big = 9007199254740991
    big += 1
    alias.append(3)
    return [x, s, l, big]
r = m()
`);
  t.deepEqual(toJS(g.get('r')!), [5.5, 'ab', [1, 2, 3], 9007199254740992n]);
  t.is(msg('def m():\n    x += 1\n    x = 0\nm()\n'), 'local variable x referenced before assignment');
});
