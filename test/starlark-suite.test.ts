// ebb's own Starlark language suite: test/starlark/*.star (chunked files, validated
// against starlark-go by bench/starlark/validate-suite.sh) run through the conformance
// harness with our test/starlark/assert.star. No network or apt needed: this is what
// CI runs for the language. One ava test per .star file.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ROOT, INTERPRETER_PATH, readChunks, suiteFiles } from './conformance/run.ts';

interface Summary {
  passed: number;
  total: number;
  files: Array<{
    file: string;
    passed: number;
    total: number;
    error?: string;
    failures: Array<{ chunk: number; line: number; first: string; problems: string[] }>;
  }>;
}

const files = suiteFiles();
const interpreterExists = existsSync(INTERPRETER_PATH);

test('the suite covers every area of the language', (t) => {
  const names = files.map((f) => basename(f));
  for (const want of [
    'lexical.star',
    'numbers.star',
    'strings.star',
    'collections.star',
    'functions.star',
    'control.star',
    'resolve.star',
    'builtins.star',
    'json.star',
    'load.star',
    'newer.star',
  ]) {
    t.true(names.includes(want), `missing test/starlark/${want}`);
  }
  // Every file is chunked and loads our assert module (not starlark-go's).
  for (const f of files) {
    const chunks = readChunks(f, readFileSync(f, 'utf8'));
    t.true(chunks.length >= 1);
  }
  t.true(existsSync(join(ROOT, 'test/starlark/assert.star')));
});

let summary: Summary | undefined;
let runError = '';
if (interpreterExists) {
  const r = spawnSync(
    process.execPath,
    ['--import=tsx', join(ROOT, 'test/conformance/run.ts'), '--suite', '--json'],
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 180_000,
      maxBuffer: 64 << 20,
    },
  );
  try {
    summary = JSON.parse(r.stdout) as Summary;
  } catch {
    runError = `harness failed (exit ${r.status}, signal ${r.signal}): ${r.stdout.slice(0, 2000)}\n${r.stderr.slice(0, 4000)}`;
  }
} else {
  console.warn('starlark-suite: lib/starlark/index.ts does not exist yet; skipping the .star files');
}

for (const f of files) {
  const name = `test/starlark/${basename(f)}`;
  (interpreterExists ? test : test.skip)(`starlark suite: ${name}`, (t) => {
    if (!summary) {
      t.fail(runError);
      return;
    }
    const r = summary.files.find((x) => x.file === name);
    if (!r) {
      t.fail(`no result for ${name}`);
      return;
    }
    t.is(r.error, undefined);
    const expected = readChunks(f, readFileSync(f, 'utf8')).length;
    t.is(r.total, expected, 'every chunk ran');
    t.deepEqual(
      r.failures.map((c) => `chunk ${c.chunk} (line ${c.line}: ${c.first}):\n  ${c.problems.join('\n  ')}`),
      [],
    );
    t.is(r.passed, expected);
  });
}
