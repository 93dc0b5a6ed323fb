import test from 'ava';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from '../lib/commands/run.js';
import { Store } from '../lib/store/index.js';
import { capture, ebb, makeProject, tempDir } from './helpers/project.js';
import { withStore } from './helpers/store.js';

/** Writes Parquet and CSV inputs with DuckDB's own COPY. */
async function writeInputs(root: string): Promise<void> {
  const s = await Store.open({ path: ':memory:', root });
  try {
    await s.exec(
      `COPY (SELECT range AS id, 'c' || range AS name, range * 1.5 AS score FROM range(1000))
       TO '${join(root, 'extracts', 'customers.parquet')}' (FORMAT parquet)`,
    );
    await s.exec(
      `COPY (SELECT range AS id, CASE WHEN range % 2 = 0 THEN 'pro' ELSE 'free' END AS plan FROM range(1000))
       TO '${join(root, 'extracts', 'plans.csv')}' (FORMAT csv, HEADER)`,
    );
  } finally {
    s.close();
  }
}

test('SQL reads Parquet and CSV by paths relative to the project root, from any subfolder', async (t) => {
  const root = makeProject({
    'extracts/.keep': '',
    'models/raw/customers.sql': "SELECT * FROM read_parquet('extracts/*.parquet')",
    'models/raw/plans.sql': "SELECT * FROM read_csv('extracts/plans.csv')",
    'models/mart/customers.sql': `-- @kind: merge
-- @unique_key: id
SELECT c.id, c.name, p.plan FROM raw.customers c JOIN raw.plans p USING (id)`,
  });
  await writeInputs(root);
  const c = capture();
  const code = await runCommand({ cwd: join(root, 'models', 'mart'), selectors: [], json: true }, c.io);
  t.is(code, 0, c.err());
  t.deepEqual(
    c.json().map((r) => [r['model'], r['rows']]),
    [
      ['raw.customers', 1000],
      ['raw.plans', 1000],
      ['mart.customers', 1000],
    ],
  );
  const rows = await withStore(root, (s) =>
    s.queryJson('SELECT plan, count(*)::INT AS n FROM mart.customers GROUP BY plan ORDER BY plan'),
  );
  t.deepEqual(rows, [
    { plan: 'free', n: 500 },
    { plan: 'pro', n: 500 },
  ]);
});

test('a view over a file resolves relative paths from the root when queried later', async (t) => {
  const root = makeProject({
    'extracts/.keep': '',
    'models/raw/v.sql':
      "-- @kind: view\nSELECT count(*) AS n FROM read_parquet('extracts/customers.parquet')",
  });
  await writeInputs(root);
  const c = capture();
  t.is(await runCommand({ cwd: join(root, 'models'), selectors: [] }, c.io), 0, c.err());
  const rows = await withStore(root, (s) => s.queryJson('SELECT n::INT AS n FROM raw.v'));
  t.deepEqual(rows, [{ n: 1000 }]);
});

test('--state and EBB_STATE choose where state lives', async (t) => {
  const root = makeProject({ 'models/a/x.sql': 'SELECT 42 AS v' });
  const c = capture();
  t.is(await runCommand({ cwd: root, selectors: [], state: 'elsewhere/s.duckdb' }, c.io), 0);
  const s = await Store.open({ path: join(root, 'elsewhere', 's.duckdb'), root });
  t.deepEqual(await s.queryJson('SELECT v FROM a.x'), [{ v: 42 }]);
  s.close();
  const c2 = capture();
  t.is(
    await runCommand({ cwd: root, selectors: [], env: { EBB_STATE: join(root, 'env.duckdb') } }, c2.io),
    0,
  );
  const s2 = await Store.open({ path: join(root, 'env.duckdb'), root });
  t.deepEqual(await s2.queryJson('SELECT v FROM a.x'), [{ v: 42 }]);
  s2.close();
});

test('no project above the current folder is a clear error', async (t) => {
  const c = capture();
  const code = await runCommand({ cwd: '/', selectors: [] }, c.io);
  t.is(code, 2);
  t.regex(c.err(), /no ebb project found: neither \/ nor any folder above it holds a models\/ folder/);
});

test("the CLI reads the project's files even when the folder it starts in has a file at the same relative path", async (t) => {
  const root = makeProject({
    'extracts/.keep': '',
    'models/raw/n.sql': "SELECT count(*) AS n FROM read_parquet('extracts/customers.parquet')",
  });
  await writeInputs(root);
  const elsewhere = tempDir();
  mkdirSync(join(elsewhere, 'extracts'));
  const s = await Store.open({ path: ':memory:', root: elsewhere });
  try {
    await s.exec(
      `COPY (SELECT 1 AS id) TO '${join(elsewhere, 'extracts', 'customers.parquet')}' (FORMAT parquet)`,
    );
  } finally {
    s.close();
  }
  const r = await ebb(['run', '--project', root, '--json'], { cwd: elsewhere });
  t.is(r.code, 0, r.stderr);
  const rows = await withStore(root, (st) => st.queryJson('SELECT n::INT AS n FROM raw.n'));
  t.deepEqual(rows, [{ n: 1000 }]);
});
