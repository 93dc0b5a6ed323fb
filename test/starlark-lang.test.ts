import test from 'ava';
import { EvalError, Thread, execFile, repr } from '../lib/starlark/index.js';

/** value runs `_ = EXPR` (with optional setup) and returns repr(_). */
function value(expr: string, setup = ''): string {
  const g = execFile(
    new Thread(),
    'lang.star',
    `${setup}\n_ = ${expr}\n`,
    {},
    { allowGlobalReassign: true, allowWhile: true },
  );
  return repr(g.get('_')!);
}

function failure(src: string): string {
  try {
    execFile(new Thread(), 'lang.star', src, {}, { allowGlobalReassign: true, allowWhile: true });
  } catch (e) {
    if (e instanceof EvalError) return e.msg;
    throw e;
  }
  return 'no error';
}

const cases: Array<[string, string, string?]> = [
  ['0x1F + 0o17 + 0b101 + 10', '61'],
  ['1e+100', '1e+100'],
  ['[1.0, 3.0 / 2, 1e6, 1e-5, 123456.0]', '[1.0, 1.5, 1e+06, 1e-05, 123456.0]'],
  ['(1 << 70) * 3 - 1', '3541774862152233910271'],
  ['[-7 // 2, -7 % 2, 7 // -2, 7 % -2, -7.0 // 2]', '[-4, 1, -4, -1, -4.0]'],
  ['(1 == 1.0, 2 < 2.5, dict([(1, "a"), (1.0, "b")]))', '(True, True, {1: "b"})'],
  ['"\\x41\\u00e9\\U0001F600\\101" + r"\\n"', '"Aé😀A\\\\n"'],
  ['len("é"), "é".elems()[0] if False else len(list("é".elems()))', '(2, 2)'],
  ['b"ab\\xff"', 'b"ab\\xff"'],
  ['"""a\nb"""', '"a\\nb"'],
  ['[x * y for x in range(3) if x for y in (10, 20)]', '[10, 20, 20, 40]'],
  ['{k: v for k, v in [("a", 1), ("b", 2)]}', '{"a": 1, "b": 2}'],
  ['"abcdef"[1:5:2], [1, 2, 3, 4][::-1], (1, 2, 3)[-2:]', '("bd", [4, 3, 2, 1], (2, 3))'],
  ['"%s=%d %r %5.2f" % ("x", 3, "y", 1.0) if False else "%s=%d %r" % ("x", 3, "y")', '"x=3 \\"y\\""'],
  ['"{} {x} {0}".format(1, x=2) if False else "{} {x}".format(1, x=2)', '"1 2"'],
  ['sorted(["bb", "a", "ccc"], key=len, reverse=True)', '["ccc", "bb", "a"]'],
  ['(min(3, 1, 2), max([1, 5, 2]), any([0, 1]), all([]), abs(-3))', '(1, 5, True, True, 3)'],
  [
    'list(zip([1, 2], "ab".elems())), list(enumerate("xy".elems(), 1))',
    '([(1, "a"), (2, "b")], [(1, "x"), (2, "y")])',
  ],
  [
    '(int("0x10", 16), int("-12"), int(3.9), float("1.5"), str(1.0), bool([]))',
    '(16, -12, 3, 1.5, "1.0", False)',
  ],
  [
    '(hash("abc"), type(range(3)), repr(range(1, 5, 2)), dir("")[:3])',
    '(96354, "range", "range(1, 5, 2)", ["capitalize", "codepoint_ords", "codepoints"])',
  ],
  ['f(1, 2, 3, k=4)', '(1, (2, 3), {"k": 4})', 'def f(a, *args, **kw):\n  return (a, args, kw)'],
  ['g(1, c=3)', '(1, 2, 3)', 'def g(a, b=2, *, c):\n  return (a, b, c)'],
  ['[h(i) for i in range(4)]', '[0, 1, 1, 2]', 'h = lambda n: n // 2 + n % 2 if n > 0 else 0'],
  ['(a, b, c)', '(3, [1, 2], "x")', 'a, (b, c) = 3, ([1, 2], "x")'],
  [
    'acc',
    '[1, 3]',
    'def k():\n  out = []\n  for i in range(10):\n    if i == 4:\n      break\n    if i % 2 == 0:\n      continue\n    out.append(i)\n  return out\nacc = k()',
  ],
  ['w', '10', 'def loop():\n  n = 0\n  while True:\n    n += 1\n    if n >= 10:\n      return n\nw = loop()'],
  ['set([3, 1, 3]) | set([2]), 2 in set([2])', '(set([3, 1, 2]), True)'],
  ['d', '{"b": 2, "a": 1, "c": 3}', 'd = {"b": 2}\nd["a"] = 1\nd.update(c=3)'],
  [
    '"a,b,,c".split(","), " x y ".split(), "abc".replace("b", "XY"), "aaa".count("a")',
    '(["a", "b", "", "c"], ["x", "y"], "aXYc", 3)',
  ],
  [
    'counter()',
    '3',
    'def mk():\n  n = [0]\n  def inc():\n    n[0] += 1\n    return n[0]\n  return inc\nc = mk()\ndef counter():\n  c()\n  c()\n  return c()',
  ],
];

for (const [expr, want, setup] of cases) {
  test(`value ${expr.slice(0, 50)}`, (t) => {
    t.is(value(expr, setup ?? ''), want);
  });
}

const errors: Array<[string, string]> = [
  ['x = [1, 2]\nfor y in x:\n  x.append(y)\n', 'append: cannot append to list during iteration'],
  ['d = {"a": 1}\nfor k in d:\n  d["b"] = 2\n', 'cannot insert into hash table during iteration'],
  ['x = {}[[1]]\n', 'unhashable type: list'],
  ['x = 1 < "a"\n', 'int < string not implemented'],
  ['x = 1 // 0\n', 'floored division by zero'],
  ['x = [1][5]\n', 'list index 5 out of range [-1:0]'],
  ['def f():\n  y = z\n  z = 1\nf()\n', 'local variable z referenced before assignment'],
  ['for x in 3:\n  pass\n', 'int value is not iterable'],
  ['a, b = [1, 2, 3]\n', 'too many values to unpack (got 3, want 2)'],
  ['x = {"a": 1, "a": 2}\n', 'duplicate key: "a"'],
  ['def f(a): pass\nf(1, 2)\n', 'function f accepts 1 positional argument (2 given)'],
  ['def f(a): pass\nf()\n', 'function f missing 1 argument (a)'],
  ['x = "%d" % "s"\n', '%d format requires integer: cannot convert string to int'],
  ['x = None.foo\n', 'NoneType has no .foo field or method'],
];

for (const [src, want] of errors) {
  test(`error ${want}`, (t) => {
    t.is(failure(src), want);
  });
}

test('str.join of long lists (joined in pieces) equals one join, at and around the piece size', (t) => {
  for (const n of [4095, 4096, 4097, 8192, 8193, 20_001]) {
    const g = execFile(
      new Thread(),
      'join.star',
      `
words = ["w%d" % i for i in range(${n})]
plain = "".join(words)
comma = ", ".join(words)
`,
      {},
    );
    const words = Array.from({ length: n }, (_, i) => `w${i}`);
    t.is(g.get('plain'), words.join(''), `n = ${n}`);
    t.is(g.get('comma'), words.join(', '), `n = ${n}`);
  }
});
