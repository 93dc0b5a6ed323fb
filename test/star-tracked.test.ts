// Tracked .star models end to end: real DuckDB files, the model's script in its worker.

import test from 'ava';
import { join } from 'node:path';
import { hashVersion } from '../lib/detect/canonical.js';
import { planCommand } from '../lib/commands/plan.js';
import { runCommand } from '../lib/commands/run.js';
import { capture, ebb, makeProject, ndjson, writeFiles } from './helpers/project.js';
import { runProject, linesOf, sentLines } from './helpers/run.js';
import { withStore } from './helpers/store.js';

/** SENDER prints each row it gets as "sent <change> <json>" and acknowledges it. */
const SENDER = `# @kind: tracked
# @unique_key: id
for row in query("SELECT * FROM src.users"):
    print("sent", row.change, json.encode(row), "before", json.encode(row.before))
    save.row(row)
`;

function project(extra: Record<string, string> = {}) {
  return makeProject({
    'models/src/users.sql':
      "-- @kind: table\nSELECT * FROM (VALUES (1, 'a@x', 10), (2, 'b@x', 20), (3, 'c@x', 30)) t(id, email, amount)",
    'models/sync/users.star': SENDER,
    ...extra,
  });
}

async function run(
  root: string,
  selectors: string[] = [],
  extra: { fullRefresh?: boolean; yes?: boolean } = {},
) {
  const r = await runProject(root, { selectors, ...extra });
  return { ...r, sent: sentLines(r), prints: linesOf(r) };
}

function result(r: { results: Array<Record<string, unknown>> }, model: string) {
  return r.results.find((x) => x['model'] === model)!;
}

test('first run gets every row, the second none; an update brings back only that row, with before', async (t) => {
  const root = project();
  const first = await run(root);
  t.is(first.code, 0, first.err);
  t.deepEqual(first.sent, [
    'new {"amount":10,"email":"a@x","id":1} before null',
    'new {"amount":20,"email":"b@x","id":2} before null',
    'new {"amount":30,"email":"c@x","id":3} before null',
  ]);
  t.like(result(first, 'sync.users'), {
    status: 'ok',
    kind: 'tracked',
    rows: 3,
    new: 3,
    changed: 0,
    deleted: 0,
    saved: 3,
    failed: 0,
  });
  const second = await run(root);
  t.deepEqual(second.sent, []);
  t.like(result(second, 'sync.users'), { new: 0, changed: 0, deleted: 0, saved: 0 });
  writeFiles(root, {
    'models/src/users.sql':
      "-- @kind: table\nSELECT * FROM (VALUES (1, 'a@x', 10), (2, 'B@x', 20), (3, 'c@x', 30)) t(id, email, amount)",
  });
  const third = await run(root);
  t.deepEqual(third.sent, [
    'changed {"amount":20,"email":"B@x","id":2} before {"amount":20,"email":"b@x","id":2}',
  ]);
  t.like(result(third, 'sync.users'), { new: 0, changed: 1, saved: 1 });
  const stored = await withStore(root, (s) =>
    s.queryJson('SELECT id, email, _ebb_run_id IS NOT NULL AS has_run FROM sync.users ORDER BY id'),
  );
  t.deepEqual(stored, [
    { id: 1, email: 'a@x', has_run: true },
    { id: 2, email: 'B@x', has_run: true },
    { id: 3, email: 'c@x', has_run: true },
  ]);
});

test('a deleted key comes from deleted() until save.delete acknowledges it', async (t) => {
  const deleter = (ack: boolean) => `# @kind: tracked
# @unique_key: id
for row in query("SELECT * FROM src.users"):
    save.row(row)
for gone in deleted():
    print("gone", gone.id, gone.email, gone.change)
    ${ack ? 'save.delete(gone)' : 'pass'}
`;
  const root = project({ 'models/sync/users.star': deleter(false) });
  await run(root);
  writeFiles(root, {
    'models/src/users.sql':
      "-- @kind: table\nSELECT * FROM (VALUES (1, 'a@x', 10), (3, 'c@x', 30)) t(id, email, amount)",
  });
  const once = await run(root);
  t.deepEqual(once.prints, ['gone 2 b@x deleted']);
  t.like(result(once, 'sync.users'), { deleted: 1, failed: 0, unsaved: 1 });
  const again = await run(root);
  t.deepEqual(again.prints, ['gone 2 b@x deleted']);
  writeFiles(root, { 'models/sync/users.star': deleter(true) });
  const acked = await run(root);
  t.deepEqual(acked.prints, ['gone 2 b@x deleted']);
  t.like(result(acked, 'sync.users'), { deleted: 1, failed: 0, unsaved: 0 });
  const after = await run(root);
  t.deepEqual(after.prints, []);
  t.like(result(after, 'sync.users'), { deleted: 0 });
});

test('a row changed back to its delivered content after a different version was delivered comes back', async (t) => {
  const root = project();
  await run(root);
  const users = (email: string) =>
    `-- @kind: table\nSELECT * FROM (VALUES (1, '${email}', 10)) t(id, email, amount)`;
  writeFiles(root, { 'models/src/users.sql': users('z@x') });
  const changed = await run(root);
  t.deepEqual(
    changed.sent.map((s) => s.split(' before')[0]),
    ['changed {"amount":10,"email":"z@x","id":1}'],
  );
  writeFiles(root, { 'models/src/users.sql': users('a@x') });
  const back = await run(root);
  t.deepEqual(
    back.sent.map((s) => s.split(' before')[0]),
    ['changed {"amount":10,"email":"a@x","id":1}'],
  );
});

test('a script that fails half-way keeps exactly the acknowledgements made before the failure', async (t) => {
  const root = project({
    'models/sync/users.star': `# @kind: tracked
# @unique_key: id
for row in query("SELECT * FROM src.users ORDER BY id"):
    if row.id == 3:
        fail("destination refused", row.id)
    save.row(row)
`,
  });
  const r = await run(root);
  t.is(r.code, 1);
  t.regex(
    String(result(r, 'sync.users')['error']),
    /^models\/sync\/users\.star:5:13: fail: destination refused 3\nTraceback/,
  );
  const saved = await withStore(root, (s) => s.queryJson('SELECT id FROM sync.users ORDER BY id'));
  t.deepEqual(saved, [{ id: 1 }, { id: 2 }]);
  writeFiles(root, { 'models/sync/users.star': SENDER });
  const next = await run(root);
  t.deepEqual(next.sent, ['new {"amount":30,"email":"c@x","id":3} before null']);
});

test('duplicate keys in the tracked query fail with the key named; nothing is saved', async (t) => {
  const root = project({
    'models/src/users.sql':
      "-- @kind: table\nSELECT * FROM (VALUES (1, 'a@x', 10), (7, 'b@x', 20), (7, 'c@x', 30)) t(id, email, amount)",
  });
  const r = await run(root);
  t.is(r.code, 1);
  t.regex(String(result(r, 'sync.users')['error']), /query\(\) returned key \(id=7\) 2 times/);
  t.is(await withStore(root, (s) => s.objectType('sync', 'users')), undefined);
});

test('column order in the SELECT does not change the hash; a NULL column is like a missing one', async (t) => {
  const root = project();
  await run(root);
  writeFiles(root, {
    'models/sync/users.star': SENDER.replace(
      'SELECT * FROM src.users',
      'SELECT amount, NULL::VARCHAR AS note, email, id FROM src.users',
    ),
  });
  const r = await run(root);
  t.is(r.code, 0, r.err);
  t.deepEqual(r.sent, []);
});

const TRICKY = `SELECT 1 AS id, NULL::INTEGER AS n, -0.0::DOUBLE AS z, 'NaN'::DOUBLE AS nan, 12.50::DECIMAL(10, 2) AS d,
  TIMESTAMPTZ '2026-11-25 10:40:34.254517+02' AS tz, [1, NULL, 3] AS l, {'b': 'x', 'a': [1.5, NULL]} AS s`;

test('tricky values hash identically across two processes (nothing re-sent by a new process)', async (t) => {
  const root = project({
    'models/src/users.sql': TRICKY,
    'models/sync/users.star':
      '# @kind: tracked\n# @unique_key: id\nsave.rows(list(query("SELECT * FROM src.users")))\n',
  });
  const first = await ebb(['run', '--json'], { cwd: root });
  t.is(first.code, 0, first.stderr);
  t.like(
    ndjson(first.stdout).find((x) => x['model'] === 'sync.users'),
    { new: 1, saved: 1 },
  );
  const second = await ebb(['run', '--json'], { cwd: root, env: { TZ: 'Asia/Tokyo' } });
  t.like(
    ndjson(second.stdout).find((x) => x['model'] === 'sync.users'),
    { new: 0, changed: 0, saved: 0 },
  );
});

test('a tracked model has one tracked query; delta=False queries are unfiltered lookups', async (t) => {
  const root = project({
    'models/sync/users.star': `# @kind: tracked
# @unique_key: id
plans = {r.id: r.amount for r in query("SELECT id, amount FROM src.users", delta=False)}
for row in query("SELECT id, email FROM src.users WHERE id > ?", 1):
    print("row", row.id, plans[row.id])
    save.row(row)
query("SELECT 1 AS id")
`,
  });
  const r = await run(root);
  t.is(r.code, 1);
  t.deepEqual(r.prints, ['row 2 20', 'row 3 30']);
  t.regex(
    String(result(r, 'sync.users')['error']),
    /query: a tracked model has one tracked query, and this is a second one with different SQL; use query\(sql, delta=False\)/,
  );
  t.is(await withStore(root, (s) => s.scalar('SELECT count(*)::INT FROM sync.users')), 2);
});

test('save.row with a plain dict acknowledges by key; an unknown key is an error', async (t) => {
  const root = project({
    'models/sync/users.star': `# @kind: tracked
# @unique_key: id
for row in query("SELECT * FROM src.users"):
    save.row({"id": row.id})
save.row({"id": 99})
`,
  });
  const r = await run(root);
  t.regex(
    String(result(r, 'sync.users')['error']),
    /save\.row: key \(id=99\) is not among the rows query\(\) returned in this run/,
  );
  t.is(await withStore(root, (s) => s.scalar('SELECT count(*)::INT FROM sync.users')), 3);
});

test('ebb plan shows counts and changed fields without running the script or saving', async (t) => {
  const root = project();
  await run(root);
  writeFiles(root, {
    'models/src/users.sql':
      "-- @kind: table\nSELECT * FROM (VALUES (1, 'a@x', 10), (2, 'b@x', 25), (4, 'd@x', 40)) t(id, email, amount)",
  });
  await run(root, ['src.users']);
  const c = capture();
  t.is(await planCommand({ cwd: root, selectors: [], json: true }, c.io), 0, c.err());
  const [p] = c.json();
  t.like(p, { model: 'sync.users', new: 1, changed: 1, deleted: 1 });
  t.deepEqual((p!['samples'] as unknown[])[0], {
    change: 'changed',
    key: { id: 2 },
    fields: { amount: { before: 20, after: 25 } },
  });
  t.regex(
    c.err(),
    /PLAN {2}sync\.users {2}new 1, changed 1, deleted 1\n {6}changed +\(id=2\) {2}amount: 20 → 25\n {6}new +\(id=4\)/,
  );
  const again = capture();
  await planCommand({ cwd: root, selectors: ['sync.users'], json: true }, again.io);
  t.like(again.json()[0], { new: 1, changed: 1, deleted: 1 });
  const stored = await withStore(root, (s) => s.queryJson('SELECT id, amount FROM sync.users ORDER BY id'));
  t.deepEqual(stored, [
    { id: 1, amount: 10 },
    { id: 2, amount: 20 },
    { id: 3, amount: 30 },
  ]);
});

test('run --full-refresh forgets what was delivered, so everything is sent again', async (t) => {
  const root = project();
  await run(root);
  const refused = await run(root, [], { fullRefresh: true });
  t.is(refused.code, 2);
  t.regex(refused.err, /--full-refresh needs the models to refresh/);
  const r = await run(root, ['sync.users'], { fullRefresh: true, yes: true });
  t.is(r.code, 0, r.err);
  t.regex(r.err, /^RESET sync\.users$/m);
  t.is(r.sent.length, 3);
});

test('a stored hash of an older version is re-hashed from stored content: no mass re-send', async (t) => {
  const root = project();
  await run(root);
  await withStore(root, async (s) => {
    await s.exec('UPDATE sync.users SET _ebb_hash = 0');
    await s.exec("UPDATE _ebb.tracked SET hash_version = 0 WHERE model = 'sync.users'");
  });
  const r = await run(root);
  t.deepEqual(r.sent, []);
  const version = hashVersion(String(await withStore(root, (s) => s.scalar('SELECT version()'))));
  t.is(
    await withStore(root, (s) =>
      s.scalar("SELECT hash_version FROM _ebb.tracked WHERE model = 'sync.users'"),
    ),
    version,
  );
});

test('tracked .star models depend on the tables their query() SQL reads', async (t) => {
  const root = project({ 'models/a_first/other.sql': 'SELECT 1 AS x' });
  const r = await run(root);
  t.deepEqual(
    r.results.map((x) => x['model']),
    ['a_first.other', 'src.users', 'sync.users'],
  );
  const sel = await run(root, ['+sync.users']);
  t.deepEqual(
    sel.results.map((x) => x['model']),
    ['src.users', 'sync.users'],
  );
});

test('a syntax error in a .star model names file, line and column; its dependents are skipped', async (t) => {
  const root = project({
    'models/sync/users.star':
      '# @kind: tracked\n# @unique_key: id\nfor row in query("SELECT * FROM src.users")\n    save.row(row)\n',
  });
  const r = await run(root);
  t.regex(
    String(result(r, 'sync.users')['error']),
    /^models\/sync\/users\.star:\d:\d+: got newline, want ':'$/,
  );
  t.is(result(r, 'src.users')['status'], 'ok');
  t.true(join(root).length > 0);
});

test('validate checks .star models without running them: syntax, names, and the SQL of query()', async (t) => {
  const { validateCommand } = await import('../lib/commands/validate.js');
  const root = project({
    'models/sync/users.star': `# @kind: tracked
# @unique_key: id
for row in query("SELECT id, nope FROM src.users"):
    sav.row(row)
print(undefined_name)
`,
  });
  const c = capture();
  t.is(await validateCommand({ cwd: root }, c.io), 1);
  t.regex(c.err(), /models\/sync\/users\.star:4:5: undefined: sav/);
  t.regex(c.err(), /models\/sync\/users\.star:5:7: undefined: undefined_name/);
  t.regex(
    c.err(),
    /models\/sync\/users\.star:3: query\(\): Binder Error: Referenced column "nope" not found/,
  );
});

test('--full-refresh asks on a terminal; "no" changes nothing', async (t) => {
  const root = project();
  const first = await run(root);
  t.is(first.code, 0, first.err);
  const asked: string[] = [];
  const c = capture();
  const io = { ...c.io, isTTY: true, confirm: async (q: string) => (asked.push(q), false) };
  t.is(await runCommand({ cwd: root, selectors: ['sync.users'], fullRefresh: true }, io), 1);
  t.deepEqual(asked, [
    'Full refresh of sync.users: their tables are dropped. sync.users will send every row again. Continue? [y/N] ',
  ]);
  t.regex(c.err(), /Cancelled; nothing was changed/);
  t.is(await withStore(root, (s) => s.scalar('SELECT count(*)::INT FROM sync.users')), 3);
  const yes = capture();
  const ioYes = { ...yes.io, isTTY: true, confirm: async () => true };
  t.is(await runCommand({ cwd: root, selectors: ['sync.users'], fullRefresh: true, json: true }, ioYes), 0);
  t.like(yes.json()[0], { model: 'sync.users', new: 3, saved: 3 });
});

test('a table left by another kind of model is refused with what to do', async (t) => {
  const root = project({ 'models/sync/users.star': '# @kind: table\nsave.row({"id": 1})\n' });
  await run(root);
  writeFiles(root, { 'models/sync/users.star': SENDER });
  const r = await run(root);
  t.regex(
    String(result(r, 'sync.users')['error']),
    /table sync\.users exists but holds no delivery state .* run "ebb run --full-refresh sync\.users"/,
  );
  const refreshed = await run(root, ['sync.users'], { fullRefresh: true, yes: true });
  t.is(refreshed.code, 0, refreshed.err);
  t.is(refreshed.sent.length, 3);
});

test('a tracked model with a composite key: changes, deletions and dict acknowledgements by key', async (t) => {
  const src = (rows: string) => `-- @kind: table\nSELECT * FROM (VALUES ${rows}) t(account, day, amount)`;
  const root = makeProject({
    'models/src/daily.sql': src(
      "(1, DATE '2026-01-01', 10), (1, DATE '2026-01-02', 20), (2, DATE '2026-01-01', 30)",
    ),
    'models/sync/daily.star': `# @kind: tracked
# @unique_key: account, day
for r in query("SELECT * FROM src.daily"):
    print("sent", r.change, r.account, r.day, r.amount)
    save.row({"account": r.account, "day": r.day})
for g in deleted():
    print("gone", g.account, g.day)
    save.delete({"account": g.account, "day": g.day})
`,
  });
  const first = await run(root);
  t.is(first.code, 0, first.err);
  t.is(first.prints.length, 3);
  writeFiles(root, { 'models/src/daily.sql': src("(1, DATE '2026-01-01', 10), (1, DATE '2026-01-02', 25)") });
  const second = await run(root);
  t.deepEqual(second.prints, ['sent changed 1 2026-01-02 25', 'gone 2 2026-01-01']);
  t.like(result(second, 'sync.daily'), { changed: 1, deleted: 1, saved: 1, failed: 0 });
  const third = await run(root);
  t.deepEqual(third.prints, []);
});

test('dict acknowledgements work for timestamp and decimal keys', async (t) => {
  const root = makeProject({
    'models/src/ev.sql':
      "-- @kind: table\nSELECT TIMESTAMPTZ '2026-01-02 03:04:05.5+01' AS at, 12.50::DECIMAL(10, 2) AS price, 'x' AS v",
    'models/sync/ev.star': `# @kind: tracked
# @unique_key: at, price
for r in query("SELECT * FROM src.ev"):
    save.row({"at": r.at, "price": r.price})
`,
  });
  const first = await run(root);
  t.is(first.code, 0, first.err);
  t.like(result(first, 'sync.ev'), { new: 1, saved: 1 });
  t.like(result(await run(root), 'sync.ev'), { new: 0, changed: 0 });
});

test('history --json shows a tracked model run with its delta figures', async (t) => {
  const { historyCommand } = await import('../lib/commands/history.js');
  const root = project();
  await run(root);
  const c = capture();
  await historyCommand({ cwd: root, json: true, limit: 5, model: 'sync.users' }, c.io);
  t.like(c.json()[0], {
    model: 'sync.users',
    kind: 'tracked',
    status: 'ok',
    rows: 3,
    new: 3,
    changed: 0,
    deleted: 0,
    saved: 3,
    failed: 0,
  });
});
