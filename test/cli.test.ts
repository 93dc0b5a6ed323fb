// The CLI as a user meets it: a real process, its exit codes, stdout and stderr.

import test from 'ava';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../lib/store/index.js';
import { ebb, ndjson, writeFiles, tempDir } from './helpers/project.js';

test('a new user: init, a Parquet file, healthy, broken and dependent models, run --json from a subfolder', async (t) => {
  const dir = tempDir('ebb-cli-');
  const init = await ebb(['init', 'p'], { cwd: dir });
  t.is(init.code, 0, init.stderr);
  const root = join(dir, 'p');
  // This test is about SQL models: the example's sync model (which needs an API) goes.
  rmSync(join(root, 'models', 'sync'), { recursive: true });
  const s = await Store.open({ path: ':memory:', root });
  await s.exec(
    `COPY (SELECT range AS id, 'n' || range AS name FROM range(100)) TO '${join(root, 'customers.parquet')}' (FORMAT parquet)`,
  );
  s.close();
  writeFiles(root, {
    'models/raw/customers.sql': "SELECT * FROM read_parquet('customers.parquet')",
    'models/mart/customers.sql': 'SELECT id, upper(name) AS name FROM raw.customers',
    'models/mart/latest.sql':
      '-- @kind: merge\n-- @unique_key: id\nSELECT id, name FROM mart.customers WHERE id < 10',
    'models/mart/broken.sql': 'SELECT id, nme FROM raw.customers',
    'models/mart/after_broken.sql': 'SELECT * FROM mart.broken',
  });
  const r = await ebb(['run', '--json'], { cwd: join(root, 'models', 'mart') });
  t.is(r.code, 1);
  const status = Object.fromEntries(ndjson(r.stdout).map((x) => [x['model'], x['status']]));
  t.deepEqual(status, {
    'example.customers': 'ok',
    'raw.customers': 'ok',
    'mart.broken': 'error',
    'mart.after_broken': 'skipped',
    'mart.customers': 'ok',
    'mart.latest': 'ok',
  });
  for (const row of ndjson(r.stdout)) {
    t.deepEqual(
      Object.keys(row).sort(),
      [
        'duration_ms',
        'kind',
        'model',
        'rows',
        'run_id',
        'status',
        ...(row['status'] === 'ok' ? [] : ['error', 'code']),
      ].sort(),
    );
  }
  const code = Object.fromEntries(ndjson(r.stdout).map((x) => [x['model'], x['code']]));
  t.is(code['mart.broken'], 'EBB_SQL_BIND');
  t.is(code['mart.after_broken'], 'EBB_UPSTREAM_FAILED');
  const last = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
  t.like(last, { summary: true, ok: 4, error: 1, skipped: 1, exit_code: 1 });
  t.regex(r.stderr, /models\/mart\/broken\.sql:1: Binder Error: Referenced column "nme" not found/);
  t.regex(r.stderr, /Done in .*: 4 ok, 1 error, 1 skipped/);
});

test('bad invocations exit 2 with a message', async (t) => {
  const dir = tempDir('ebb-cli-');
  writeFiles(dir, { 'models/a/x.sql': 'SELECT 1 AS v' });
  const flag = await ebb(['run', '--nope'], { cwd: dir });
  t.is(flag.code, 2);
  t.regex(flag.stderr, /Unknown argument: nope/);
  const cmd = await ebb(['rnu'], { cwd: dir });
  t.is(cmd.code, 2);
  t.regex(cmd.stderr, /Did you mean run\?/);
  const sel = await ebb(['run', 'a.y'], { cwd: dir });
  t.is(sel.code, 2);
  t.regex(sel.stderr, /no model matches "a\.y"/);
  const none = await ebb([], { cwd: dir });
  t.is(none.code, 2);
  t.is(none.stdout, '');
});

test('--version and --help on every command', async (t) => {
  const v = await ebb(['--version'], { cwd: tmpdir() });
  t.is(v.code, 0);
  t.regex(v.stdout, /^\d+\.\d+\.\d+\n$/);
  for (const cmd of ['init', 'run', 'validate', 'sql', 'history', 'plan', 'star']) {
    const h = await ebb([cmd, '--help'], { cwd: tmpdir() });
    t.is(h.code, 0, cmd);
    t.regex(h.stdout, new RegExp(`ebb ${cmd}`), cmd);
  }
  const top = await ebb(['--help'], { cwd: tmpdir() });
  t.regex(top.stdout, /Commands:[\s\S]*ebb run \[models\.\.\]/);
});

test('ebb sql --csv and --json from the command line', async (t) => {
  const dir = tempDir('ebb-cli-');
  writeFiles(dir, { 'models/a/x.sql': 'SELECT 1 AS v' });
  t.is((await ebb(['run'], { cwd: dir })).code, 0);
  const csv = await ebb(['sql', 'SELECT v FROM a.x', '--csv'], { cwd: dir });
  t.is(csv.stdout, 'v\n1\n');
  const both = await ebb(['sql', 'SELECT 1', '--csv', '--json'], { cwd: dir });
  t.is(both.code, 2);
});

test('ebb star runs a standalone file: print to stdout, errors with position and backtrace to stderr', async (t) => {
  const dir = tempDir('ebb-star-');
  writeFiles(dir, {
    'ok.star':
      'def double(n):\n    return n * 2\nprint(double(21), json.encode({"a": [1, 2.5]}), struct(x=1).x)\n',
    'bad.star': 'def f(d):\n    return d["missing"]\nprint("before")\nf({})\n',
    'syntax.star': 'x = (1,\n',
  });
  const ok = await ebb(['star', 'ok.star'], { cwd: dir });
  t.is(ok.code, 0, ok.stderr);
  t.is(ok.stdout, '42 {"a":[1,2.5]} 1\n');
  t.is(ok.stderr, '');
  const bad = await ebb(['star', 'bad.star'], { cwd: dir });
  t.is(bad.code, 1);
  t.is(bad.stdout, 'before\n');
  t.regex(
    bad.stderr,
    /^bad\.star:2:13: key "missing" not in dict\nTraceback \(most recent call last\):\n {2}bad\.star:4:2: in <toplevel>\n {2}bad\.star:2:13: in f\n/,
  );
  const syntax = await ebb(['star', 'syntax.star'], { cwd: dir });
  t.is(syntax.code, 1);
  t.is(syntax.stdout, '');
  t.regex(syntax.stderr, /^syntax\.star:1:8: got end of file, want '\)' \(the '\(' at 1:5 is not closed\)/);
  const missing = await ebb(['star', 'nope.star'], { cwd: dir });
  t.is(missing.code, 1);
  t.regex(missing.stderr, /nope\.star: ENOENT/);
});
