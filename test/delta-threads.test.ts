// A tracked delta whose source tables hold at most a row group is computed on one DuckDB thread
// (tracked-outlet.ts #delta); a larger or unknown source keeps DuckDB's threads for it. The size
// comes from the catalog, the query parsed but not bound (lib/store/source-rows.ts).

import { join } from 'node:path';
import test from 'ava';
import { ONE_THREAD_ROWS } from '../lib/runtime/tracked-outlet.js';
import { sourceRows, Store } from '../lib/store/index.js';
import { makeProject, tempDir } from './helpers/project.js';
import { runProject } from './helpers/run.js';

test('sourceRows sums the sizes of the tables a query names, and knows nothing of table functions, files, views or bad SQL', async (t) => {
  const store = await Store.open({ path: join(tempDir(), 'state.duckdb'), root: tempDir() });
  try {
    await store.exec('CREATE SCHEMA src');
    await store.exec('CREATE TABLE src.a AS SELECT range AS id FROM range(1500)');
    await store.exec('CREATE TABLE b AS SELECT range AS id FROM range(20)');
    await store.exec('CREATE VIEW src.v AS SELECT * FROM src.a');
    t.is(await sourceRows(store, 'SELECT id FROM src.a ORDER BY id'), 1500);
    t.is(
      await sourceRows(store, 'SELECT * FROM SRC.A JOIN b USING (id)'),
      1520,
      'names are case-insensitive',
    );
    t.is(
      await sourceRows(store, 'WITH x AS (SELECT * FROM b) SELECT * FROM x, x AS y'),
      20,
      'a CTE is not a table',
    );
    t.is(await sourceRows(store, 'SELECT 1 AS id'), 0);
    t.is(await sourceRows(store, 'SELECT * FROM range(10)'), undefined);
    t.is(
      await sourceRows(store, "SELECT * FROM src.a WHERE id IN (SELECT * FROM read_csv('x.csv'))"),
      undefined,
    );
    t.is(await sourceRows(store, "SELECT * FROM 'items.parquet'"), undefined);
    t.is(await sourceRows(store, 'SELECT * FROM src.v'), undefined);
    t.is(await sourceRows(store, 'SELECT * FROM src.missing'), undefined);
    t.is(await sourceRows(store, 'SELEC 1'), undefined);
  } finally {
    store.close();
  }
});

/** The order of the run's statements: where DuckDB is narrowed to one thread, and where the delta is made. */
async function narrowedBeforeDelta(root: string, model: string): Promise<boolean> {
  const r = await runProject(root, { selectors: [model], env: { ...process.env, EBB_DEBUG: 'sql' } });
  if (r.code !== 0) throw new Error(r.err);
  const lines = r.err.split('\n').filter((l) => l.startsWith('[sql]'));
  const narrow = lines.findIndex((l) => l.includes('SET threads = 1'));
  const delta = lines.findIndex((l) => /CREATE OR REPLACE TABLE \S*_ebb_delta_rows AS/.test(l));
  if (narrow < 0 || delta < 0) throw new Error(`no SET threads or delta in:\n${lines.join('\n')}`);
  return narrow < delta;
}

test('the delta of a source of at most a row group runs on one thread; of a larger one, on DuckDB’s threads', async (t) => {
  const sync = (table: string) =>
    `# @kind: tracked\n# @unique_key: id\nfor row in query("SELECT id FROM ${table}"):\n    save.row(row)\n`;
  const root = makeProject({
    'models/src/small.sql': '-- @kind: table\nSELECT range AS id FROM range(1000)',
    'models/src/large.sql': `-- @kind: table\nSELECT range AS id FROM range(${ONE_THREAD_ROWS + 1})`,
    'models/sync/small.star': sync('src.small'),
    'models/sync/large.star': sync('src.large'),
    // Reads its rows' values: pages are read from DuckDB (a script that only saves rows reads none).
    'models/sync/large2.star':
      '# @kind: tracked\n# @unique_key: id\nfor row in query("SELECT id FROM src.large"):\n    if row["id"] < 0:\n        fail("negative")\n    save.row(row)\n',
    'models/sync/generated.star': sync(`range(${ONE_THREAD_ROWS + 1}) t(id)`),
  });
  const built = await runProject(root, { selectors: ['src.*'] });
  t.is(built.code, 0, built.err);
  t.true(await narrowedBeforeDelta(root, 'sync.small'));
  t.false(await narrowedBeforeDelta(root, 'sync.large'));
  // After a large delta, behind the first page's reads: not on the way to them.
  const large = await runProject(root, {
    selectors: ['sync.large2'],
    env: { ...process.env, EBB_DEBUG: 'sql' },
  });
  t.is(large.code, 0, large.err);
  const sql = large.err.split('\n').filter((l) => l.startsWith('[sql]'));
  const firstPage = sql.findIndex((l) => l.includes('SELECT encode('));
  t.true(firstPage >= 0 && firstPage < sql.findIndex((l) => l.includes('SET threads = 1')), sql.join('\n'));
  t.false(await narrowedBeforeDelta(root, 'sync.generated'), 'a table function: size unknown');
  // A run with nothing new narrows before its (empty) delta too.
  t.true(await narrowedBeforeDelta(root, 'sync.small'));
});

test('a run gives DuckDB back the thread count ebb.yaml set, not its default, after a tracked model narrowed it', async (t) => {
  const root = makeProject({
    'ebb.yaml': 'duckdb:\n  threads: 3\n',
    'models/src/small.sql': '-- @kind: table\nSELECT range AS id FROM range(10)',
    'models/sync/small.star':
      '# @kind: tracked\n# @unique_key: id\nfor row in query("SELECT id FROM src.small"):\n    save.row(row)\n',
    'models/after/threads.sql':
      "-- @kind: table\nSELECT current_setting('threads') AS threads, count(*) AS n FROM sync.small",
  });
  const r = await runProject(root, { env: { ...process.env, EBB_DEBUG: 'sql' } });
  t.is(r.code, 0, r.err);
  const store = await Store.open({ path: join(root, 'state', 'ebb.duckdb'), root });
  try {
    t.deepEqual(await store.query('SELECT threads::INT AS threads, n::INT AS n FROM after.threads'), [
      { threads: 3, n: 10 },
    ]);
  } finally {
    store.close();
  }
  // Set back as the next model starts, not as the tracked one ends.
  const sql = r.err.split('\n').filter((l) => l.startsWith('[sql]'));
  const back = sql.findIndex((l) => l.includes('SET threads = 3'));
  const recorded = sql.findIndex((l) => l.includes('INSERT INTO _ebb.runs'));
  t.true(back > recorded && recorded >= 0, sql.join('\n'));
  // With no model after it, the count is not set back at all: the process is about to end.
  const alone = await runProject(root, {
    selectors: ['sync.small'],
    env: { ...process.env, EBB_DEBUG: 'sql' },
  });
  t.is(alone.code, 0, alone.err);
  t.false(alone.err.includes('SET threads = 3'), alone.err);
});
