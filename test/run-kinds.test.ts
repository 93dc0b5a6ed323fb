import test from 'ava';
import { makeProject, writeFiles } from './helpers/project.js';
import { runProject } from './helpers/run.js';
import { withStore } from './helpers/store.js';

const run = (root: string, selectors: string[] = [], cwd = root) => runProject(root, { cwd, selectors });

test('table replaces its rows on every run and reports its row count', async (t) => {
  const root = makeProject({ 'models/raw/nums.sql': '-- @kind: table\nSELECT range AS n FROM range(5)\n' });
  const first = await run(root);
  t.is(first.code, 0);
  t.like(first.results[0], { model: 'raw.nums', kind: 'table', status: 'ok', rows: 5 });
  t.is(typeof first.results[0]!['duration_ms'], 'number');
  t.regex(first.err, /^OK\s+raw\.nums\s+table\s+5 rows\s+\d+\.\d\ds$/m);
  writeFiles(root, { 'models/raw/nums.sql': 'SELECT range AS n FROM range(3)' });
  await run(root);
  const rows = await withStore(root, (s) => s.query('SELECT count(*)::INT AS c FROM raw.nums'));
  t.is(rows[0]!['c'], 3);
});

test('view is created as a view and reflects upstream changes', async (t) => {
  const root = makeProject({
    'models/raw/nums.sql': 'SELECT range AS n FROM range(4)',
    'models/mart/evens.sql': '-- @kind: view\nSELECT n FROM raw.nums WHERE n % 2 = 0',
  });
  const r = await run(root);
  t.is(r.code, 0);
  t.like(
    r.results.find((x) => x['model'] === 'mart.evens'),
    { kind: 'view', status: 'ok', rows: null },
  );
  const type = await withStore(root, (s) => s.objectType('mart', 'evens'));
  t.is(type, 'view');
  writeFiles(root, { 'models/raw/nums.sql': 'SELECT range AS n FROM range(10)' });
  await run(root, ['raw.nums']);
  const rows = await withStore(root, (s) => s.query('SELECT count(*)::INT AS c FROM mart.evens'));
  t.is(rows[0]!['c'], 5);
});

test('append adds each run rows', async (t) => {
  const root = makeProject({ 'models/log/events.sql': "-- @kind: append\nSELECT 1 AS id, 'a' AS what" });
  await run(root);
  const second = await run(root);
  t.like(second.results[0], { kind: 'append', status: 'ok', rows: 1 });
  const rows = await withStore(root, (s) => s.query('SELECT count(*)::INT AS c FROM log.events'));
  t.is(rows[0]!['c'], 2);
});

test('merge upserts by a composite key', async (t) => {
  const root = makeProject({
    'models/mart/daily.sql': `-- @kind: merge
-- @unique_key: account, day
SELECT * FROM (VALUES (1, DATE '2026-01-01', 10), (1, DATE '2026-01-02', 20), (2, DATE '2026-01-01', 30)) t(account, day, amount)`,
  });
  t.is((await run(root)).code, 0);
  writeFiles(root, {
    'models/mart/daily.sql': `-- @kind: merge
-- @unique_key: account, day
SELECT * FROM (VALUES (1, DATE '2026-01-02', 25), (3, DATE '2026-01-01', 5)) t(account, day, amount)`,
  });
  const r = await run(root);
  t.like(r.results[0], { kind: 'merge', status: 'ok', rows: 2 });
  const rows = await withStore(root, (s) =>
    s.queryJson(
      "SELECT account, strftime(day, '%Y-%m-%d') AS day, amount FROM mart.daily ORDER BY account, day",
    ),
  );
  t.deepEqual(rows, [
    { account: 1, day: '2026-01-01', amount: 10 },
    { account: 1, day: '2026-01-02', amount: 25 },
    { account: 2, day: '2026-01-01', amount: 30 },
    { account: 3, day: '2026-01-01', amount: 5 },
  ]);
});

test('merge with a key twice fails naming the key and leaves the table untouched', async (t) => {
  const root = makeProject({
    'models/mart/m.sql': "-- @kind: merge\n-- @unique_key: id\nSELECT 1 AS id, 'x' AS v",
  });
  await run(root);
  writeFiles(root, {
    'models/mart/m.sql':
      "-- @kind: merge\n-- @unique_key: id\nSELECT * FROM (VALUES (7, 'a'), (7, 'b'), (8, 'c')) t(id, v)",
  });
  const r = await run(root);
  t.is(r.code, 1);
  t.is(r.results[0]!['status'], 'error');
  t.regex(String(r.results[0]!['error']), /models\/mart\/m\.sql: merge key \(id=7\) appears 2 times/);
  const rows = await withStore(root, (s) => s.queryJson('SELECT id, v FROM mart.m'));
  t.deepEqual(rows, [{ id: 1, v: 'x' }]);
});

test('merge key missing from the result is a clear error', async (t) => {
  const root = makeProject({ 'models/mart/m.sql': '-- @kind: merge\n-- @unique_key: id\nSELECT 1 AS other' });
  const r = await run(root);
  t.regex(
    String(r.results[0]!['error']),
    /@unique_key column id is not in the model's result \(columns: other\)/,
  );
});

test('a model that fails at run time keeps its previous table', async (t) => {
  const root = makeProject({ 'models/raw/t.sql': 'SELECT 1 AS a UNION ALL SELECT 2' });
  await run(root);
  // The cast fails while the query executes, after the statement started.
  writeFiles(root, {
    'models/raw/t.sql': "SELECT CAST(x AS INTEGER) AS a FROM (VALUES ('1'), ('nope')) v(x)",
  });
  const r = await run(root);
  t.is(r.code, 1);
  t.regex(String(r.results[0]!['error']), /^models\/raw\/t\.sql(:\d+)?: Conversion Error/);
  const rows = await withStore(root, (s) => s.queryJson('SELECT a FROM raw.t ORDER BY a'));
  t.deepEqual(rows, [{ a: 1 }, { a: 2 }]);
});

test('a model can change kind between runs (table → view → table)', async (t) => {
  const root = makeProject({ 'models/x/m.sql': 'SELECT 1 AS a' });
  await run(root);
  writeFiles(root, { 'models/x/m.sql': '-- @kind: view\nSELECT 2 AS a' });
  t.is((await run(root)).code, 0);
  t.is(await withStore(root, (s) => s.objectType('x', 'm')), 'view');
  writeFiles(root, { 'models/x/m.sql': '-- @kind: table\nSELECT 3 AS a' });
  t.is((await run(root)).code, 0);
  t.is(await withStore(root, (s) => s.objectType('x', 'm')), 'table');
});

test('every run is recorded in _ebb.runs', async (t) => {
  const root = makeProject({
    'models/a/ok.sql': 'SELECT 1 AS x',
    'models/a/bad.sql': 'SELECT nope FROM a.ok',
  });
  const r = await run(root);
  const runs = await withStore(root, (s) =>
    s.queryJson(
      'SELECT run_id, model, kind, status, rows, error IS NOT NULL AS has_error FROM _ebb.runs ORDER BY model',
    ),
  );
  t.deepEqual(runs, [
    {
      run_id: r.results[0]!['run_id'],
      model: 'a.bad',
      kind: 'table',
      status: 'error',
      rows: null,
      has_error: true,
    },
    {
      run_id: r.results[0]!['run_id'],
      model: 'a.ok',
      kind: 'table',
      status: 'ok',
      rows: '1',
      has_error: false,
    },
  ]);
});
