import test from 'ava';
import {
  Builtin,
  EvalError,
  Float,
  HostValue,
  NoSuchAttrError,
  None,
  ResolveErrors,
  ScanOrSyntaxError,
  Thread,
  call,
  execFile,
  freeze,
  json,
  makeDict,
  makeList,
  makeString,
  makeStruct,
  repr,
  runScriptFile,
  str,
  structBuiltin,
  toJS,
  toStarlark,
  typeName,
  unpackArgs,
  unpack,
  int,
  string,
  type Kind,
  type Value,
} from '../lib/starlark/index.js';

function run(src: string, predeclared: Record<string, Value> = {}, opts = {}): Map<string, Value> {
  return execFile(new Thread(), 'test.star', src, predeclared, opts);
}

function evalError(src: string, opts = {}, thread = new Thread()): EvalError {
  try {
    execFile(thread, 'test.star', src, {}, opts);
  } catch (e) {
    if (e instanceof EvalError) return e;
    throw e;
  }
  throw new Error('no error');
}

test('execFile returns frozen globals', (t) => {
  const g = run('x = 1 + 2\ny = [x, "a"]\ndef f(): return 42\n');
  t.is(g.get('x'), 3);
  t.deepEqual(toJS(g.get('y')!), [3, 'a']);
  t.is(typeName(g.get('f')!), 'function');
  t.is(toJS(call(new Thread(), g.get('f')!, [])), 42);
  t.true(Object.isFrozen(g) === false && g.size === 3);
  const appendErr = evalErrorFromCall(g.get('y')!);
  t.regex(appendErr.msg, /cannot append to frozen list/);
});

function evalErrorFromCall(list: Value): EvalError {
  const g = run('def add(l): l.append(1)\n');
  try {
    call(new Thread(), g.get('add')!, [list]);
  } catch (e) {
    if (e instanceof EvalError) return e;
    throw e;
  }
  throw new Error('no error');
}

test('toStarlark/toJS round trips, including bigint', (t) => {
  const big = 2n ** 100n;
  const v = toStarlark({ a: 1, b: [true, null, 'é'], c: big, d: 1.5, e: new Uint8Array([1, 2]) });
  t.is(typeName(v), 'dict');
  const back = toJS(v) as Map<string, unknown>;
  t.is(back.get('a'), 1);
  t.deepEqual(back.get('b'), [true, null, 'é']);
  t.is(back.get('c'), big);
  t.is(back.get('d'), 1.5);
  t.deepEqual(back.get('e'), new Uint8Array([1, 2]));
  t.is(toJS(toStarlark(Number.MAX_SAFE_INTEGER + 1)), BigInt(Number.MAX_SAFE_INTEGER) + 1n);
  t.is(typeName(new Float(2)), 'float');
  t.is(str(new Float(2)), '2.0');
  t.is(repr(makeString('é"')), '"é\\""');
  t.throws(() => toJS(structBuiltin), { instanceOf: TypeError });
});

test('strings are UTF-8 byte strings inside, JS strings outside', (t) => {
  const g = run('s = "héllo"\nn = len(s)\ncps = list(s.codepoints())\nu = s.upper()\n');
  t.is(g.get('n'), 6);
  t.deepEqual(toJS(g.get('cps')!), ['h', 'é', 'l', 'l', 'o']);
  t.is(toJS(g.get('u')!), 'HÉLLO');
  t.is(str(g.get('s')!), 'héllo');
});

class Point extends HostValue {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {
    super();
  }
  type(): string {
    return 'point';
  }
  override repr(): string {
    return `point(${this.x}, ${this.y})`;
  }
  override attr(name: string): Value | undefined {
    return name === 'x' ? this.x : name === 'y' ? this.y : undefined;
  }
  override attrNames(): string[] {
    return ['x', 'y'];
  }
  override len(): number {
    return 2;
  }
  override index(i: number): Value {
    return i === 0 ? this.x : this.y;
  }
  override hash(): number {
    return this.x * 31 + this.y;
  }
  override compare(op: string, other: Value): boolean {
    const eq = other instanceof Point && other.x === this.x && other.y === this.y;
    if (op === '==') return eq;
    if (op === '!=') return !eq;
    throw new Error(`point ${op} not supported`);
  }
}

test('HostValue capabilities: attr, dir, len, index, hash, compare, call', (t) => {
  const mk = new Builtin('point', (_th, fn, args, kwargs) => {
    const [x, y] = unpackArgs(fn.name, args, kwargs, 'x', 'y?');
    return new Point(x as number, (y ?? 0) as number);
  });
  const g = run(
    'p = point(1, y=2)\n' +
      'r = [p.x, p.y, len(p), p[1], dir(p), str(p), type(p)]\n' +
      'd = {p: "here"}\n' +
      'same = p == point(1, 2)\n',
    { point: mk },
  );
  t.deepEqual(toJS(g.get('r')!), [1, 2, 2, 2, ['x', 'y'], 'point(1, 2)', 'point']);
  t.is(g.get('same'), true);
  t.is(str(g.get('d')!), '{point(1, 2): "here"}');
  const e = t.throws(() => execFile(new Thread(), 'h.star', 'p = point(1)\nq = p.z\n', { point: mk }), {
    instanceOf: EvalError,
  });
  t.is(e.msg, 'point has no .z field or method');
  t.deepEqual(e.pos, { file: 'h.star', line: 2, col: 6 });
});

test('Builtin + unpackArgs error messages', (t) => {
  const f = new Builtin('f', (_th, fn, args, kwargs) => {
    const [a, b] = unpackArgs(fn.name, args, kwargs, 'a', 'b?');
    return makeList([a!, b ?? None]);
  });
  const g = run('r = f(1)\ns = f(b=2, a=1)\n', { f });
  t.is(str(g.get('r')!), '[1, None]');
  t.is(str(g.get('s')!), '[1, 2]');
  const msgs: string[] = [];
  for (const src of ['f()', 'f(1, z=3)', 'f(1, 2, 3)']) {
    try {
      execFile(new Thread(), 'x.star', src, { f });
    } catch (e) {
      msgs.push((e as EvalError).msg);
    }
  }
  t.deepEqual(msgs, [
    'f: missing argument for a',
    'f: unexpected keyword argument "z"',
    'f: got 3 arguments, want at most 2',
  ]);
});

test('step limit and cancel stop runaway loops', (t) => {
  const e = evalError(
    'def f():\n  for i in range(1 << 62):\n    pass\nf()\n',
    {},
    new Thread({ maxSteps: 10000 }),
  );
  t.is(e.msg, 'Starlark computation cancelled: too many steps');
  const th = new Thread();
  const tick = new Builtin('tick', (thread) => {
    thread.cancel('deadline');
    return None;
  });
  let err: unknown;
  try {
    execFile(th, 'c.star', 'def f():\n  tick()\n  for i in range(1 << 62):\n    pass\nf()\n', { tick });
  } catch (e) {
    err = e;
  }
  t.true(err instanceof EvalError);
  t.is((err as EvalError).msg, 'Starlark computation cancelled: deadline');
  t.true(th.steps > 0);
});

test('error positions and backtraces', (t) => {
  const e = evalError('def g(x):\n  return x + "a"\n\ndef f():\n  return g(1)\n\nf()\n');
  t.is(e.msg, 'unknown binary op: int + string');
  t.deepEqual(e.pos, { file: 'test.star', line: 2, col: 12 });
  t.is(e.message, 'test.star:2:12: unknown binary op: int + string');
  t.is(
    e.backtrace(),
    'Traceback (most recent call last):\n' +
      '  test.star:7:2: in <toplevel>\n' +
      '  test.star:5:11: in f\n' +
      '  test.star:2:12: in g\n' +
      'Error: unknown binary op: int + string',
  );
  const b = evalError('x = len(1)\n');
  t.is(b.msg, 'len: value of type int has no len');
  t.true(b.backtrace().endsWith('Error in len: len: value of type int has no len'));
  const f = evalError('fail("boom", 1)\n');
  t.is(f.msg, 'fail: boom 1');
});

test('thread.position() is the call being executed: at top level, inside functions, in a loaded module, and after an error; EvalError.cause is what a builtin threw', (t) => {
  const seen: string[] = [];
  const where = new Builtin('where', (thread) => {
    const p = thread.position();
    seen.push(p === undefined ? 'none' : `${p.file}:${p.line}:${p.col}`);
    return None;
  });
  const thread = new Thread({
    load: (th, module) => execFile(th, module, 'def helper():\n    where()\nwhere()\n', { where }),
  });
  t.is(thread.position(), undefined, 'nothing runs yet');
  execFile(
    thread,
    'main.star',
    'load("lib.star", "helper")\nwhere()\ndef f(x):\n    if x:\n        where()\n    return [where() for _ in range(1)]\nf(True)\nhelper()\n  # a comment\nf(False)\n',
    { where },
  );
  t.deepEqual(seen, [
    'lib.star:3:6',
    'main.star:2:6',
    'main.star:5:14',
    'main.star:6:18',
    'lib.star:2:10',
    'main.star:6:18',
  ]);
  t.is(thread.position(), undefined, 'nothing runs any more');
  t.throws(() => execFile(thread, 'bad.star', 'def g():\n    fail("x")\ng()\n', {}));
  t.is(thread.position(), undefined, 'an error unwinds the frames too');
  // What a builtin threw is the EvalError's cause.
  const thrown = new Error('host says no');
  const boom = new Builtin('boom', () => {
    throw thrown;
  });
  const err = t.throws(() => execFile(new Thread(), 'c.star', 'boom()\n', { boom }), {
    instanceOf: EvalError,
  });
  t.is(err!.cause, thrown);
  t.is(err!.message, 'c.star:1:5: host says no');
});

test('syntax errors carry a position; resolve errors are all reported', (t) => {
  const s = t.throws(() => run('x = (1,\n'), { instanceOf: ScanOrSyntaxError });
  t.is(s.pos.file, 'test.star');
  const r = t.throws(() => run('def f():\n  return y + z\nx = 1\nx = 2\n'), { instanceOf: ResolveErrors });
  t.deepEqual(
    r.errors.map((e) => `${e.pos.line}:${e.pos.col} ${e.msg}`),
    ['4:1 cannot reassign global x declared at test.star:3:1', '2:10 undefined: y', '2:14 undefined: z'],
  );
});

test('deep recursion and deep nesting become Starlark errors', (t) => {
  const e = evalError('def f(n): return f(n + 1)\nf(0)\n', { allowRecursion: true });
  t.regex(e.msg, /stack overflow/);
  const r = evalError('def f(n): return f(n)\nf(0)\n');
  t.is(r.msg, 'function f called recursively');
  const deep = 'x = ' + '('.repeat(5000) + '1' + ')'.repeat(5000) + '\n';
  t.throws(() => run(deep), { instanceOf: ScanOrSyntaxError });
});

test('freeze, json and struct exports', (t) => {
  const l = makeList([1, 2]);
  freeze(l);
  const e = t.throws(() => call(new Thread(), run('def f(l): l.append(3)\n').get('f')!, [l]), {
    instanceOf: EvalError,
  });
  t.is(e.msg, 'append: cannot append to frozen list');
  const g = run('s = json.encode({"b": [1, 2.5, None], "a": st})\nd = json.decode(s)\n', {
    json,
    st: makeStruct({ k: makeString('v') }),
  });
  t.is(toJS(g.get('s')!), '{"a":{"k":"v"},"b":[1,2.5,null]}');
  t.is(str(g.get('d')!), '{"a": {"k": "v"}, "b": [1, 2.5, None]}');
  t.is(str(makeDict([[makeString('x'), 1]])), '{"x": 1}');
});

test('runScriptFile prints to stdout and reports errors with backtraces', async (t) => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'star-'));
  const ok = join(dir, 'ok.star');
  writeFileSync(ok, 'x = 0\nwhile x < 3:\n  x += 1\nprint("x is", x, struct(a=1), json.encode([x]))\n');
  let out = '';
  let err = '';
  t.is(runScriptFile(ok, { stdout: (s) => (out += s), stderr: (s) => (err += s) }), 0);
  t.is(out, 'x is 3 struct(a = 1) [3]\n');
  t.is(err, '');
  const bad = join(dir, 'bad.star');
  writeFileSync(bad, 'def f():\n  return {}["k"]\nf()\n');
  out = '';
  t.is(runScriptFile(bad, { stdout: (s) => (out += s), stderr: (s) => (err += s) }), 1);
  t.is(out, '');
  t.true(err.startsWith(`${bad}:2:12: key "k" not in dict\nTraceback (most recent call last):\n`));
  t.true(err.includes(`  ${bad}:3:2: in <toplevel>\n`));
});

test('a host value refusing an unknown field with NoSuchAttrError gets a "did you mean" from its attrNames', (t) => {
  class Settable extends HostValue {
    readonly fields = new Map<string, Value>([['forty_five', 45]]);
    type(): string {
      return 'settable';
    }
    override attr(name: string): Value | undefined {
      return this.fields.get(name);
    }
    override attrNames(): string[] {
      return [...this.fields.keys()];
    }
    setField(name: string, v: Value): void {
      if (!this.fields.has(name)) throw new NoSuchAttrError(`settable has no .${name} field`);
      this.fields.set(name, v);
    }
  }
  const msgOf = (src: string): string => {
    try {
      execFile(new Thread(), 'x.star', src, { s: new Settable() });
      return '';
    } catch (e) {
      return (e as EvalError).msg;
    }
  };
  t.is(msgOf('s.fortyFive = 1\n'), 'settable has no .fortyFive field (did you mean .forty_five?)');
  t.is(msgOf('s.zzz = 1\n'), 'settable has no .zzz field');
  t.is(msgOf('s.forty_five = 2\n'), '');
});

test('unpack: missing arguments are reported before conversions; a conversion that unpacks a nested call names its own parameter, and the outer one after it', (t) => {
  const inner: Kind<number> = {
    convert: (v, no) => {
      // A kind whose conversion binds arguments of its own (as a struct's fields would).
      const [n] = unpack('inner', [v], [], ['n', int]);
      return n > 0 ? n : no(`${n} is not positive`);
    },
  };
  const f = (args: Value[], kwargs: Array<[string, Value]> = []) =>
    unpack('f', args, kwargs, ['a', inner], ['b', string], ['c?', int]);
  t.deepEqual(f([1, 'x']), [1, 'x', undefined]);
  t.deepEqual(
    f(
      [2],
      [
        ['b', 'y'],
        ['c', 3],
      ],
    ),
    [2, 'y', 3],
  );
  t.throws(() => f(['s']), { message: 'f: missing argument for b' });
  t.throws(() => f(['s', 'x']), { message: 'inner: for parameter n: got string, want int' });
  t.throws(() => f([-1, 'x']), { message: 'f: for parameter a: -1 is not positive' });
  t.throws(() => f([1, 'x', 'z']), { message: 'f: for parameter c: got string, want int' });
  t.throws(() => f([1], [['bb', 'x']]), { message: 'f: unexpected keyword argument "bb"' });
  // The optional marker is the spec's, never part of a name (a **kwargs key may be any string).
  t.throws(() => f([1, 'x'], [['c?', 3]]), { message: 'f: unexpected keyword argument "c?"' });
  t.throws(() => f([1, 'x'], [['', 3]]), { message: 'f: unexpected keyword argument ""' });
  t.deepEqual(
    f(
      [],
      [
        ['c', 4],
        ['a', 1],
        ['b', 'z'],
      ],
    ),
    [1, 'z', 4],
  );
  t.throws(() => f([1, 'x'], [['b', 'y']]), { message: 'f: got multiple values for keyword argument b' });
  t.throws(() => f([1, 'x', 2, 3]), { message: 'f: got 4 arguments, want at most 3' });
});
