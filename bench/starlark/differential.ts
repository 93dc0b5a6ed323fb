// Differential testing of ebb's Starlark interpreter against starlark-go: random
// expressions (seeded) are evaluated by both — starlark-go through the peer's -exprs mode,
// ebb in-process through lib/starlark's API — and their results compared line by line
// (the value's repr, or the error message).
//
// Usage: node --import=tsx bench/starlark/differential.ts [--count N] [--seed S] [--messages]
//   --messages also reports differing error messages (by default only value vs value,
//   and value vs error, disagreements count). Exit status 1 when they disagree.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadInterpreter } from '../../test/conformance/run.ts';
import { prng } from '../../test/helpers/prng.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function generator(seed: number) {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  // small ints only where sizes come from (repetition, ranges, shifts); big ones in bigArith
  const int = () =>
    pick([
      '0',
      '1',
      '-1',
      '2',
      '3',
      '-7',
      '10',
      '255',
      '0x7f',
      '0o17',
      '0b101',
      String(Math.floor(r() * 200 - 100)),
    ]);
  const big = () =>
    pick([
      '1000000007',
      '9007199254740993',
      '-9223372036854775808',
      '123456789012345678901234567890',
      '-(1 << 70)',
      '(1 << 64) - 1',
      '2147483647',
      '-2147483648',
      '4294967296',
      String(Math.floor(r() * 2e9 - 1e9)),
    ]);
  const bigArith = () =>
    `(${big()} ${pick(['+', '-', '*', '//', '%', '&', '|', '^', '==', '<', '>='])} ${pick([big, int])()})`;
  const float = () =>
    pick([
      '0.0',
      '-0.0',
      '1.5',
      '-2.25',
      '1e10',
      '1e-7',
      '3.14159',
      '1e300',
      '0.1',
      '2.0',
      "float('inf')",
      "float('nan')",
      '123456.789',
    ]);
  const str = () =>
    pick([
      '""',
      '"a"',
      '"abc"',
      '"hello world"',
      '"a,b,,c"',
      '"  pad  "',
      '"é"',
      '"AbC"',
      '"x\\ny"',
      '"%s"',
      '"{}"',
      '"banana"',
      '"12"',
      '"Title Case"',
    ]);
  const scalar = (): string => pick([int, int, float, str, () => pick(['None', 'True', 'False'])])();
  const coll = (d: number): string => {
    const n = Math.floor(r() * 4);
    const items = Array.from({ length: n }, () => expr(d + 1));
    switch (pick(['list', 'tuple', 'dict', 'range'])) {
      case 'list':
        return `[${items.join(', ')}]`;
      case 'tuple':
        return n === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
      case 'dict':
        return `{${items.map((x, i) => `${pick([String(i), `"k${i}"`, `${i}.5`])}: ${x}`).join(', ')}}`;
      default:
        return `range(${int()}, ${int()}, ${pick(['1', '2', '-1', '3', '-3'])})`;
    }
  };
  const binops = [
    '+',
    '-',
    '*',
    '/',
    '//',
    '%',
    '<<',
    '>>',
    '&',
    '|',
    '^',
    '==',
    '!=',
    '<',
    '<=',
    '>',
    '>=',
    'in',
    'not in',
    'and',
    'or',
  ];
  const strMethods: Array<() => string> = [
    () => `.upper()`,
    () => `.lower()`,
    () => `.title()`,
    () => `.capitalize()`,
    () => `.strip()`,
    () => `.lstrip(${str()})`,
    () => `.split(${pick(['","', '" "', '', '"a"'])})`,
    () => `.rsplit(${pick(['","', '" "', ''])}, ${pick(['1', '2', '-1'])})`,
    () => `.find(${str()})`,
    () => `.rfind(${str()})`,
    () => `.count(${str()})`,
    () => `.replace(${str()}, ${str()})`,
    () => `.startswith(${str()})`,
    () => `.endswith(${str()})`,
    () => `.partition(${str()})`,
    () => `.splitlines()`,
    () => `.isalpha()`,
    () => `.isdigit()`,
    () => `.isspace()`,
    () => `.istitle()`,
    () => `.join([${str()}, ${str()}])`,
    () => `.format(${scalar()}, ${scalar()})`,
    () => `[${int()}:${int()}:${pick(['1', '-1', '2', '-2'])}]`,
    () => `.index(${str()})`,
    () => `.strip(${str()})`,
  ];
  const fns: Array<(d: number) => string> = [
    (d) => `len(${expr(d + 1)})`,
    (d) => `str(${expr(d + 1)})`,
    (d) => `repr(${expr(d + 1)})`,
    (d) => `bool(${expr(d + 1)})`,
    (d) => `int(${expr(d + 1)})`,
    (d) => `float(${expr(d + 1)})`,
    (d) => `sorted(${coll(d + 1)})`,
    (d) => `sorted(${coll(d + 1)}, reverse = True)`,
    (d) => `list(${coll(d + 1)})`,
    (d) => `tuple(${coll(d + 1)})`,
    (d) => `max(${coll(d + 1)})`,
    (d) => `min(${expr(d + 1)}, ${expr(d + 1)})`,
    (d) => `reversed(${coll(d + 1)})`,
    (d) => `enumerate(${coll(d + 1)})`,
    (d) => `zip(${coll(d + 1)}, ${coll(d + 1)})`,
    (d) => `any(${coll(d + 1)})`,
    (d) => `all(${coll(d + 1)})`,
    (d) => `type(${expr(d + 1)})`,
    (d) => `hash(${str()})`,
    (d) => `"%s %r" % (${expr(d + 1)}, ${expr(d + 1)})`,
    (d) => `"%d|%x|%o" % (${int()}, ${int()}, ${int()})`,
    (d) => `"%g|%e|%f" % (${float()}, ${float()}, ${float()})`,
    (d) => `json.encode(${expr(d + 1)})`,
    (d) => `json.decode(json.encode(${expr(d + 1)}))`,
    (d) => `dict(${coll(d + 1)})`,
    (d) => `[x for x in ${coll(d + 1)} if x]`,
    (d) => `${coll(d + 1)}[${int()}]`,
    (d) => `${coll(d + 1)}[${int()}:${int()}]`,
    (d) => `int(${str()}, ${pick(['0', '10', '16', '36'])})`,
    (d) => `-${expr(d + 1)}`,
    (d) => `~${int()}`,
    () => bigArith(),
    () => `str(${bigArith()})`,
    () => `float(${big()})`,
    () => `int(float(${big()}))`,
    () => `(${big()} >> ${pick(['1', '3', '64', '100'])})`,
    () => `-${big()} // ${int()}`,
    (d) => `not ${expr(d + 1)}`,
    (d) => `(${expr(d + 1)} if ${expr(d + 1)} else ${expr(d + 1)})`,
    (d) => `${str()}${pick(strMethods)()}`,
    (d) => `${str()} * ${int()}`,
    (d) => `chr(${int()})`,
    (d) => `ord(${str()})`,
  ];
  const expr = (d = 0): string => {
    if (d > 3) return scalar();
    const k = r();
    if (k < 0.25) return scalar();
    if (k < 0.35) return coll(d);
    if (k < 0.7) return `(${expr(d + 1)} ${pick(binops)} ${expr(d + 1)})`;
    return pick(fns)(d);
  };
  return expr;
}

async function main(argv: string[]): Promise<number> {
  let count = 2000,
    seed = 1,
    messages = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--count') count = Number(argv[++i]);
    else if (argv[i] === '--seed') seed = Number(argv[++i]);
    else if (argv[i] === '--messages') messages = true;
  }
  const api = await loadInterpreter();
  if (!api) {
    console.error('lib/starlark/index.ts does not exist');
    return 3;
  }
  const gen = generator(seed);
  const exprs = Array.from({ length: count }, () => gen());
  const dir = mkdtempSync(join(tmpdir(), 'star-diff-'));
  const file = join(dir, 'exprs.txt');
  writeFileSync(file, exprs.join('\n') + '\n');
  const peer = execFileSync('bash', [join(ROOT, 'bench/starlark/build-peer.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .trim()
    .split('\n')
    .pop()!;
  const goOut = execFileSync(peer, ['-exprs', file], { encoding: 'utf8', maxBuffer: 256 << 20 }).split('\n');
  rmSync(dir, { recursive: true, force: true });

  const A = api;
  let out: unknown = undefined;
  const capture = new A.Builtin('_out', (_t, _f, args) => {
    out = args[0];
    return A.None;
  });
  const predeclared = { struct: A.structBuiltin, json: A.json, _out: capture };
  let valueDiffs = 0,
    kindDiffs = 0,
    msgDiffs = 0;
  exprs.forEach((e, i) => {
    const thread = new A.Thread({ name: 'expr', maxSteps: 1 << 24, print: () => {} });
    let got: string;
    try {
      out = undefined;
      A.execFile(thread, 'expr.star', `_out(${e})`, predeclared, { allowSet: true });
      got = A.repr(out);
    } catch (err) {
      const m = (err as { msg?: string }).msg ?? (err as Error).message;
      got =
        err instanceof A.StarlarkError
          ? 'ERROR: ' + m.replace(/\n/g, '\\n')
          : `HOST EXCEPTION: ${(err as Error)?.name}: ${(err as Error)?.message}`;
    }
    const want = goOut[i] ?? '<missing>';
    if (got === want || want.startsWith('PANIC: ')) return; // the reference itself crashed
    const gotErr = got.startsWith('ERROR: '),
      wantErr = want.startsWith('ERROR: ');
    if (gotErr && wantErr) {
      msgDiffs++;
      if (!messages) return;
    } else if (gotErr !== wantErr || got.startsWith('HOST')) kindDiffs++;
    else valueDiffs++;
    console.log(`${e}\n  go:  ${want}\n  ebb: ${got}`);
  });
  console.log(
    `${count} expressions (seed ${seed}): ${valueDiffs} value differences, ${kindDiffs} value/error disagreements, ${msgDiffs} differing error messages`,
  );
  return valueDiffs + kindDiffs + (messages ? msgDiffs : 0) === 0 ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
