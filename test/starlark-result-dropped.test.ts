// Thread.resultDropped: a builtin called as a statement of its own (`f(x)` on its line) is told
// its result is dropped, so a host may leave out what only the result would carry (the seed
// loop's http.post: its reply's body and headers). Any other use of the result — an argument,
// an assignment, a return, an attribute, a comprehension — must not be told so.

import test from 'ava';
import { Builtin, execFile, makeModule, None, Thread, type Value } from '../lib/starlark/index.js';

/** Runs `src` with f(tag, …) and m.f(tag, …) recording whether each call's result was dropped. */
function dropped(src: string): Record<string, boolean> {
  const seen: Record<string, boolean> = {};
  const f = new Builtin('f', (th, _fn, args) => {
    seen[String(args[0])] = th.resultDropped();
    return None;
  });
  const m = makeModule('m', { f });
  execFile(new Thread(), 'test.star', src, { f, m } as Record<string, Value>);
  return seen;
}

test('a call on its own line is told its result is dropped; one whose result is used is not', (t) => {
  t.deepEqual(
    dropped(
      [
        'f("statement")',
        'm.f("method statement")',
        'm.f("keyword", x=1) if False else m.f("method keyword", x = 1)',
        'x = f("assigned")',
        'f("outer", f("argument"))',
        'f("kw outer", y=f("kw argument"))',
        '[f("comprehension") for _ in [1]]',
        'def g():',
        '    f("in a function")',
        '    return f("returned")',
        'g()',
        'def h():',
        '    f("statement of an argument")',
        '    return 1',
        'f("outer of h", h())',
        'm.f("after", x=1)',
      ].join('\n'),
    ),
    {
      statement: true,
      'method statement': true,
      'method keyword': false,
      assigned: false,
      argument: false,
      outer: true,
      'kw argument': false,
      'kw outer': true,
      comprehension: false,
      'in a function': true,
      returned: false,
      'statement of an argument': true,
      'outer of h': true,
      after: true,
    },
  );
});

test('the mark of a statement does not outlive it, nor leak into a function it calls', (t) => {
  const seen = dropped(
    [
      'def g():',
      '    return f("inside g")',
      'g()',
      'y = f("later")',
      'def k(a):',
      '    return a',
      'k(f("passed"))',
    ].join('\n'),
  );
  t.deepEqual(seen, { 'inside g': false, later: false, passed: false });
});
