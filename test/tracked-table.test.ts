// The table a tracked model's first acknowledgement makes: its string columns whose first rows
// are nearly all distinct are FSST (DuckDB would try a dictionary on them at every commit), the
// others keep DuckDB's choice; column order, types and collations stay as the query's.

import test from 'ava';
import { join } from 'node:path';
import { TrackedSession } from '../lib/detect/tracked.js';
import { spreadColumns, spreadSql, withFsst } from '../lib/detect/tracked-table.js';
import { loadProject } from '../lib/project/index.js';
import { Store } from '../lib/store/index.js';
import { VARCHAR } from '@duckdb/node-api';
import { makeProject } from './helpers/project.js';

test('withFsst rewrites DuckDB’s statement of a table, whatever its names and types hold', (t) => {
  const ddl =
    'CREATE TABLE sync.items(id BIGINT, "na,me" VARCHAR COLLATE NOCASE, s STRUCT(a INTEGER, "b c" VARCHAR), e ENUM(\'x,y\', \'z\'), "q""uote" VARCHAR, tail VARCHAR);';
  t.is(
    withFsst(ddl, '"sync"."items"', ['na,me', 'q"uote', 'tail']),
    'CREATE TABLE "sync"."items"(id BIGINT, "na,me" VARCHAR COLLATE NOCASE USING COMPRESSION \'fsst\', s STRUCT(a INTEGER, "b c" VARCHAR), e ENUM(\'x,y\', \'z\'), "q""uote" VARCHAR USING COMPRESSION \'fsst\', tail VARCHAR USING COMPRESSION \'fsst\')',
  );
  // A column not found, or a statement not read as expected, leaves the table as it is.
  t.is(withFsst(ddl, '"sync"."items"', ['missing']), undefined);
  t.is(withFsst('CREATE TABLE t(a VARCHAR, b STRUCT(x INTEGER);', 't', ['a']), undefined);
});

test('a column counts as spread from 1,024 values of which 90 % are distinct', (t) => {
  const columns = ['a', 'b', 'c', 'd'].map((name) => ({ name, type: VARCHAR }));
  t.regex(
    spreadSql(columns.slice(0, 1), 'd'),
    /^SELECT count\("a"\)::DOUBLE AS n0, approx_count_distinct\("a"\)::DOUBLE AS d0 FROM d WHERE _ebb_pos < 16384$/,
  );
  const row = { n0: 2000, d0: 1900, n1: 2000, d1: 1700, n2: 1000, d2: 1000, n3: 16384, d3: 16600 };
  t.deepEqual(spreadColumns(columns, row), ['a', 'd']);
});

test('the first acknowledgement makes spread string columns FSST and keeps the rest as DuckDB chooses', async (t) => {
  const root = makeProject({ 'models/sync/users.star': '# @kind: tracked\n# @unique_key: id\n' });
  const store = await Store.open({ path: join(root, 'state', 'ebb.duckdb'), root });
  try {
    await store.exec(
      `CREATE TABLE src AS SELECT range AS id, 'user' || range || '@example.com' AS email,
         (['active', 'churned'][range % 2 + 1])::VARCHAR COLLATE NOCASE AS status, range % 7 AS n FROM range(5000)`,
    );
    const s = new TrackedSession(store, loadProject(root).models[0]!, 'run-1');
    await s.computeDelta('SELECT id, email, status, n FROM src');
    t.is(await s.ack(Array.from({ length: 5000 }, (_v, i) => i + 1)), 5000);
    await s.close();
    const ddl = String(await store.scalar("SELECT sql FROM duckdb_tables() WHERE table_name = 'users'"));
    t.regex(
      ddl,
      /^CREATE TABLE sync\.users\(id BIGINT, email VARCHAR, status VARCHAR COLLATE NOCASE, n BIGINT, _ebb_hash UBIGINT, _ebb_saved_at TIMESTAMP WITH TIME ZONE, _ebb_run_id VARCHAR\);$/,
    );
    // Every email alike now: DuckDB would write them as a dictionary (or a constant) of its own accord.
    await store.exec("UPDATE sync.users SET email = 'same@example.com', _ebb_run_id = 'run-' || id");
    await store.exec('CHECKPOINT');
    const by = async (column: string) =>
      (
        await store.query(
          `SELECT DISTINCT compression FROM pragma_storage_info('sync.users') WHERE column_name = '${column}' AND segment_type = 'VARCHAR'`,
        )
      ).map((r) => r['compression']);
    t.deepEqual(await by('email'), ['FSST']);
    t.deepEqual(await by('status'), ['Dictionary']);
    t.deepEqual(await by('_ebb_run_id'), ['Dictionary'], 'the run id keeps its own');
    t.is(
      Number(await store.scalar("SELECT count(*) FROM sync.users WHERE status = 'ACTIVE'")),
      2500,
      'collated',
    );
  } finally {
    store.close();
  }
});
