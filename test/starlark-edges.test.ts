// Edges of lib/starlark that the chunked suite (test/starlark/edges.star, validated against
// starlark-go) cannot express: size limits that must end in a Starlark error instead of a V8
// fatal error or JS wording, large inputs that must be handled in linear time (checked by
// their results: the quadratic versions exceed the test's time budget), load() in `ebb star`,
// and the step budget of scripts and models.

import test from 'ava';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from '../lib/commands/run.js';
import { parseDirectives } from '../lib/project/directives.js';
import {
  DEFAULT_MAX_STEPS,
  EvalError,
  MAX_LIST_ELEMS,
  MAX_STRING_BYTES,
  StarlarkError,
  Thread,
  execFile,
  json,
  makeList,
  None,
  repr,
  runScriptFile,
  structBuiltin,
  type Value,
} from '../lib/starlark/index.js';
import type { ProjectProblem } from '../lib/errors.js';
import { repr as reprBytes } from '../lib/starlark/eval/repr.js';
import { capture, makeProject, tempDir } from './helpers/project.js';

/** run executes a script and returns its prints, or the error (which must be a positioned StarlarkError). */
function run(src: string, maxSteps = 0): { out: string[]; err?: EvalError } {
  const out: string[] = [];
  const thread = new Thread({ name: 'edges', print: (_t, m) => out.push(m), maxSteps });
  const predeclared: Record<string, Value> = { json, struct: structBuiltin };
  try {
    execFile(thread, 'edges.star', src, predeclared, {
      allowWhile: true,
      allowRecursion: true,
      allowGlobalReassign: true,
    });
    return { out };
  } catch (e) {
    if (!(e instanceof EvalError)) throw e;
    return { out, err: e };
  }
}

test('values beyond the documented limits are Starlark errors at a position, never V8 fatal errors or JS words', (t) => {
  t.is(MAX_LIST_ELEMS, 2 ** 25);
  t.is(MAX_STRING_BYTES, 2 ** 28);
  const cases: Array<[string, RegExp, number]> = [
    ['x = [0] * 120000000\n', /^list too large: 120000000 elements \(the limit is 33554432\)$/, 1],
    ['x = (0,) * 140000000\n', /^list too large: 140000000 elements/, 1],
    ['x = len(sorted(range(1000000000)))\n', /^list too large: 1000000000 elements/, 1],
    ['x = list(range(140000000))\n', /^list too large: 140000000 elements/, 1],
    ['x = "x" * 1000000000\n', /^string too large: 1000000000 bytes \(the limit is 268435456\)$/, 1],
    ['x = ["x" * 200000000] * 3\ny = "".join(x)\n', /^string too large: 600000000 bytes/, 2],
    ['x = "x" * 200000000\ny = x + x + x\n', /^string too large/, 2],
    ['x = [0] * 17000000\nx.extend(x)\n', /^list too large: 34000000 elements/, 2],
    ['x = [0] * 17000000\ny = x + x\n', /^list too large: 34000000 elements/, 2],
  ];
  for (const [src, want, line] of cases) {
    const { err } = run(src);
    t.truthy(err, src);
    t.regex(err!.msg, want, src);
    t.notRegex(err!.msg, /Invalid|array length|heap/, src);
    t.is(err!.pos.line, line, src);
    t.true(err!.pos.col >= 1);
  }
});

test('large inputs are handled in linear time: int() of 400,000 digits, replace on 30 MB, repr of 10 MB', (t) => {
  const { out, err } = run(`
n = int("9" * 400000)
print(len(str(n)), n % 1000000007)
print(int("z" * 5000, 36) == int("z" * 5000, 36), len(str(int("1" * 20000, 7))))
s = ("abc" * 10000000).replace("b", "xyz")
print(len(s), s[:10], s[-5:])
print(len(("abc" * 1000000).replace("", "-")))
r = repr("\\xff" * 10000000)
print(len(r), r[:9])
`);
  t.is(err, undefined, err?.message);
  t.is(out[0], `400000 ${(10n ** 400000n - 1n) % 1000000007n}`);
  t.is(out[1], `True ${((7n ** 20000n - 1n) / 6n).toString().length}`);
  t.is(out[2], '50000000 axyzcaxyzc axyzc');
  t.is(out[3], '6000001');
  t.is(out[4], '40000002 "\\xff\\xff');
});

function script(files: Record<string, string>): string {
  const dir = tempDir('ebb-star-load-');
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), content);
  }
  return dir;
}

function star(path: string, maxSteps?: number): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = runScriptFile(path, {
    stdout: (s) => (out += s),
    stderr: (s) => (err += s),
    ...(maxSteps !== undefined ? { maxSteps } : {}),
  });
  return { code, out, err };
}

test('ebb star: load() is relative to the loading file, runs each file once and freezes its values', (t) => {
  const dir = script({
    'main.star':
      'load("lib/a.star", "x", "f")\nload("lib/b.star", b = "z")\nprint(x, f(2), b)\nx.append(3)\n',
    'lib/a.star': 'load("b.star", "z")\nprint("a runs")\nx = [1, z]\ndef f(n):\n    return n * 10\n',
    'lib/b.star': 'print("b runs")\nz = 2\n',
  });
  const r = star(join(dir, 'main.star'));
  t.is(r.out, 'b runs\na runs\n[1, 2] 20 2\n');
  t.is(r.code, 1);
  t.regex(r.err, /main\.star:4:9: append: cannot append to frozen list/);
});

test('ebb star: a load cycle is an error naming the chain; a missing file names its path', (t) => {
  const dir = script({
    'a.star': 'load("sub/b.star", "y")\nx = 1\n',
    'sub/b.star': 'load("../a.star", "x")\ny = 2\n',
    'missing.star': 'load("nope.star", "v")\n',
  });
  const r = star(join(dir, 'a.star'));
  t.is(r.code, 1);
  t.regex(
    r.err,
    /a\.star:1:1: cannot load sub\/b\.star: .*b\.star:1:1: cannot load \.\.\/a\.star: cycle in load graph: a\.star -> sub\/b\.star -> a\.star/,
  );
  const m = star(join(dir, 'missing.star'));
  t.regex(m.err, /missing\.star:1:1: cannot load nope\.star: no such file: nope\.star/);
});

test('ebb star: a runaway loop stops at the step budget with a positioned error', (t) => {
  t.is(DEFAULT_MAX_STEPS, 1_000_000_000);
  const dir = script({ 'loop.star': 'x = 0\nwhile True:\n    x += 1\n' });
  const r = star(join(dir, 'loop.star'), 100_000);
  t.is(r.code, 1);
  t.regex(r.err, /loop\.star:2:1: Starlark computation cancelled: too many steps/);
});

test("@max_steps sets a .star model's step budget; bad values and SQL models are problems", (t) => {
  const problems: ProjectProblem[] = [];
  t.is(
    parseDirectives('m.star', 'star', '# @kind: table\n# @max_steps: 5_000_000_000\nx = 1\n', problems)
      .maxSteps,
    5_000_000_000,
  );
  t.is(parseDirectives('m.star', 'star', '# @kind: table\nx = 1\n', problems).maxSteps, undefined);
  t.deepEqual(problems, []);
  parseDirectives('m.star', 'star', '# @max_steps: lots\n', problems);
  parseDirectives('m.sql', 'sql', '-- @max_steps: 10\nselect 1\n', problems);
  t.is(problems.length, 2);
  t.regex(problems[0]!.message, /bad value "lots" for @max_steps/);
  t.regex(problems[1]!.message, /does not apply to SQL models/);
});

test('a .star model with a runaway loop fails at its @max_steps budget, with a hint to raise it', async (t) => {
  const root = makeProject({
    'models/gen/loop.star': '# @kind: table\n# @max_steps: 50_000\nn = 0\nwhile True:\n    n += 1\n',
    'models/gen/ok.star':
      '# @kind: table\n# @max_steps: 50_000\nfor i in range(100):\n    save.row({"i": i})\n',
  });
  const c = capture();
  const code = await runCommand({ cwd: root, selectors: [], json: true, env: {} }, c.io);
  t.is(code, 1);
  const results = c.json();
  const loop = results.find((r) => r['model'] === 'gen.loop')!;
  t.is(loop['status'], 'error');
  t.regex(
    String(loop['error']),
    /loop\.star:4:1: Starlark computation cancelled: too many steps \(the model's budget is 50000 steps, loop iterations and calls; raise it with "# @max_steps: N"/,
  );
  t.like(
    results.find((r) => r['model'] === 'gen.ok'),
    { status: 'ok', rows: 100 },
  );
});

test('a key function cannot grow the list max() is scanning (it used to run out of memory)', (t) => {
  const { err } = run('x = [1, 2]\ny = max(x, key = lambda e: x.append(1) or e)\n');
  t.truthy(err);
  t.is(err!.msg, 'append: cannot append to list during iteration');
  t.true(err instanceof StarlarkError);
});

test('a repr that fails part-way through a list leaves nothing behind for the next repr (its scratch text is reset)', (t) => {
  // quote() of 70M control bytes would be 280M bytes (\x01 each): over the string limit.
  const r = run('x = ["a", None, "\\x01" * 70000000]\ny = repr(x)\n');
  t.regex(r.err?.message ?? '', /string too large/);
  t.is(repr(makeList([None, 7])), '[None, 7]');
  // A JS string that was never encoded to bytes (a host's mistake) is written whole, not cut to
  // bytes (the interpreter's own repr, before the API decodes its UTF-8).
  t.is(reprBytes(makeList([None, 'a\u20ac' as Value, 1])), '[None, "a\u20ac", 1]');
  t.is(repr(makeList(new Array<Value>(30000).fill(None))).length, 6 * 30000);
});
