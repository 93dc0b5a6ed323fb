// A new user's first hour, in process: a validate and a plan to trust in CI, errors with
// codes, leftovers, changed append columns, ebb ls, and the smaller edges.

import test from 'ava';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyCommand } from '../lib/commands/history.js';
import { lsCommand } from '../lib/commands/ls.js';
import { planCommand } from '../lib/commands/plan.js';
import { runCommand } from '../lib/commands/run.js';
import { statusCommand } from '../lib/commands/status.js';
import { validateCommand } from '../lib/commands/validate.js';
import { capture, makeProject, tempDir, writeFiles } from './helpers/project.js';
import { runProject } from './helpers/run.js';
import { withStore } from './helpers/store.js';

const TRACKED =
  '# @kind: tracked\n# @unique_key: id\nfor row in query("SELECT id, email FROM src.users"):\n    save.row(row)\n';

async function validate(root: string) {
  const c = capture();
  const code = await validateCommand({ cwd: root, json: true }, c.io);
  const [line] = c.json();
  return {
    code,
    err: c.err(),
    problems: (line?.['problems'] ?? []) as Array<Record<string, unknown>>,
    unbound: (line?.['unbound'] ?? []) as unknown[],
  };
}

const run = (root: string, selectors: string[] = [], extra: { fullRefresh?: boolean; yes?: boolean } = {}) =>
  runProject(root, { selectors, ...extra });

test("validate on a fresh state passes SQL models that read a .star model's table", async (t) => {
  const root = makeProject({
    'models/src/users.sql': "SELECT * FROM (VALUES (1, 'a@x')) t(id, email)",
    'models/sync/users.star': TRACKED,
    'models/mart/synced.sql': 'SELECT id, email FROM sync.users',
    'models/raw/events.star': 'save.row({"id": 1})\n',
    'models/mart/events.sql': 'SELECT * FROM raw.events',
  });
  const v = await validate(root);
  t.is(v.code, 0, v.err);
  t.deepEqual(v.problems, []);
  // The tracked model's shape is its query's; the other script's columns come from its rows.
  t.deepEqual(v.unbound, [
    {
      model: 'mart.events',
      file: 'models/mart/events.sql',
      reason:
        'it reads raw.events, a .star model whose columns are known only when it runs (run it once: ebb run raw.events)',
    },
  ]);
  t.regex(v.err, /NOTE {2}models\/mart\/events\.sql: not bound: it reads raw\.events/);
  t.is((await run(root)).code, 0);
});

test('validate: a @unique_key naming a missing column fails, with file, line and code', async (t) => {
  const root = makeProject({
    'models/src/users.sql': "SELECT * FROM (VALUES (1, 'a@x')) t(id, email)",
    'models/mart/m.sql': '-- @kind: merge\n-- @unique_key: user_id\nSELECT id, email FROM src.users',
    'models/sync/users.star':
      '# @kind: tracked\n# @unique_key: uid\nfor row in query("SELECT id FROM src.users"):\n    save.row(row)\n',
  });
  const v = await validate(root);
  t.is(v.code, 1);
  t.deepEqual(v.problems.map((p) => [p['file'], p['line'], p['code']]).sort(), [
    ['models/mart/m.sql', 2, 'EBB_UNIQUE_KEY'],
    ['models/sync/users.star', 3, 'EBB_UNIQUE_KEY'],
  ]);
  t.regex(
    String(v.problems[0]!['message']),
    /@unique_key names \w+, which the query does not return \(its columns: /,
  );
});

test('validate --json lists directive, name, syntax and cycle problems with file, line and code', async (t) => {
  const directives = await validate(
    makeProject({ 'models/a/x.sql': '-- @kin: table\nSELECT 1', 'models/a/bad-name.sql': 'SELECT 1' }),
  );
  t.is(directives.code, 1);
  t.deepEqual(directives.problems.map((p) => [p['file'], p['line'] ?? null, p['code']]).sort(), [
    ['models/a/bad-name.sql', null, 'EBB_MODEL_NAME'],
    ['models/a/x.sql', 1, 'EBB_DIRECTIVE'],
  ]);
  const cycle = await validate(
    makeProject({ 'models/a/one.sql': 'SELECT * FROM a.two', 'models/a/two.sql': 'SELECT * FROM a.one' }),
  );
  t.is(cycle.code, 1);
  t.like(cycle.problems[0], { code: 'EBB_CYCLE', file: 'models/a/one.sql' });
  const syntax = await validate(
    makeProject({ 'models/a/x.sql': 'SELECT 1\nFROM WHERE', 'models/s/y.star': 'x = (1,\n' }),
  );
  t.deepEqual(syntax.problems.map((p) => [p['file'], p['code']]).sort(), [
    ['models/a/x.sql', 'EBB_SQL_SYNTAX'],
    ['models/s/y.star', 'EBB_STAR_SYNTAX'],
  ]);
  t.like(
    syntax.problems.find((p) => p['code'] === 'EBB_STAR_SYNTAX'),
    { line: 1, col: 8 },
  );
  t.regex(syntax.err, /models\/s\/y\.star:1:8: got end of file, want '\)' \(the '\(' at 1:5 is not closed\)/);
  const none = capture();
  t.is(await validateCommand({ cwd: tempDir(), json: true }, none.io), 2);
  t.like(none.json()[0], { code: 'EBB_NO_PROJECT' });
  t.is(none.json().length, 1);
});

test('a view or table model reading its own table is a cycle', async (t) => {
  const root = makeProject({
    'models/a/me.sql': 'SELECT * FROM a.me',
    'models/a/other.sql': 'SELECT 1 AS x',
  });
  const v = await validate(root);
  t.deepEqual(
    v.problems.map((p) => [p['file'], p['code']]),
    [['models/a/me.sql', 'EBB_CYCLE']],
  );
  t.regex(
    String(v.problems[0]!['message']),
    /dependency cycle: a\.me → a\.me \(a table model reads its own table/,
  );
  const r = await run(root, ['a.me']);
  t.like(r.results[0], { model: 'a.me', status: 'error', code: 'EBB_CYCLE' });
});

test('plan builds the upstream SQL models in its rolled-back transaction: no Catalog Error on a fresh state, no stale tables', async (t) => {
  const root = makeProject({
    'models/src/users.sql': "SELECT * FROM read_csv('users.csv')",
    'models/sync/users.star': TRACKED,
  });
  writeFileSync(join(root, 'users.csv'), 'id,email\n1,a@x\n2,b@x\n');
  const fresh = capture();
  t.is(await planCommand({ cwd: root, selectors: ['sync.users'], json: true }, fresh.io), 0, fresh.err());
  t.like(fresh.json()[0], { model: 'sync.users', new: 2, changed: 0, deleted: 0 });
  // Nothing was written: the upstream table built for the plan was rolled back.
  t.is(await withStore(root, (s) => s.objectType('src', 'users')), undefined);
  t.is((await run(root)).code, 0);
  writeFileSync(join(root, 'users.csv'), 'id,email\n1,a@x\n2,B@x\n3,c@x\n');
  const after = capture();
  t.is(await planCommand({ cwd: root, selectors: ['sync.users'], json: true }, after.io), 0, after.err());
  t.like(after.json()[0], { new: 1, changed: 1, deleted: 0 });
  t.is(await withStore(root, (s) => s.scalar('SELECT count(*)::INT FROM src.users')), 2);
});

test('plan says which upstream .star tables it did not rebuild, and refuses one that never ran', async (t) => {
  const root = makeProject({
    'models/raw/users.star': 'save.row({"id": 1, "email": "a@x"})\n',
    'models/sync/users.star':
      '# @kind: tracked\n# @unique_key: id\nfor row in query("SELECT id, email FROM raw.users"):\n    save.row(row)\n',
  });
  const before = capture();
  t.is(await planCommand({ cwd: root, selectors: ['sync.users'], json: true }, before.io), 1);
  t.like(before.json()[0], { model: 'sync.users', code: 'EBB_PLAN' });
  t.regex(
    String(before.json()[0]!['error']),
    /upstream model raw\.users has not run yet and plan does not run scripts .*run it first: ebb run raw\.users/,
  );
  t.is((await run(root, ['raw.users'])).code, 0);
  const after = capture();
  t.is(await planCommand({ cwd: root, selectors: ['sync.users'] }, after.io), 0, after.err());
  t.regex(after.out(), /PLAN {2}sync\.users {2}new 1/);
  t.regex(
    after.out(),
    /note: upstream raw\.users not rebuilt \(plan does not run scripts\): as of its last run/,
  );
});

test('errors carry codes in run --json, in _ebb.runs and in history --json', async (t) => {
  const root = makeProject({
    'models/a/dup.sql':
      '-- @kind: merge\n-- @unique_key: id\nSELECT * FROM (VALUES (1), (1), (2), (2), (2), (3)) t(id)',
    'models/a/after.sql': 'SELECT * FROM a.dup',
  });
  const r = await run(root);
  t.is(r.code, 1);
  t.like(
    r.results.find((x) => x['model'] === 'a.dup'),
    { status: 'error', code: 'EBB_DUPLICATE_KEY' },
  );
  t.regex(
    String(r.results.find((x) => x['model'] === 'a.dup')!['error']),
    /merge key \(id=2\) appears 3 times in the model's result \(and 1 other key repeats: 2 in all\)/,
  );
  t.like(
    r.results.find((x) => x['model'] === 'a.after'),
    { status: 'skipped', code: 'EBB_UPSTREAM_FAILED' },
  );
  t.like(r.summary, { summary: true, ok: 0, error: 1, skipped: 1, exit_code: 1 });
  const stored = await withStore(root, (s) =>
    s.queryJson('SELECT model, error_code FROM _ebb.runs ORDER BY model'),
  );
  t.deepEqual(stored, [
    { model: 'a.after', error_code: 'EBB_UPSTREAM_FAILED' },
    { model: 'a.dup', error_code: 'EBB_DUPLICATE_KEY' },
  ]);
  const h = capture();
  t.is(await historyCommand({ cwd: root, limit: 10, json: true }, h.io), 0);
  t.deepEqual(
    h
      .json()
      .map((x) => x['code'])
      .sort(),
    ['EBB_DUPLICATE_KEY', 'EBB_UPSTREAM_FAILED'],
  );
  // A failure before any model runs is one JSON line with its code too.
  const bad = capture();
  t.is(await runCommand({ cwd: root, selectors: ['nope.nope'], json: true }, bad.io), 2);
  t.like(bad.json()[0], { code: 'EBB_SELECTOR' });
});

test("a .star model that saved no rows: its downstream model's error names it", async (t) => {
  const root = makeProject({
    'models/raw/none.star': 'for x in []:\n    save.row({"id": x})\n',
    'models/mart/after.sql': 'SELECT * FROM raw.none',
  });
  const r = await run(root);
  t.like(
    r.results.find((x) => x['model'] === 'raw.none'),
    { status: 'ok', rows: 0 },
  );
  const after = r.results.find((x) => x['model'] === 'mart.after')!;
  t.like(after, { status: 'error', code: 'EBB_NO_TABLE' });
  t.regex(
    String(after['error']),
    /^models\/mart\/after\.sql: it reads raw\.none, which has no table: .*saved no rows in its last run/,
  );
  t.notRegex(String(after['error']), /did you mean/i);
});

test('leftover tables of deleted models are listed by run with the command that drops them', async (t) => {
  const root = makeProject({ 'models/a/keep.sql': 'SELECT 1 AS x', 'models/a/gone.sql': 'SELECT 2 AS x' });
  t.is((await run(root)).code, 0);
  rmSync(join(root, 'models', 'a', 'gone.sql'));
  const r = await run(root);
  t.is(r.code, 0);
  t.regex(
    r.err,
    /note: 1 table belongs to no model \(a deleted or renamed model\?\); ebb keeps them until you drop them:\n {6}a\.gone +ebb sql "DROP TABLE a\.gone"\n/,
  );
  t.deepEqual(r.summary?.['leftovers'], ['a.gone']);
  const status = capture();
  t.is(await statusCommand({ cwd: root, models: [], limit: 100 }, status.io), 0, status.err());
  t.regex(
    status.out(),
    /leftovers \(tables no model builds.*\n {2}a\.gone {3}ebb sql "DROP TABLE a\.gone"\n/,
  );
});

test('an append model whose columns changed says so and how to rebuild it', async (t) => {
  const root = makeProject({ 'models/a/log.sql': '-- @kind: append\nSELECT 1 AS x' });
  t.is((await run(root)).code, 0);
  writeFiles(root, { 'models/a/log.sql': '-- @kind: append\nSELECT 1 AS x, 2 AS y' });
  const r = await run(root);
  t.like(r.results[0], { status: 'error', code: 'EBB_COLUMNS_CHANGED' });
  t.regex(
    String(r.results[0]!['error']),
    /the model's columns changed \(new: y\).*ebb run --full-refresh a\.log/,
  );
  t.is((await run(root, ['a.log'], { fullRefresh: true, yes: true })).code, 0);
});

test('ebb ls lists kind, dependencies and last run, as a table and as JSON', async (t) => {
  const root = makeProject({
    'models/a/x.sql': 'SELECT 1 AS v',
    'models/b/y.sql': '-- @kind: view\nSELECT * FROM a.x',
    'models/a/Old.SQL': 'SELECT 1',
  });
  await run(root, ['a.x']);
  const c = capture();
  t.is(await lsCommand({ cwd: root, json: true }, c.io), 0, c.err());
  const [x, y] = c.json();
  t.like(x, {
    model: 'a.x',
    kind: 'table',
    language: 'sql',
    depends_on: [],
    last_run: { status: 'ok', rows: 1 },
  });
  t.like(y, { model: 'b.y', kind: 'view', depends_on: ['a.x'], last_run: null });
  // A model file with an upper-case extension is not read: said, not silently ignored.
  t.regex(c.err(), /warning: models\/a\/Old\.SQL: ignored: model files end in \.sql \(lower case\)/);
  const table = capture();
  t.is(await lsCommand({ cwd: root }, table.io), 0);
  t.regex(table.out(), /^model +kind +file +depends on +last run\n/);
  t.regex(table.out(), /b\.y +view +models\/b\/y\.sql +a\.x +never\n/);
});

test('ebb star folds the frames of runaway recursion, as Python does', async (t) => {
  const { starCommand } = await import('../lib/commands/star.js');
  const root = makeProject({ 'rec.star': 'def f(n):\n    return f(n + 1)\nf(0)\n' });
  const c = capture();
  t.is(await starCommand(join(root, 'rec.star'), c.io), 1);
  const lines = c.err().trimEnd().split('\n');
  t.true(lines.length < 10, c.err());
  t.regex(
    c.err(),
    /rec\.star:2:13: Starlark stack overflow[^\n]*\nTraceback \(most recent call last\):\n {2}\S+rec\.star:3:2: in <toplevel>\n( {2}\S+rec\.star:2:13: in f\n){3} {2}\[Previous line repeated \d{3,} more times\]\n/,
  );
});
