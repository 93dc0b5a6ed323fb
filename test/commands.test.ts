import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyCommand } from '../lib/commands/history.js';
import { initCommand } from '../lib/commands/init.js';
import { runCommand } from '../lib/commands/run.js';
import { sqlCommand } from '../lib/commands/sql.js';
import { validateCommand } from '../lib/commands/validate.js';
import { capture, makeProject, tempDir } from './helpers/project.js';
import { tmpdir } from 'node:os';

test('validate binds every model without writing anything', async (t) => {
  const root = makeProject({
    'models/raw/a.sql': "SELECT 1 AS id, 'x' AS name",
    'models/mart/b.sql': 'SELECT id, name FROM raw.a',
    'models/mart/c.sql': 'SELECT id, missing_col FROM raw.a',
    'models/mart/d.sql': 'SELECT * FROM raw.nope',
    'models/mart/e.sql': 'SELECT id FROM mart.b',
  });
  const c = capture();
  const code = await validateCommand({ cwd: root }, c.io);
  t.is(code, 1);
  t.regex(c.err(), /2 problems in the project:/);
  t.regex(c.err(), /models\/mart\/c\.sql:1: Binder Error: Referenced column "missing_col" not found/);
  t.regex(c.err(), /models\/mart\/d\.sql:1: Catalog Error: Table with name "raw\.nope" does not exist/);
  t.false(existsSync(join(root, 'state', 'ebb.duckdb')));
});

test('validate succeeds on a good project and leaves existing state unchanged', async (t) => {
  const root = makeProject({
    'models/raw/a.sql': 'SELECT 1 AS id',
    'models/mart/b.sql': '-- @kind: view\nSELECT * FROM raw.a',
  });
  await runCommand({ cwd: root, selectors: ['raw.a'] }, capture().io);
  const c = capture();
  t.is(await validateCommand({ cwd: root }, c.io), 0, c.err());
  t.regex(c.err(), /OK {4}2 models valid/);
  const q = capture();
  await sqlCommand(
    {
      cwd: root,
      sql: "SELECT count(*)::INT AS n FROM information_schema.tables WHERE table_schema = 'mart'",
      format: 'json',
      maxRows: 10,
    },
    q.io,
  );
  t.deepEqual(q.json(), [{ n: 0 }]);
});

test('sql prints a table, NDJSON or CSV', async (t) => {
  const root = makeProject({ 'models/a/x.sql': "SELECT * FROM (VALUES (1, 'a,b'), (2, NULL)) t(id, label)" });
  await runCommand({ cwd: root, selectors: [] }, capture().io);
  const table = capture();
  t.is(
    await sqlCommand(
      { cwd: root, sql: 'SELECT * FROM a.x ORDER BY id', format: 'table', maxRows: 1000 },
      table.io,
    ),
    0,
  );
  t.is(table.out(), 'id  label\n──  ─────\n1   a,b\n2   NULL\n');
  t.is(table.err(), '2 rows\n');
  const json = capture();
  await sqlCommand(
    { cwd: root, sql: 'SELECT * FROM a.x ORDER BY id', format: 'json', maxRows: 1000 },
    json.io,
  );
  t.deepEqual(json.json(), [
    { id: 1, label: 'a,b' },
    { id: 2, label: null },
  ]);
  const csv = capture();
  await sqlCommand({ cwd: root, sql: 'SELECT * FROM a.x ORDER BY id', format: 'csv', maxRows: 1000 }, csv.io);
  t.is(csv.out(), 'id,label\n1,"a,b"\n2,\n');
  const limited = capture();
  await sqlCommand({ cwd: root, sql: 'SELECT * FROM range(5)', format: 'table', maxRows: 2 }, limited.io);
  t.is(limited.err(), '5 rows (3 not shown; use --max-rows, --json or --csv)\n');
  const bad = capture();
  t.is(await sqlCommand({ cwd: root, sql: 'SELECT * FROM nope', format: 'table', maxRows: 2 }, bad.io), 1);
  t.regex(bad.err(), /^error: Catalog Error: Table with name nope does not exist/);
});

test('history lists runs newest first, optionally for one model', async (t) => {
  const root = makeProject({ 'models/a/x.sql': 'SELECT 1 AS v', 'models/a/y.sql': 'SELECT 2 AS v' });
  await runCommand({ cwd: root, selectors: [] }, capture().io);
  await runCommand({ cwd: root, selectors: ['a.y'] }, capture().io);
  const all = capture();
  await historyCommand({ cwd: root, json: true, limit: 10 }, all.io);
  t.is(all.json().length, 3);
  t.is(all.json()[0]!['model'], 'a.y');
  const one = capture();
  await historyCommand({ cwd: root, json: true, limit: 10, model: 'a.x' }, one.io);
  t.deepEqual(
    one.json().map((r) => [r['model'], r['status'], r['rows']]),
    [['a.x', 'ok', 1]],
  );
  const human = capture();
  await historyCommand({ cwd: root, limit: 10, model: 'a.x' }, human.io);
  t.regex(human.out(), /^started_at +run_id +model +kind +status +rows +duration +error\n/);
  t.regex(human.out(), /a\.x +table +ok +1 +\d+\.\d\ds/);
});

test('init creates a runnable project and refuses to overwrite one', async (t) => {
  const dir = tempDir('ebb-init-');
  const c = capture();
  t.is(await initCommand({ cwd: dir, dir: 'p' }, c.io), 0);
  t.true(existsSync(join(dir, 'p', 'models', 'example', 'customers.sql')));
  t.true(existsSync(join(dir, 'p', '.env.example')));
  t.regex(readFileSync(join(dir, 'p', '.gitignore'), 'utf8'), /^state\/$/m);
  const r = capture();
  // The example's SQL model runs at once (its sync model needs an API: see init-project.test.ts).
  t.is(
    await runCommand({ cwd: join(dir, 'p'), selectors: ['example.customers'], json: true }, r.io),
    0,
    r.err(),
  );
  t.like(r.json()[0], { model: 'example.customers', status: 'ok', rows: 5 });
  const again = capture();
  t.is(await initCommand({ cwd: dir, dir: 'p' }, again.io), 2);
  t.regex(again.err(), /already holds an ebb project .*nothing was changed/);
});

test('a bad EBB_MEMORY_LIMIT is a clear error', async (t) => {
  const { ebb } = await import('./helpers/project.js');
  const root = makeProject({ 'models/a/x.sql': 'SELECT 1 AS v' });
  const r = await ebb(['run'], { cwd: root, env: { EBB_MEMORY_LIMIT: 'lots' } });
  t.is(r.code, 1);
  t.regex(
    r.stderr,
    /memory limit "lots" \(EBB_MEMORY_LIMIT\) is not a size DuckDB accepts; write it like 400MB or 8GB/,
  );
});
