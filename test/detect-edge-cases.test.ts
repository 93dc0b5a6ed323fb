// Edge cases of change detection found by a randomized differential test, each run end to
// end: a tracked .star model over a source table, real DuckDB files, the script in its worker.

import test from 'ava';
import { planCommand } from '../lib/commands/plan.js';
import { capture, makeProject, writeFiles } from './helpers/project.js';
import { runProject, sentLines } from './helpers/run.js';
import { withStore } from './helpers/store.js';

const SENDER = `# @kind: tracked
# @unique_key: id
for row in query("SELECT * FROM src.t"):
    print("sent", row.change, json.encode(row), "before", json.encode(row.before))
    save.row(row)
`;

function source(select: string): Record<string, string> {
  return { 'models/src/t.sql': `-- @kind: table\n${select}` };
}

async function run(root: string, extra: { fullRefresh?: boolean; selectors?: string[] } = {}) {
  const r = await runProject(root, extra);
  const sent = sentLines(r);
  return { ...r, sent, result: r.results.find((x) => x['model'] === 'sync.t') ?? {} };
}

async function plan(root: string) {
  const c = capture();
  await planCommand({ cwd: root, selectors: [], json: true }, c.io);
  return c.json()[0]!;
}

test('a row saved twice, in two batches or as a row then a dict, is stored once and sent once later', async (t) => {
  const root = makeProject({
    ...source("SELECT * FROM (VALUES (1, 'a'), (2, 'b')) t(id, v)"),
    'models/sync/t.star': `# @kind: tracked
# @unique_key: id
rows = list(query("SELECT * FROM src.t"))
save.rows([rows[0]] * 5001)
save.row(rows[1])
save.row({"id": rows[1].id})
`,
  });
  const first = await run(root);
  t.is(first.code, 0, first.err);
  t.like(first.result, { new: 2, saved: 2, failed: 0 });
  t.deepEqual(
    await withStore(root, (s) =>
      s.queryJson('SELECT id, count(*)::INT AS n FROM sync.t GROUP BY id ORDER BY id'),
    ),
    [
      { id: 1, n: 1 },
      { id: 2, n: 1 },
    ],
  );
  writeFiles(root, {
    ...source("SELECT * FROM (VALUES (1, 'A'), (2, 'b')) t(id, v)"),
    'models/sync/t.star': SENDER,
  });
  const second = await run(root);
  t.deepEqual(second.sent, ['changed {"id":1,"v":"A"} before {"id":1,"v":"a"}']);
  t.is(await withStore(root, (s) => s.scalar('SELECT count(*)::INT FROM sync.t')), 2);
});

test('a failed tracked run reports its delta and what it saved', async (t) => {
  const root = makeProject({
    ...source('SELECT * FROM range(1, 4) t(id)'),
    'models/sync/t.star': `# @kind: tracked
# @unique_key: id
for row in query("SELECT * FROM src.t"):
    if row.id == 3:
        fail("destination down")
    save.row(row)
`,
  });
  const r = await run(root);
  t.is(r.code, 1);
  t.like(r.result, { status: 'error', rows: 2, new: 3, changed: 0, saved: 2, failed: 0, unsaved: 1 });
  t.regex(String(r.result['error']), /destination down/);
});

test('a type change that keeps every value is adopted at once: nothing sent, plan clean, later changes work', async (t) => {
  const root = makeProject({
    ...source("SELECT 1::INTEGER AS id, 1.5::DECIMAL(10,2) AS d, {'a': 1} AS s, MAP {'k': 1} AS m"),
    'models/sync/t.star': SENDER,
  });
  t.is((await run(root)).code, 0);
  writeFiles(
    root,
    source(
      "SELECT 1::BIGINT AS id, 1.5::DECIMAL(12,4) AS d, {'a': 1, 'b': NULL::INT} AS s, MAP {'k': 1.0} AS m",
    ),
  );
  await run(root).then((r) => t.is(r.code, 0, r.err)); // src only changes; sync.t adopts
  t.like(await plan(root), { new: 0, changed: 0, deleted: 0 });
  const types = await withStore(root, (s) =>
    s.queryJson(
      "SELECT column_name AS c, data_type AS t FROM information_schema.columns WHERE table_name = 't' AND table_schema = 'sync' AND column_name IN ('id', 'd', 'm') ORDER BY 1",
    ),
  );
  t.deepEqual(types, [
    { c: 'd', t: 'DECIMAL(12,4)' },
    { c: 'id', t: 'BIGINT' },
    { c: 'm', t: 'MAP(VARCHAR, DECIMAL(2,1))' },
  ]);
  writeFiles(
    root,
    source(
      "SELECT 1::BIGINT AS id, 1.5::DECIMAL(12,4) AS d, {'a': 1, 'b': NULL::INT} AS s, MAP {'k': 1.5} AS m",
    ),
  );
  const r = await run(root);
  t.is(r.code, 0, r.err);
  t.deepEqual(r.sent, [
    'changed {"d":"1.5000","id":1,"m":{"k":"1.5"},"s":{"a":1,"b":null}} before {"d":"1.5000","id":1,"m":{"k":"1.0"},"s":{"a":1,"b":null}}',
  ]);
  t.deepEqual((await run(root)).sent, []);
});

test('a type change that would alter stored values is refused at once, before the script runs', async (t) => {
  const root = makeProject({
    ...source('SELECT 1 AS id, 1.2345::DECIMAL(12,4) AS d, [1, 2]::INTEGER[2] AS a'),
    'models/sync/t.star': SENDER,
  });
  t.is((await run(root)).code, 0);
  writeFiles(root, source('SELECT 1 AS id, 1.2345::DECIMAL(10,2) AS d, [1, 2]::INTEGER[2] AS a'));
  const r = await run(root);
  t.is(r.code, 1);
  t.deepEqual(r.sent, []);
  t.regex(
    String(r.result['error']),
    /column d changed type from DECIMAL\(12,4\) to DECIMAL\(10,2\) and 1 stored value would change; cast it back in the query, or run "ebb run --full-refresh sync\.t"/,
  );
  t.regex(String((await plan(root))['error']), /column d changed type/);
  writeFiles(root, source('SELECT 1 AS id, 1.2345::DECIMAL(12,4) AS d, [1, 2, 3]::INTEGER[3] AS a'));
  t.regex(
    String((await run(root)).result['error']),
    /column a changed type from INTEGER\[2\] to INTEGER\[3\] and 1 stored value would change/,
  );
});

test('new ENUM members and MAP value types are adopted, so acknowledging never fails after the script ran', async (t) => {
  const root = makeProject({
    'models/src/t.sql': "-- @kind: table\nSELECT 1 AS id, 'a'::ENUM('a', 'b') AS e",
    'models/sync/t.star': SENDER,
  });
  t.is((await run(root)).code, 0);
  writeFiles(root, { 'models/src/t.sql': "-- @kind: table\nSELECT 1 AS id, 'c'::ENUM('a', 'b', 'c') AS e" });
  const r = await run(root);
  t.is(r.code, 0, r.err);
  t.deepEqual(r.sent, ['changed {"e":"c","id":1} before {"e":"a","id":1}']);
  t.is(await withStore(root, (s) => s.scalar('SELECT e::VARCHAR FROM sync.t')), 'c');
});

test('re-hashing reproduces the current hashes after a rename by case and an adopted MAP type', async (t) => {
  const root = makeProject({
    ...source("SELECT 1 AS id, 'x' AS aa, MAP {'k': 1} AS m"),
    'models/sync/t.star': SENDER,
  });
  t.is((await run(root)).code, 0);
  writeFiles(root, source("SELECT 1 AS id, 'x' AS AA, MAP {'k': 1.0} AS m"));
  t.deepEqual((await run(root)).sent, []);
  await withStore(root, async (s) => {
    await s.exec('UPDATE sync.t SET _ebb_hash = 0');
    await s.exec("UPDATE _ebb.tracked SET hash_version = 0 WHERE model = 'sync.t'");
  });
  t.like(await plan(root), { new: 0, changed: 0, deleted: 0 });
  const r = await run(root);
  t.is(r.code, 0, r.err);
  t.deepEqual(r.sent, []);
});

test('dict acknowledgements find BLOB, INTERVAL and DOUBLE keys by value', async (t) => {
  for (const [select, key] of [
    ["SELECT '\\x01\\x02'::BLOB AS id, 1 AS v UNION ALL SELECT 'ab'::BLOB, 2", 'blob'],
    [
      "SELECT INTERVAL '1 day 2 hours' AS id, 1 AS v UNION ALL SELECT INTERVAL '-3 seconds', 2 UNION ALL SELECT INTERVAL '1 month 1.5 seconds', 3",
      'interval',
    ],
    [
      'SELECT 1e-7::DOUBLE AS id, 1 AS v UNION ALL SELECT 1e300::DOUBLE, 2 UNION ALL SELECT 0.1::DOUBLE, 3',
      'double',
    ],
  ] as const) {
    const root = makeProject({
      ...source(select),
      'models/sync/t.star': `# @kind: tracked
# @unique_key: id
for row in query("SELECT * FROM src.t"):
    save.row({"id": row.id})
`,
    });
    const r = await run(root);
    t.is(r.code, 0, `${key}: ${r.err}`);
    t.like(r.result, { saved: 3 - (key === 'blob' ? 1 : 0), failed: 0 }, key);
  }
});

test('a tracked SQL ending in "; -- comment" runs and plans', async (t) => {
  const root = makeProject({
    ...source('SELECT 1 AS id'),
    'models/sync/t.star': `# @kind: tracked
# @unique_key: id
for row in query("SELECT * FROM src.t WHERE id <> 0 ; -- every row; ';' is fine\\n/* done */"):
    save.row(row)
`,
  });
  const r = await run(root);
  t.is(r.code, 0, r.err);
  t.like(r.result, { new: 1, saved: 1 });
  t.like(await plan(root), { new: 0, changed: 0, deleted: 0 });
});

test("a changed @unique_key or key type is ebb's own error with the fix, not a Binder Error", async (t) => {
  const root = makeProject({ ...source("SELECT 1 AS id, 'a' AS email"), 'models/sync/t.star': SENDER });
  t.is((await run(root)).code, 0);
  writeFiles(root, source("SELECT '1' AS id, 'a' AS email"));
  const retyped = await run(root);
  t.regex(
    String(retyped.result['error']),
    /column id \(a @unique_key column\) changed type from INTEGER to VARCHAR and 1 stored value would change; cast it back in the query, or run "ebb run --full-refresh sync\.t"/,
  );
  t.notRegex(String(retyped.result['error']), /Binder Error/);
  writeFiles(root, {
    ...source("SELECT 1 AS uid, 'a' AS email"),
    'models/sync/t.star': SENDER.replace('@unique_key: id', '@unique_key: uid'),
  });
  t.regex(
    String((await run(root)).result['error']),
    /the @unique_key changed: table sync\.t holds no column uid; run "ebb run --full-refresh sync\.t"/,
  );
});

test('a @unique_key changed to another column the table also holds is refused with the fix, then --full-refresh starts over', async (t) => {
  const root = makeProject({
    ...source("SELECT 1 AS id, 'a@x' AS email UNION ALL SELECT 2, 'b@x'"),
    'models/sync/t.star': SENDER,
  });
  t.is((await run(root)).code, 0);
  writeFiles(root, { 'models/sync/t.star': SENDER.replace('@unique_key: id', '@unique_key: email') });
  const changed = await run(root);
  t.is(changed.code, 1);
  t.regex(
    String(changed.result['error']),
    /the @unique_key changed from id to email: the rows of sync\.t were delivered by the old key; run "ebb run --full-refresh sync\.t"/,
  );
  // Same key, other case: not a change.
  writeFiles(root, { 'models/sync/t.star': SENDER.replace('@unique_key: id', '@unique_key: ID') });
  t.is((await run(root)).code, 0);
  writeFiles(root, { 'models/sync/t.star': SENDER.replace('@unique_key: id', '@unique_key: email') });
  const fresh = await run(root, { fullRefresh: true, selectors: ['sync.t'] });
  t.is(fresh.code, 0, fresh.err);
  t.like(fresh.result, { new: 2, saved: 2 });
  t.is((await run(root)).code, 0);
});

test('a tracked query with a column named change or before is refused with the fix', async (t) => {
  const root = makeProject({ ...source("SELECT 1 AS id, 'x' AS Change"), 'models/sync/t.star': SENDER });
  const r = await run(root);
  t.is(r.code, 1);
  t.regex(
    String(r.result['error']),
    /returns a column named Change, which would hide the row's \.change; rename it in the query/,
  );
});
