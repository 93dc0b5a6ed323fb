// _ebb.failures entries are cleared by the key's value, not its text: keys whose text differs
// between DuckDB and a model's JSON (TIMESTAMPTZ, DOUBLE, BLOB, composite keys) clear when a
// later run delivers them. An entry whose key left the model's query before it was ever
// delivered (or whose row went back to the delivered version) is cleared by the next run of
// the model, which no longer has anything to send for it. Against a real node:http sink.

import test from 'ava';
import { runCommand } from '../lib/commands/run.js';
import { capture, makeProject, writeFiles } from './helpers/project.js';
import { runProject } from './helpers/run.js';
import { startSink, type Recorded } from './helpers/sink.js';
import { withStore } from './helpers/store.js';

const SYNC = (key: string) => `# @kind: tracked
# @unique_key: ${key}
# @retries: 0
base = env.get("SINK")
for row in query("SELECT * FROM src.items"):
    http.post(base + "/items", json=row)
    save.row(row)
for gone in deleted():
    http.post(base + "/gone", json=gone)
    save.delete(gone)
`;

const run = (root: string, sink: string) => runProject(root, { env: { ...process.env, SINK: sink } });

async function failures(root: string): Promise<Array<{ key: string; change: string }>> {
  return withStore(root, async (s) =>
    (await s.queryJson("SELECT key, change FROM _ebb.failures WHERE model = 'sync.items' ORDER BY key")).map(
      (r) => ({
        key: String(r['key']),
        change: String(r['change']),
      }),
    ),
  );
}

const name = (r: Recorded): string => String((r.json as { name?: unknown }).name);

/** Runs the model with the rows named in `bad` failing, then healthy; the entries must clear. */
async function failThenDeliver(
  t: import('ava').ExecutionContext,
  source: string,
  key: string,
  bad: readonly string[],
  keys: readonly string[],
) {
  const sink = await startSink((r) => (bad.includes(name(r)) ? { status: 503, body: 'try later' } : {}));
  t.teardown(() => sink.close());
  const root = makeProject({ 'models/src/items.sql': source, 'models/sync/items.star': SYNC(key) });
  const first = await run(root, sink.url);
  t.is(first.code, 3, first.err);
  t.deepEqual(
    (await failures(root)).map((f) => f.key),
    keys,
  );

  sink.answer = () => ({});
  sink.requests.length = 0;
  const second = await run(root, sink.url);
  t.is(second.code, 0, second.err);
  t.deepEqual(
    sink.requests.map(name).sort(),
    [...bad].sort(),
    'the failed rows, and only they, are sent again',
  );
  t.deepEqual(await failures(root), [], 'their entries are cleared');
}

test("a TIMESTAMPTZ key clears once delivered (its text is ISO-8601 in the entry, not DuckDB's)", async (t) => {
  await failThenDeliver(
    t,
    "-- @kind: table\nSELECT TIMESTAMPTZ '2026-01-01 00:00:00.123456+00' + to_hours(range) AS at, 'n' || range AS name FROM range(6)",
    'at',
    ['n2', 'n5'],
    ['{"at":"2026-01-01T02:00:00.123456Z"}', '{"at":"2026-01-01T05:00:00.123456Z"}'],
  );
});

test('a DOUBLE key clears once delivered, whatever the text of the number', async (t) => {
  await failThenDeliver(
    t,
    "-- @kind: table\nSELECT * FROM (VALUES (1e-7::DOUBLE, 'tiny'), (1e20::DOUBLE, 'huge'), (0.1::DOUBLE, 'tenth'), (2.5::DOUBLE, 'plain')) AS v(x, name)",
    'x',
    ['tiny', 'huge', 'tenth'],
    ['{"x":0.1}', '{"x":100000000000000000000}', '{"x":1e-7}'],
  );
});

test('a composite key (text, date, BLOB) clears once delivered', async (t) => {
  await failThenDeliver(
    t,
    "-- @kind: table\nSELECT 'acct ' || (range % 2) AS account, DATE '2026-03-01' + range::INT AS day, ('\\x0' || range)::BLOB AS tag, 'n' || range AS name FROM range(6)",
    'account, day, tag',
    ['n1', 'n4'],
    [
      '{"account":"acct 0","day":"2026-03-05","tag":"BA=="}',
      '{"account":"acct 1","day":"2026-03-02","tag":"AQ=="}',
    ],
  );
});

test('an entry whose row left the query before it was delivered is cleared by the next run; so is one whose row went back to the delivered version', async (t) => {
  const sink = await startSink((r) => (['n3', 'n4 v2'].includes(name(r)) ? { status: 500, body: 'no' } : {}));
  t.teardown(() => sink.close());
  const root = makeProject({
    'models/src/items.sql': "-- @kind: table\nSELECT range AS id, 'n' || range AS name FROM range(6)",
    'models/sync/items.star': SYNC('id'),
  });
  t.is((await run(root, sink.url)).code, 3);
  t.deepEqual(await failures(root), [{ key: '{"id":3}', change: 'new' }]);
  // Row 3 disappears upstream (it was never delivered: no DELETE is due), row 4 changes and its PATCH fails.
  writeFiles(root, {
    'models/src/items.sql':
      "-- @kind: table\nSELECT range AS id, CASE range WHEN 4 THEN 'n4 v2' ELSE 'n' || range END AS name FROM range(6) WHERE range <> 3",
  });
  sink.requests.length = 0;
  const second = await run(root, sink.url);
  t.is(second.code, 3, second.err);
  t.deepEqual(sink.requests.map(name), ['n4 v2']);
  t.deepEqual(
    await failures(root),
    [{ key: '{"id":4}', change: 'changed' }],
    'row 3 has nothing left to send: its entry is gone',
  );
  // Row 4 goes back to the version the destination has: nothing to send, nothing pending.
  writeFiles(root, {
    'models/src/items.sql':
      "-- @kind: table\nSELECT range AS id, 'n' || range AS name FROM range(6) WHERE range <> 3",
  });
  sink.requests.length = 0;
  const third = await run(root, sink.url);
  t.is(third.code, 0, third.err);
  t.deepEqual(sink.requests, []);
  t.deepEqual(await failures(root), []);
});

test('an entry of a changed row whose key is then deleted upstream clears when the delete is delivered, and stays while the delete fails', async (t) => {
  const sink = await startSink((r) => (name(r).endsWith(' v2') ? { status: 500, body: 'no' } : {}));
  t.teardown(() => sink.close());
  const root = makeProject({
    'models/src/items.sql': "-- @kind: table\nSELECT range AS id, 'n' || range AS name FROM range(4)",
    'models/sync/items.star': SYNC('id'),
  });
  t.is((await run(root, sink.url)).code, 0);
  writeFiles(root, {
    'models/src/items.sql':
      "-- @kind: table\nSELECT range AS id, CASE WHEN range IN (1, 2) THEN 'n' || range || ' v2' ELSE 'n' || range END AS name FROM range(4)",
  });
  t.is((await run(root, sink.url)).code, 3);
  t.deepEqual(await failures(root), [
    { key: '{"id":1}', change: 'changed' },
    { key: '{"id":2}', change: 'changed' },
  ]);
  // Both keys go away upstream: the delete of 2 is delivered, the delete of 1 fails.
  writeFiles(root, {
    'models/src/items.sql':
      "-- @kind: table\nSELECT range AS id, 'n' || range AS name FROM range(4) WHERE range NOT IN (1, 2)",
  });
  sink.answer = (r) => (r.url === '/gone' && name(r) === 'n1' ? { status: 500, body: 'still no' } : {});
  sink.requests.length = 0;
  t.is((await run(root, sink.url)).code, 3);
  t.deepEqual(sink.requests.map(name).sort(), ['n1', 'n2']);
  t.deepEqual(
    await failures(root),
    [{ key: '{"id":1}', change: 'deleted' }],
    'key 2 is delivered; key 1 is still pending',
  );
  sink.answer = () => ({});
  sink.requests.length = 0;
  const last = await run(root, sink.url);
  t.is(last.code, 0, last.err);
  t.deepEqual(sink.requests.map(name), ['n1']);
  t.deepEqual(await failures(root), []);
});

test('after --full-refresh with a key of another type, an entry whose key cannot be a value of it is cleared', async (t) => {
  const sink = await startSink((r) => (name(r) === 'nb' ? { status: 500, body: 'no' } : {}));
  t.teardown(() => sink.close());
  const root = makeProject({
    'models/src/items.sql':
      "-- @kind: table\nSELECT * FROM (VALUES ('a', 'na'), ('b', 'nb')) AS v(code, name)",
    'models/sync/items.star': SYNC('code'),
  });
  t.is((await run(root, sink.url)).code, 3);
  t.deepEqual(await failures(root), [{ key: '{"code":"b"}', change: 'new' }]);
  writeFiles(root, {
    'models/src/items.sql': "-- @kind: table\nSELECT * FROM (VALUES (1, 'n1'), (2, 'n2')) AS v(code, name)",
  });
  const c = capture();
  const code = await runCommand(
    {
      cwd: root,
      selectors: ['sync.items', 'src.items'],
      fullRefresh: true,
      yes: true,
      json: true,
      env: { ...process.env, SINK: sink.url },
    },
    c.io,
  );
  t.is(code, 0, c.err());
  t.deepEqual(await failures(root), []);
});

test('600 failed rows: recorded in one or two statements, and the next run looks at all their entries in one statement of staged keys', async (t) => {
  const failing = (r: Recorded) => Number((r.json as { id?: unknown }).id) % 10 < 3;
  const sink = await startSink((r) => (failing(r) ? { status: 500, body: 'no' } : {}));
  t.teardown(() => sink.close());
  const root = makeProject({
    'models/src/items.sql': "-- @kind: table\nSELECT range AS id, 'n' || range AS name FROM range(2000)",
    'models/sync/items.star': SYNC('id'),
  });
  const traced = () => runProject(root, { env: { ...process.env, SINK: sink.url, EBB_DEBUG: 'sql' } });
  const statements = (err: string, what: string) =>
    err.split('\n').filter((l) => l.startsWith('[sql] ') && l.includes(what));
  const first = await traced();
  t.is(first.code, 3, first.err);
  t.is((await failures(root)).length, 600);
  // Together: those known once the script sent its last request, then those of its last requests.
  const inserts = statements(first.err, 'INSERT INTO _ebb.failures').length;
  t.true(inserts >= 1 && inserts <= 2, `the failed acks are recorded together (${inserts} statements)`);
  const read = statements(first.err, 'SEMI JOIN');
  t.is(read.length, inserts, "the failed rows' keys are read in one statement a record");
  // (The trace cuts a statement short: its start tells the forms apart.)
  t.true(
    read[0]!.includes('unnest(range(r[1], r[2] + 1))'),
    'their runs as one string split by DuckDB, not lists of numbers',
  );

  // The odd ones now go through (200), the even ones fail again (400).
  sink.answer = (r) =>
    failing(r) && Number((r.json as { id?: unknown }).id) % 2 === 0 ? { status: 500 } : {};
  sink.requests.length = 0;
  const second = await traced();
  t.is(second.code, 3, second.err);
  t.is(sink.requests.length, 600, 'only the failed rows are sent again');
  const deletes = statements(second.err, 'DELETE FROM _ebb.failures');
  t.is(deletes.length, 1, 'one statement for the 600 entries (they were 500 a statement)');
  t.false(deletes[0]!.includes('VALUES'), 'the keys are staged, not written as literals');
  const left = await failures(root);
  t.is(left.length, 400, 'the delivered ones are cleared, those that failed again stay');
  t.true(left.every((f) => (JSON.parse(f.key) as { id: number }).id % 2 === 0));

  sink.answer = () => ({});
  const third = await traced();
  t.is(third.code, 0, third.err);
  t.deepEqual(await failures(root), [], 'delivered: every entry is cleared');
});

test('a row refused and then delivered in one run: its entry is cleared at the end of that run; one refused only stays', async (t) => {
  const sink = await startSink();
  t.teardown(() => sink.close());
  const root = makeProject({
    'models/sync/items.star': `# @kind: tracked
# @unique_key: id
for row in query("SELECT range AS id FROM range(4)"):
    save.reject(row, "refused first")
    if row.id % 2 == 0:
        http.post(env.get("SINK") + "/items", json=row)
        save.row(row)
`,
  });
  const first = await run(root, sink.url);
  t.is(sink.requests.length, 2, first.err);
  const entries = await withStore(root, (s) =>
    s.queryJson("SELECT key, kind FROM _ebb.failures WHERE model = 'sync.items' ORDER BY key"),
  );
  t.deepEqual(entries, [
    { key: '{"id":1}', kind: 'rejected' },
    { key: '{"id":3}', kind: 'rejected' },
  ]);
});
