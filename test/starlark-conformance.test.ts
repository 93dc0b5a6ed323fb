// Conformance of lib/starlark against starlark-go's own testdata (fetched from
// Debian's golang-starlark-dev by scripts/fetch-starlark-go.sh, never committed),
// run through test/conformance/run.ts. Every failing chunk must be listed in
// test/conformance/known-differences.json. Skipped when the reference files can't
// be fetched (no apt) or lib/starlark doesn't exist yet.
// Also unit tests of the harness's own pieces (chunk reader, Go regexp/quote handling).

import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  ROOT,
  INTERPRETER_PATH,
  REFERENCE_FILES,
  fetchReference,
  goRegExp,
  goUnquote,
  readChunks,
  bareMessage,
  judge,
  readKnownDifferences,
  type FileResult,
} from './conformance/run.ts';

// ---- harness unit tests (no interpreter needed) ----

test('goUnquote handles Go string literals', (t) => {
  t.is(goUnquote(`"abc"`), 'abc');
  t.is(goUnquote(`"a\\"b\\\\c\\n"`), 'a"b\\c\n');
  t.is(goUnquote('`raw \\d+`'), 'raw \\d+');
  t.is(goUnquote(`"\\x41\\u00e9\\101"`), 'Aé' + 'A');
  t.is(goUnquote(`"bad \\( escape"`), undefined);
  t.is(goUnquote(`no quotes`), undefined);
  t.is(goUnquote(`"unterminated`), undefined);
});

test('goRegExp translates RE2 syntax', (t) => {
  t.true(goRegExp('division by zero').test('floored division by zero'));
  t.true(goRegExp('(?i)HELLO').test('well hello'));
  t.true(goRegExp('[[:digit:]]+x').test('a12x'));
  t.false(goRegExp('[[:digit:]]+x').test('abx'));
  t.true(goRegExp('\\Qa.b(c)\\E$').test('xa.b(c)'));
  t.false(goRegExp('\\Qa.b\\E').test('axb'));
  t.true(goRegExp('(?P<word>ab)c').test('abc'));
  t.true(goRegExp('^abc\\z').test('abc'));
  t.false(goRegExp('^abc\\z').test('abc\n'));
  t.true(goRegExp('\\pL+').test('é'));
});

test('readChunks splits on --- lines, pads line numbers and reads ### expectations', (t) => {
  const src = 'x = 1\ny = 2 ### "boom"\n---\n# second\nz = 3 ### `a\\.b`\n---\nw = 4';
  const chunks = readChunks('f.star', src);
  t.is(chunks.length, 3);
  t.deepEqual(
    chunks.map((c) => c.firstLine),
    [1, 4, 7],
  );
  t.deepEqual([...chunks[0]!.wantErrs.keys()], [2]);
  t.deepEqual([...chunks[1]!.wantErrs.keys()], [5]);
  t.true(chunks[1]!.wantErrs.get(5)!.test('a.b'));
  t.false(chunks[1]!.wantErrs.get(5)!.test('axb'));
  t.is(chunks[2]!.source, '\n'.repeat(6) + 'w = 4');
  t.is(chunks[2]!.wantErrs.size, 0);
});

test('bareMessage strips positions and tracebacks', (t) => {
  const e1 = Object.assign(new Error('a.star:3:5: division by zero'), {
    pos: { file: 'a.star', line: 3, col: 5 },
  });
  t.is(bareMessage(e1), 'division by zero');
  const e2 = new Error('Traceback (most recent call last):\n  a.star:1:1: in <toplevel>\nError in f: boom');
  t.is(bareMessage(e2), 'boom');
  t.is(bareMessage(new Error('plain')), 'plain');
});

test('judge separates unexpected, known and now-passing chunks', (t) => {
  const chunk = (index: number, passed: boolean, problems: string[] = passed ? [] : ['x']) => ({
    index,
    firstLine: 1,
    first: '',
    passed,
    problems,
  });
  const results: FileResult[] = [
    {
      file: 'a.star',
      mode: 'eval',
      passed: 1,
      total: 3,
      chunks: [chunk(0, true), chunk(1, false), chunk(2, false, ['p', 'q'])],
    },
  ];
  const v = judge(results, [
    { file: 'a.star', chunk: 0, reason: 'fixed' },
    { file: 'a.star', chunk: 1, reason: 'known' },
    { file: 'a.star', chunk: 2, reason: 'known', maxFailures: 1 },
  ]);
  t.deepEqual(
    v.nowPassing.map((k) => k.chunk),
    [0],
  );
  t.deepEqual(
    v.known.map((k) => k.chunk.index),
    [1],
  );
  t.deepEqual(
    v.unexpected.map((u) => u.chunk.index),
    [2],
  );
});

test('known-differences.json is well-formed and refers to reference files', (t) => {
  const known = readKnownDifferences();
  t.true(Array.isArray(known));
  for (const k of known) {
    t.true(REFERENCE_FILES.includes(k.file), `unknown file ${k.file}`);
    t.true(Number.isInteger(k.chunk) && k.chunk >= 0);
    t.true(typeof k.reason === 'string' && k.reason.length > 0);
  }
});

// ---- the conformance run ----

const interpreterExists = existsSync(INTERPRETER_PATH);
let skipReason = '';
const ref = interpreterExists
  ? fetchReference((s) => {
      skipReason = s;
    })
  : undefined;
if (!interpreterExists) skipReason = 'lib/starlark/index.ts does not exist yet';
else if (!ref && !skipReason) skipReason = 'starlark-go testdata unavailable';
if (skipReason) console.warn(`starlark-conformance: skipping the conformance run: ${skipReason}`);

interface Summary {
  passed: number;
  total: number;
  files: Array<{ file: string; passed: number; total: number; error?: string }>;
  unexpected: Array<{ file: string; chunk: number; first: string; problems: string[] }>;
  known: Array<{ file: string; chunk: number; reason: string }>;
  nowPassing: Array<{ file: string; chunk: number; reason: string }>;
}

(ref ? test : test.skip)('starlark-go conformance: every failing chunk is a known difference', (t) => {
  const r = spawnSync(process.execPath, ['--import=tsx', join(ROOT, 'test/conformance/run.ts'), '--json'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 180_000,
    maxBuffer: 64 << 20,
  });
  t.is(r.signal, null, `harness killed (${r.signal}); stderr: ${r.stderr}`);
  let s: Summary;
  try {
    s = JSON.parse(r.stdout) as Summary;
  } catch {
    t.fail(
      `harness output is not JSON (exit ${r.status}): ${r.stdout.slice(0, 2000)}\n${r.stderr.slice(0, 2000)}`,
    );
    return;
  }
  t.log(`conformance: ${s.passed}/${s.total} chunks passed; ${s.known.length} known differences`);
  for (const k of s.nowPassing ?? [])
    t.log(`listed in known-differences.json but now passing: ${k.file} chunk ${k.chunk} (${k.reason})`);
  t.is(s.files.length, REFERENCE_FILES.length);
  t.true(s.total >= 170, `only ${s.total} chunks ran`);
  t.deepEqual(
    s.files.filter((f) => f.error).map((f) => `${f.file}: ${f.error}`),
    [],
  );
  t.deepEqual(
    s.unexpected.map(
      (u) => `${u.file} chunk ${u.chunk} (${u.first}):\n  ${u.problems.slice(0, 8).join('\n  ')}`,
    ),
    [],
  );
  t.is(r.status, 0);
});
