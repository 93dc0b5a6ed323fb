// lib/starlark: operators on host values (HostValue.binary/unary), host values as dict/set keys,
// non-ASCII messages in host errors, toJS({ints: 'bigint'}), parseFile and checkFile.
import test from 'ava';
import {
  Builtin,
  EvalError,
  Float,
  HostValue,
  None,
  ResolveErrors,
  ScanOrSyntaxError,
  Thread,
  checkFile,
  execFile,
  json,
  makeString,
  parseFile,
  str,
  toJS,
  toStarlark,
  typeName,
  type Value,
  type ast,
} from '../lib/starlark/index.js';

function run(src: string, predeclared: Record<string, Value> = {}, opts = {}): Map<string, Value> {
  return execFile(new Thread(), 'test.star', src, predeclared, opts);
}

function evalError(src: string, predeclared: Record<string, Value> = {}, thread = new Thread()): EvalError {
  try {
    execFile(thread, 'test.star', src, predeclared);
  } catch (e) {
    if (e instanceof EvalError) return e;
    throw e;
  }
  throw new Error('no error');
}

/** Money: an amount in cents of a currency; supports m+m, m-m, m*int, int*m, m//int, -m, +m. */
class Money extends HostValue {
  static calls: string[] = [];
  constructor(
    readonly cents: number,
    readonly cur = 'EUR',
  ) {
    super();
  }
  type(): string {
    return 'money';
  }
  override repr(): string {
    return `${this.cur} ${(this.cents / 100).toFixed(2)}`;
  }
  override hash(): number {
    return this.cents;
  }
  override compare(op: string, other: Value): boolean {
    const eq = other instanceof Money && other.cents === this.cents && other.cur === this.cur;
    if (op === '==') return eq;
    if (op === '!=') return !eq;
    throw new Error(`money ${op} not supported`);
  }
  override binary(op: string, y: Value, side: 'left' | 'right'): Value | undefined {
    Money.calls.push(`${op} ${side}`);
    if (y instanceof Money) {
      if (y.cur !== this.cur) throw new Error(`currency mismatch: ${this.cur} vs ${y.cur}`);
      if (op === '+') return new Money(this.cents + y.cents, this.cur);
      if (op === '-')
        return new Money(side === 'left' ? this.cents - y.cents : y.cents - this.cents, this.cur);
    }
    if (typeof y === 'number') {
      if (op === '*') return new Money(this.cents * y, this.cur);
      if (op === '//' && side === 'left') return new Money(Math.floor(this.cents / y), this.cur);
    }
    return undefined;
  }
  override unary(op: '-' | '+' | '~'): Value | undefined {
    if (op === '-') return new Money(-this.cents, this.cur);
    if (op === '+') return this;
    return undefined;
  }
}

const money = new Builtin(
  'money',
  (_th, _fn, args) => new Money(args[0] as number, args[1] === undefined ? 'EUR' : str(args[1])),
);

test('binary and unary operators call the host hooks', (t) => {
  const g = run(
    `
a = money(150)
b = money(250)
r = [str(m) for m in [a + b, b - a, a * 3, 3 * a, b // 2, -a, +a, a - 1 * 0 * a]]
`,
    { money },
  );
  t.deepEqual(toJS(g.get('r')!), [
    'EUR 4.00',
    'EUR 1.00',
    'EUR 4.50',
    'EUR 4.50',
    'EUR 1.25',
    'EUR -1.50',
    'EUR 1.50',
    'EUR 1.50',
  ]);
});

test('the left operand is asked first, then the right one with side "right"', (t) => {
  Money.calls = [];
  const g = run('x = 2 * money(100)\ny = money(100) * 2\n', { money });
  t.is(str(g.get('x')!), 'EUR 2.00');
  t.is(str(g.get('y')!), 'EUR 2.00');
  t.deepEqual(Money.calls, ['* right', '* left']);
  Money.calls = [];
  const z = run('z = money(500) - money(200)\n', { money }).get('z')!;
  t.is(str(z), 'EUR 3.00');
  t.deepEqual(Money.calls, ['- left']);
});

test('unsupported host operators fail like built-in ones', (t) => {
  t.is(evalError('x = money(1) + "a"\n', { money }).msg, 'unknown binary op: money + string');
  t.is(evalError('x = "a" + money(1)\n', { money }).msg, 'unknown binary op: string + money');
  t.is(evalError('x = 4 // money(1)\n', { money }).msg, 'unknown binary op: int // money');
  t.is(evalError('x = money(1) + 1\n', { money }).msg, 'unknown binary op: money + int');
  t.is(evalError('x = ~money(1)\n', { money }).msg, 'unknown unary op: ~ money');
  t.is(evalError('x = money(1) << 2\n', { money }).msg, 'unknown binary op: money << int');
  // in/not in and comparisons are not operator hooks
  t.is(evalError('x = 1 in money(1)\n', { money }).msg, 'unknown binary op: int in money');
  // errors the hook throws carry the operator's position
  const e = evalError('a = money(1, "EUR")\nb = money(1, "USD")\nc = a + b\n', { money });
  t.is(e.msg, 'currency mismatch: EUR vs USD');
  t.deepEqual(e.pos, { file: 'test.star', line: 3, col: 7 });
  // a value without hooks is still "unknown binary op"
  class Plain extends HostValue {
    type(): string {
      return 'plain';
    }
  }
  t.is(evalError('x = -p\n', { p: new Plain() }).msg, 'unknown unary op: - plain');
  t.is(evalError('x = p * p\n', { p: new Plain() }).msg, 'unknown binary op: plain * plain');
});

test('string % host value is still string formatting', (t) => {
  const g = run('s = "total: %s" % money(1999)\n', { money });
  t.is(str(g.get('s')!), 'total: EUR 19.99');
});

test('augmented assignment goes through the hooks (globals, locals, fields, elements)', (t) => {
  const g = run(
    `
total = money(0)
total += money(100)
total -= money(30)
total *= 2
def f():
    t = money(10)
    for i in range(3):
        t += money(5)
    t = -t
    return t
l = [money(1)]
l[0] += money(2)
d = {"k": money(1)}
d["k"] *= 7
r = f()
`,
    { money },
    { allowGlobalReassign: true },
  );
  t.is(str(g.get('total')!), 'EUR 1.40');
  t.is(str(g.get('r')!), 'EUR -0.25');
  t.is(str(g.get('l')!), '[EUR 0.03]');
  t.is(str(g.get('d')!), '{"k": EUR 0.07}');
});

class Bag extends HostValue {
  iterated = 0;
  constructor(
    readonly items: Value[],
    readonly broken = false,
  ) {
    super();
  }
  type(): string {
    return 'bag';
  }
  override iterate(): Iterator<Value> {
    this.iterated++;
    if (this.broken) throw new Error('bag is broken');
    return this.items[Symbol.iterator]();
  }
}

test('list += any iterable extends the list in place, including host iterables', (t) => {
  const bag = new Bag([1, 2]);
  const g = run(
    `
x = [0]
y = x
x += bag
x += (3,)
x += {"k": 1}
x += range(2)
same = x == y
`,
    { bag },
    { allowGlobalReassign: true },
  );
  t.deepEqual(toJS(g.get('x')!), [0, 1, 2, 3, 'k', 0, 1]);
  t.is(g.get('same'), true);
  t.is(bag.iterated, 1, 'the host value is iterated once');
  const inFunction = (stmt: string) => `def f():\n    x = []\n    ${stmt}\nf()\n`;
  t.is(evalError(inFunction('x += broken'), { broken: new Bag([], true) }).msg, 'bag is broken');
  t.is(evalError(inFunction('x += money(1)'), { money }).msg, 'unknown binary op: list + money');
  t.is(evalError(inFunction('x += 1')).msg, 'unknown binary op: list + int');
  t.is(evalError(inFunction('x += "ab"')).msg, 'unknown binary op: list + string');
  // list + iterable (not augmented) is not an extension
  t.is(evalError('x = [] + bag\n', { bag }).msg, 'unknown binary op: list + bag');
});

// ---------------------------------------------------------------- host values as keys

/** Key has a deliberately poor hash: every key of a group hashes alike. */
class Key extends HostValue {
  constructor(
    readonly id: string,
    readonly group: number,
    readonly kind = 'key',
  ) {
    super();
  }
  type(): string {
    return this.kind;
  }
  override repr(): string {
    return `${this.kind}(${this.id})`;
  }
  override hash(): number {
    return this.group;
  }
  override compare(op: string, other: Value): boolean {
    const eq = other instanceof Key && other.id === this.id && other.kind === this.kind;
    if (op === '==') return eq;
    if (op === '!=') return !eq;
    throw new Error(`${this.kind} ${op} not supported`);
  }
}

const key = new Builtin(
  'key',
  (_th, _fn, args) => new Key(str(args[0]!), args[1] as number, args[2] === undefined ? 'key' : str(args[2])),
);

test('dict keys: equal hashes of unequal host values are distinct keys', (t) => {
  const g = run(
    `
d = {}
d[key("a", 1)] = 1
d[key("b", 1)] = 2
d[key("a", 1)] = 3          # equal to the first key: replaces its value
d[key("a", 1, "other")] = 4 # another host type with the same hash
n = len(d)
va = d[key("a", 1)]
vb = d[key("b", 1)]
has = [key("b", 1) in d, key("c", 1) in d, key("a", 2) in d]
ks = [str(k) for k in d]
got = d.get(key("c", 1), "none")
`,
    { key },
  );
  t.is(g.get('n'), 3);
  t.is(g.get('va'), 3);
  t.is(g.get('vb'), 2);
  t.deepEqual(toJS(g.get('has')!), [true, false, false]);
  t.deepEqual(toJS(g.get('ks')!), ['key(a)', 'key(b)', 'other(a)']);
  t.is(str(g.get('got')!), 'none');
  t.is(evalError('d = {key("a", 1): 1}\nx = d[key("b", 1)]\n', { key }).msg, 'key key(b) not in dict');
});

test('dict keys: delete, re-insert, pop, clear keep host keys apart', (t) => {
  const g = run(
    `
d = {key("a", 7): "A", key("b", 7): "B", key("c", 7): "C"}
pb = d.pop(key("b", 7))
d[key("d", 7)] = "D"
d[key("b", 7)] = "B2"
after = [(str(k), v) for k, v in d.items()]
d.clear()
d[key("c", 7)] = "C2"
d[key("a", 7)] = "A2"
final = [(str(k), v) for k, v in d.items()]
missing = d.pop(key("b", 7), "gone")
`,
    { key },
  );
  t.is(str(g.get('pb')!), 'B');
  t.deepEqual(toJS(g.get('after')!), [
    ['key(a)', 'A'],
    ['key(c)', 'C'],
    ['key(d)', 'D'],
    ['key(b)', 'B2'],
  ]);
  t.deepEqual(toJS(g.get('final')!), [
    ['key(c)', 'C2'],
    ['key(a)', 'A2'],
  ]);
  t.is(str(g.get('missing')!), 'gone');
});

test('dict keys: duplicate-key check, dict ==, sets and tuples holding host values', (t) => {
  t.is(evalError('d = {key("a", 1): 1, key("a", 1): 2}\n', { key }).msg, 'duplicate key: key(a)');
  const g = run(
    `
ok = {key("a", 1): 1, key("b", 1): 2}
same = ok == {key("b", 1): 2, key("a", 1): 1}
diff = ok == {key("a", 1): 1, key("c", 1): 2}
s = set([key("a", 1), key("b", 1), key("a", 1)])
u = s | set([key("c", 1)])
inter = s & set([key("b", 1), key("z", 1)])
t = {(1, key("a", 5)): "x", (1, key("b", 5)): "y"}
tn = len(t)
tv = t[(1, key("b", 5))]
tf = t.get((1.0, key("a", 5)))
`,
    { key },
  );
  t.is(g.get('same'), true);
  t.is(g.get('diff'), false);
  t.is(str(g.get('s')!), 'set([key(a), key(b)])');
  t.is(str(g.get('u')!), 'set([key(a), key(b), key(c)])');
  t.is(str(g.get('inter')!), 'set([key(b)])');
  t.is(g.get('tn'), 2);
  t.is(str(g.get('tv')!), 'y');
  t.is(str(g.get('tf')!), 'x');
});

test('dict keys: host values without compare are keyed by identity', (t) => {
  class Token extends HostValue {
    type(): string {
      return 'token';
    }
    override hash(): number {
      return 42;
    }
  }
  const a = new Token();
  const b = new Token();
  const g = run('d = {a: 1, b: 2}\nd[a] = 3\nn = len(d)\nva = d[a]\nvb = d[b]\n', { a, b });
  t.is(g.get('n'), 2);
  t.is(g.get('va'), 3);
  t.is(g.get('vb'), 2);
  // unhashable host values still fail
  class Unhashable extends HostValue {
    type(): string {
      return 'unhashable_thing';
    }
  }
  t.is(evalError('d = {u: 1}\n', { u: new Unhashable() }).msg, 'unhashable type: unhashable_thing');
});

test('ints and strings stay fast-path keys next to host keys', (t) => {
  const g = run(
    `
d = {1: "int", "1": "str", 1.5: "float", None: "none", key("a", 1): "host", (1,): "tuple"}
r = [d[1], d[1.0], d["1"], d[1.5], d[None], d[key("a", 1)], d[(1,)], len(d)]
`,
    { key },
  );
  t.deepEqual(toJS(g.get('r')!), ['int', 'int', 'str', 'float', 'none', 'host', 'tuple', 6]);
});

// ---------------------------------------------------------------- non-ASCII host errors

test('a host Error with a non-ASCII message surfaces intact', (t) => {
  const boom = new Builtin('boom', () => {
    throw new Error('café – 東京 😀');
  });
  const e = evalError('boom()\n', { boom });
  t.is(e.msg, 'café – 東京 😀');
  t.is(e.message, 'test.star:1:5: café – 東京 😀');
  t.true(e.backtrace().endsWith('Error in boom: café – 東京 😀'));
  // through a Starlark function, and from a host value's attribute and call capabilities
  class Sick extends HostValue {
    type(): string {
      return 'sick';
    }
    override attr(name: string): Value | undefined {
      throw new Error(`pas de champ « ${name} »`);
    }
    override call(): Value {
      throw new Error('appel refusé');
    }
  }
  t.is(evalError('def f():\n    boom()\nf()\n', { boom }).msg, 'café – 東京 😀');
  t.is(evalError('x = s.é\n', { s: new Sick() }).msg, 'pas de champ « é »');
  t.is(evalError('x = s()\n', { s: new Sick() }).msg, 'appel refusé');
  // host attribute names are JS strings too
  class Accent extends HostValue {
    type(): string {
      return 'accent';
    }
    override attr(name: string): Value | undefined {
      return name === 'é' ? makeString('accent aigu') : undefined;
    }
    override attrNames(): string[] {
      return ['é'];
    }
  }
  const g = run('r = [h.é, dir(h), hasattr(h, "é"), getattr(h, "é")]\n', { h: new Accent() });
  t.deepEqual(toJS(g.get('r')!), ['accent aigu', ['é'], true, 'accent aigu']);
  // a thrown non-Error value
  const odd = new Builtin('odd', () => {
    throw 'naïve';
  });
  t.is(evalError('odd()\n', { odd }).msg, 'naïve');
});

test('internal messages with non-ASCII text are not encoded twice', (t) => {
  t.is(evalError('fail("é", "ü")\n').msg, 'fail: é ü');
  t.is(evalError('d = {}\nx = d["clé"]\n').msg, 'key "clé" not in dict');
  t.is(evalError('x = "é" + 1\n').msg, 'unknown binary op: string + int');
  const e = evalError('x = money(1) - "é"\n', { money });
  t.is(e.msg, 'unknown binary op: money - string');
});

test('non-ASCII host errors inside json.encode, load and hooks', (t) => {
  class BadJSON extends HostValue {
    type(): string {
      return 'bad';
    }
    override toJSON(): unknown {
      throw new Error('données invalides');
    }
  }
  t.is(
    evalError('x = json.encode([1, b])\n', { b: new BadJSON(), json }).msg,
    'json.encode: at list index 1: données invalides',
  );
  const th = new Thread({
    load: () => {
      throw new Error('module introuvable: ç');
    },
  });
  t.is(evalError('load("m.star", "x")\n', {}, th).msg, 'cannot load m.star: module introuvable: ç');
  const e = evalError('a = money(1, "EUR")\nb = money(1, "€")\nc = a + b\n', { money });
  t.is(e.msg, 'currency mismatch: EUR vs €');
});

// ---------------------------------------------------------------- toJS ints option

test('toJS with ints: "bigint" returns every int as bigint and floats as numbers', (t) => {
  const g = run('v = {"a": [1, 2.0, -3, 2 * 100000000000000000000], "b": (0, 0.5), 7: set([1])}\n');
  const v = g.get('v')!;
  const m = toJS(v, { ints: 'bigint' }) as Map<unknown, unknown>;
  t.deepEqual(m.get('a'), [1n, 2, -3n, 200000000000000000000n]);
  t.deepEqual(m.get('b'), [0n, 0.5]);
  t.deepEqual([...m.keys()], ['a', 'b', 7n]);
  t.deepEqual(m.get(7n), new Set([1n]));
  // the default is unchanged
  const d = toJS(v) as Map<unknown, unknown>;
  t.deepEqual(d.get('a'), [1, 2, -3, 200000000000000000000n]);
  t.deepEqual(toJS(v, {}), d);
  t.is(toJS(2, { ints: 'bigint' }), 2n);
  t.is(toJS(new Float(2), { ints: 'bigint' }), 2);
  t.is(toJS(true, { ints: 'bigint' }), true);
  t.is(toJS(None, { ints: 'bigint' }), null);
  t.is(toJS(toStarlark(-0), { ints: 'bigint' }), 0n);
});

// ---------------------------------------------------------------- parseFile / checkFile

function findQueryStrings(file: ast.File): string[] {
  const out: string[] = [];
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(visit);
    if (n === null || typeof n !== 'object') return;
    const node = n as { kind?: string };
    if (node.kind === 'Call') {
      const c = n as ast.CallExpr;
      const a = c.args[0];
      if (
        c.fn.kind === 'Ident' &&
        str(c.fn.name) === 'query' &&
        a &&
        a.value.kind === 'Literal' &&
        a.value.tok === 'STRING'
      ) {
        out.push(str(a.value.value as string));
      }
    }
    for (const [k, v] of Object.entries(n)) if (k !== 'binding' && k !== 'module' && k !== 'fn') visit(v);
    if (node.kind === 'Call') visit((n as ast.CallExpr).fn);
    if (node.kind === 'Def') visit((n as ast.DefStmt).fn?.body);
  };
  visit(file.stmts);
  return out;
}

test('parseFile returns the AST without resolving or running', (t) => {
  const f = parseFile(
    'm.star',
    'rows = query("select \'é\' from t")\ndef g():\n    return query("select 2")\nundefined_name\n',
  );
  t.is(f.kind, 'File');
  t.is(f.name, 'm.star');
  t.is(f.stmts.length, 3);
  t.deepEqual(findQueryStrings(f), ["select 'é' from t", 'select 2']);
  const e = t.throws(() => parseFile('bad.star', 'x = (\n'), { instanceOf: ScanOrSyntaxError });
  t.is(e.pos.file, 'bad.star');
  t.throws(() => parseFile('deep.star', 'x = ' + '('.repeat(20000) + '1' + ')'.repeat(20000) + '\n'), {
    instanceOf: ScanOrSyntaxError,
  });
});

test('checkFile resolves against predeclared names and options without executing', (t) => {
  const src = 'rows = query("select 1")\nfor r in rows:\n    pass\ndef f(x):\n    return x + missing\n';
  const th = new Thread();
  const e = t.throws(() => checkFile('m.star', src, ['query']), { instanceOf: ResolveErrors });
  t.deepEqual(
    e.errors.map((x) => x.msg),
    ['for loop not within a function', 'undefined: missing'],
  );
  const f = checkFile('m.star', src, new Set(['query', 'missing']), { allowToplevelControl: true });
  t.is(f.module!.globals.map((b) => str(b.name)).join(','), 'rows,r,f');
  t.is(th.steps, 0);
  // universe names need not be listed; nothing runs (fail() would throw)
  t.notThrows(() => checkFile('m.star', 'x = len([1]) + fail("never")\n', []));
  t.throws(() => checkFile('m.star', 'x = 1 +\n', []), { instanceOf: ScanOrSyntaxError });
  t.throws(() => checkFile('m.star', 'while True:\n    pass\n', [], { allowToplevelControl: true }), {
    instanceOf: ResolveErrors,
  });
  t.notThrows(() =>
    checkFile('m.star', 'def f():\n    while True:\n        pass\n', [], { allowWhile: true }),
  );
  // non-ASCII predeclared names
  t.notThrows(() => checkFile('m.star', 'x = café\n', ['café']));
  t.is(typeName(makeString('x')), 'string');
});
