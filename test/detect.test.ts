import test from 'ava';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { rowHashSql, tagConstant } from '../lib/detect/canonical.js';
import { SeqRuns } from '../lib/detect/seq-runs.js';
import { TrackedSession } from '../lib/detect/tracked.js';
import { loadProject } from '../lib/project/index.js';
import { Store } from '../lib/store/index.js';
import { makeProject, REPO, TSX_IMPORT } from './helpers/project.js';

async function hashOf(store: Store, select: string): Promise<string> {
  const cols = await store.columnsOf(select);
  return String(await store.scalar(`SELECT ${rowHashSql(cols, 'q')}::VARCHAR FROM (${select}) AS q`));
}

const TRICKY = `SELECT NULL::INTEGER AS n, -0.0::DOUBLE AS z, 'NaN'::DOUBLE AS nan, 12.50::DECIMAL(10, 2) AS d,
  TIMESTAMPTZ '2026-11-25 10:40:34.254517+02' AS tz, [1, NULL, 3] AS l, {'b': 'x', 'a': [1.5, NULL]} AS s,
  MAP {'k': 1} AS m, 'é,=' AS str, 123456789012345678901234567890::HUGEINT AS h, DATE '2026-01-02' AS day,
  TIMESTAMP '2026-01-02 03:04:05' AS ts, '\\x00\\x01'::BLOB AS b, true AS flag`;

test('the hash ignores column order and treats NULL like a missing column', async (t) => {
  const s = await Store.open({ path: ':memory:', root: '/' });
  t.is(await hashOf(s, "SELECT 1 AS a, 'x' AS b"), await hashOf(s, "SELECT 'x' AS b, 1 AS a"));
  t.is(await hashOf(s, 'SELECT 1 AS a, NULL AS c'), await hashOf(s, 'SELECT 1 AS a'));
  t.not(await hashOf(s, 'SELECT 1 AS a'), await hashOf(s, "SELECT '1' AS a"));
  t.not(await hashOf(s, "SELECT 'a,b' AS x, 'c' AS y"), await hashOf(s, "SELECT 'a' AS x, 'b,c' AS y"));
  s.close();
});

test('the hash has one form for -0.0, NaN, decimals, integer widths and time zones', async (t) => {
  const s = await Store.open({ path: ':memory:', root: '/' });
  t.is(await hashOf(s, 'SELECT -0.0::DOUBLE AS v'), await hashOf(s, 'SELECT 0.0::DOUBLE AS v'));
  t.is(await hashOf(s, "SELECT 'NaN'::DOUBLE AS v"), await hashOf(s, "SELECT -('NaN'::DOUBLE) AS v"));
  t.is(
    await hashOf(s, 'SELECT 1.50::DECIMAL(10, 2) AS v'),
    await hashOf(s, 'SELECT 1.5::DECIMAL(18, 4) AS v'),
  );
  t.is(await hashOf(s, 'SELECT 2.00::DECIMAL(10, 2) AS v'), await hashOf(s, 'SELECT 2::BIGINT AS v'));
  t.is(await hashOf(s, 'SELECT 7::TINYINT AS v'), await hashOf(s, 'SELECT 7::HUGEINT AS v'));
  t.is(
    await hashOf(s, "SELECT TIMESTAMPTZ '2026-11-25 10:00:00+02' AS v"),
    await hashOf(s, "SELECT TIMESTAMPTZ '2026-11-25 08:00:00+00' AS v"),
  );
  t.is(await hashOf(s, "SELECT {'a': 1, 'b': NULL} AS v"), await hashOf(s, "SELECT {'a': 1} AS v"));
  t.not(await hashOf(s, 'SELECT [1, NULL] AS v'), await hashOf(s, 'SELECT [1] AS v'));
  s.close();
});

test('the hash of tricky values is the same in another process and session time zone', async (t) => {
  const s = await Store.open({ path: ':memory:', root: '/' });
  const here = await hashOf(s, TRICKY);
  s.close();
  const script = `
    import { Store } from ${JSON.stringify(join(REPO, 'lib/store/index.ts'))};
    import { rowHashSql } from ${JSON.stringify(join(REPO, 'lib/detect/canonical.ts'))};
    const s = await Store.open({ path: ':memory:', root: '/' });
    await s.exec("SET TimeZone = 'Asia/Tokyo'");
    const sql = ${JSON.stringify(TRICKY)};
    const cols = await s.columnsOf(sql);
    process.stdout.write(String(await s.scalar('SELECT ' + rowHashSql(cols, 'q') + '::VARCHAR FROM (' + sql + ') AS q')));
    s.close();`;
  const there = execFileSync(process.execPath, [TSX_IMPORT, '--input-type=module', '-e', script], {
    encoding: 'utf8',
    cwd: REPO,
  });
  t.is(there, here);
});

test("the hash is the XOR of each column's DuckDB hash() mixed with its tag constant (pinned design)", async (t) => {
  // If this fails, stored hashes no longer match: bump HASH_DESIGN so rows are re-hashed.
  const s = await Store.open({ path: ':memory:', root: '/' });
  const term = (v: string, kind: string, name: string) =>
    `hash(xor(hash(${v}), ${tagConstant(kind, name)}::UBIGINT))`;
  const expected = String(
    await s.scalar(
      `SELECT xor(xor(${term('2.5::DECIMAL(38,18)', 'd', 'amount')}, ${term("'a@example.com'", 's', 'email')}), ${term('1::HUGEINT', 'n', 'id')})::VARCHAR`,
    ),
  );
  t.is(
    tagConstant('n', 'ID'),
    BigInt('0x' + createHash('sha256').update('n:id').digest('hex').slice(0, 16)).toString(),
  );
  t.is(await hashOf(s, "SELECT 1 AS id, 'a@example.com' AS email, 2.50::DECIMAL(5,2) AS amount"), expected);
  s.close();
});

/** trackedProject is a project of one tracked model keyed by `key`, its state holding `src` made by `source`. */
async function trackedProject(key: string, source: string): Promise<string> {
  const root = makeProject({ 'models/sync/users.star': `# @kind: tracked\n# @unique_key: ${key}\n` });
  const store = await Store.open({ path: join(root, 'state', 'ebb.duckdb'), root });
  try {
    await store.exec(source);
  } finally {
    store.close();
  }
  return root;
}

async function session(root: string, sql: string) {
  const project = loadProject(root);
  const store = await Store.open({ path: join(root, 'state', 'ebb.duckdb'), root });
  const model = project.models[0]!;
  const s = new TrackedSession(store, model, 'run-1');
  const counts = await s.computeDelta(sql);
  return { store, s, counts };
}

test('a tracked session: all new, acknowledged, then nothing; changes and deletions come back', async (t) => {
  const root = await trackedProject(
    'id',
    "CREATE TABLE src AS SELECT * FROM (VALUES (1, 'a'), (2, 'b'), (3, 'c')) t(id, email)",
  );
  let { store, s, counts } = await session(root, 'SELECT id, email FROM src');
  t.deepEqual(counts, { new: 3, changed: 0, deleted: 0 });
  const page = await s.page(0, 10);
  t.deepEqual(page.columns, ['id', 'email']);
  t.deepEqual(
    page.rows.map((r) => [r.seq, r.change, r.before]),
    [
      [1, 'new', null],
      [2, 'new', null],
      [3, 'new', null],
    ],
  );
  t.is(await s.ack([1, 2]), 2);
  await s.close();
  store.close();
  ({ store, s, counts } = await session(root, 'SELECT id, email FROM src'));
  t.deepEqual(counts, { new: 1, changed: 0, deleted: 0 });
  t.is(await s.ack([1]), 1);
  await store.exec("UPDATE src SET email = 'B' WHERE id = 2");
  await store.exec('DELETE FROM src WHERE id = 3');
  await s.close();
  store.close();
  ({ store, s, counts } = await session(root, 'SELECT email, id FROM src'));
  t.deepEqual(counts, { new: 0, changed: 1, deleted: 1 });
  const changed = await s.page(0, 10);
  t.is(changed.rows.length, 1);
  t.is(changed.rows[0]!.change, 'changed');
  const gone = await s.deletedPage(0, 10);
  t.deepEqual(gone.columns, ['id', 'email']);
  t.is(gone.rows.length, 1);
  t.is(await s.ackDeleted([gone.rows[0]!.seq]), 1);
  await s.close();
  // The delta's and the deletions' tables and views go with the session.
  t.is(await workLeft(store), 0);
  store.close();
  ({ store, s, counts } = await session(root, 'SELECT id, email FROM src'));
  t.deepEqual(counts, { new: 0, changed: 1, deleted: 0 });
  await s.close();
  store.close();
});

/** workLeft counts the working tables and views (of a session's delta and deletions) still there. */
async function workLeft(store: Store): Promise<number> {
  const count = async (what: 'table' | 'view') =>
    Number(
      await store.scalar(
        `SELECT count(*) FROM duckdb_${what}s() WHERE starts_with(${what}_name, '_ebb_') AND NOT internal`,
      ),
    );
  return (await count('table')) + (await count('view'));
}

test("the table a first acknowledgement makes has the query's columns, then the tracking ones, the run id a dictionary", async (t) => {
  const root = await trackedProject(
    'id',
    "CREATE TABLE src AS SELECT range AS id, 'e' || range AS email FROM range(3000)",
  );
  const { store, s } = await session(root, 'SELECT id, email FROM src');
  t.is(await s.ack(Array.from({ length: 3000 }, (_v, i) => i + 1)), 3000);
  t.deepEqual(
    (
      await store.query(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'users' ORDER BY ordinal_position",
      )
    ).map((r) => r['column_name']),
    ['id', 'email', '_ebb_hash', '_ebb_saved_at', '_ebb_run_id'],
  );
  // Run ids all different, which DuckDB would not write with a dictionary of its own accord.
  await store.exec("UPDATE sync.users SET _ebb_run_id = 'run-' || id");
  await store.exec('CHECKPOINT');
  const compression = await store.query(
    "SELECT DISTINCT compression FROM pragma_storage_info('sync.users') WHERE column_name = '_ebb_run_id' AND segment_type = 'VARCHAR'",
  );
  t.deepEqual(
    compression.map((r) => r['compression']),
    ['Dictionary'],
  );
  await s.close();
  store.close();
});

test('a delta computed inside a transaction (ebb plan) is numbered from 1 and read by its sequence numbers', async (t) => {
  const root = makeProject({ 'models/sync/users.star': '# @kind: tracked\n# @unique_key: id\n' });
  const store = await Store.open({ path: join(root, 'state', 'ebb.duckdb'), root });
  try {
    await store.exec('CREATE TABLE src AS SELECT range AS id FROM range(20000, 0, -1)');
    await store.exec('BEGIN TRANSACTION');
    const s = new TrackedSession(store, loadProject(root).models[0]!, 'run-1', { readOnly: true });
    t.deepEqual(await s.computeDelta('SELECT id FROM src'), { new: 20000, changed: 0, deleted: 0 });
    const page = await s.page(16384, 3);
    t.deepEqual(
      page.rows.map((r) => [r.seq, Number(r.values[0])]),
      [
        [16385, 16385],
        [16386, 16386],
        [16387, 16387],
      ],
    );
    await s.close();
    await store.exec('ROLLBACK');
  } finally {
    store.close();
  }
});

test("acknowledgements commit on a connection of their own, beside a transaction open on the session's", async (t) => {
  // The script's pages are read on the session's store while acknowledgements commit: a commit
  // on the same connection would wait for the reads (or, here, meet the open transaction).
  const root = await trackedProject(
    'id',
    "CREATE TABLE src AS SELECT * FROM (VALUES (1, 'a'), (2, 'b'), (3, 'c')) t(id, email)",
  );
  const { store, s } = await session(root, 'SELECT id, email FROM src');
  t.not(s.ackStore, store);
  await store.exec('BEGIN TRANSACTION');
  t.is((await s.page(0, 10)).rows.length, 3);
  t.is(await s.ack([1, 3]), 2);
  // Committed: the session's connection sees the rows once its own transaction is over.
  await store.exec('ROLLBACK');
  t.deepEqual(
    (await store.query('SELECT id FROM sync.users ORDER BY id')).map((r) => r['id']),
    [1, 3],
  );
  // Acknowledged already, repeated or out of the delta: only 2 is new.
  t.is(await s.ack([3, 2, 3, 0, 99, 2]), 1);
  t.is(await s.ack(new SeqRuns([1, 3])), 0);
  t.deepEqual(
    (await store.query('SELECT id FROM sync.users ORDER BY id')).map((r) => r['id']),
    [1, 2, 3],
  );
  // The working tables are seen by both connections, and gone with the session.
  await s.close();
  t.is(await workLeft(store), 0);
  store.close();
});

test('the delta is numbered in key order whatever the source order, on several threads, new and changed alike', async (t) => {
  const root = makeProject({ 'models/sync/users.star': '# @kind: tracked\n# @unique_key: a, b\n' });
  const store0 = await Store.open({ path: join(root, 'state', 'ebb.duckdb'), root });
  // Several row groups in random order, so DuckDB scans and sorts them in parallel.
  await store0.exec(
    `CREATE TABLE src AS SELECT (hash(range) % 1000)::INT AS a, range::VARCHAR AS b, random() AS x FROM range(300000) ORDER BY hash(range * 7)`,
  );
  store0.close();
  const inOrder = async (store: Store) => {
    await store.exec('SET threads = 4');
    const bad = await store.query(
      `SELECT count(*)::DOUBLE AS n FROM (SELECT _ebb_seq, a, b, lag(a) OVER (ORDER BY _ebb_seq) AS pa, lag(b) OVER (ORDER BY _ebb_seq) AS pb FROM _ebb_work.main._ebb_delta) WHERE pa IS NOT NULL AND (pa, pb) >= (a, b)`,
    );
    const dense = await store.query(
      'SELECT min(_ebb_seq)::DOUBLE AS lo, max(_ebb_seq)::DOUBLE AS hi, count(*)::DOUBLE AS n FROM _ebb_work.main._ebb_delta',
    );
    return { outOfOrder: bad[0]!['n'], ...dense[0] };
  };
  // A query sorted by the key keeps its order; one sorted otherwise, or not at all, is sorted.
  for (const order of ['ORDER BY a, b', 'ORDER BY a DESC, b', 'ORDER BY b', '']) {
    const first = await session(root, `SELECT a, b, x FROM src ${order}`);
    t.is(first.counts.new, 300000);
    t.deepEqual(await inOrder(first.store), { outOfOrder: 0, lo: 1, hi: 300000, n: 300000 }, order);
    await first.s.close();
    first.store.close();
  }
  let { store, s, counts } = await session(root, 'SELECT a, b, x FROM src ORDER BY a, b');
  await s.ack(Array.from({ length: 300000 }, (_x, i) => i + 1));
  await s.close();
  await store.exec('UPDATE src SET x = -x WHERE b::INT % 3 = 0');
  store.close();
  ({ store, s, counts } = await session(root, 'SELECT a, b, x FROM src'));
  t.is(counts.changed, 100000);
  t.deepEqual(await inOrder(store), { outOfOrder: 0, lo: 1, hi: 100000, n: 100000 });
  await s.close();
  store.close();
});

test('a repeated key is found whether it is stored, new or changed, and a NULL key too', async (t) => {
  const root = await trackedProject(
    'id',
    "CREATE TABLE src AS SELECT * FROM (VALUES (1, 'a'), (2, 'b'), (3, 'c')) t(id, email)",
  );
  const { store, s } = await session(root, 'SELECT id, email FROM src');
  await s.ack([1, 2, 3]);
  await s.close();
  const model = loadProject(root).models[0]!;
  for (const [sql, message] of [
    ["SELECT * FROM src UNION ALL SELECT 1, 'a'", /key \(id=1\) 2 times/],
    ["SELECT * FROM src UNION ALL SELECT 2, 'B'", /key \(id=2\) 2 times/],
    ["SELECT * FROM src UNION ALL SELECT 4, 'd' UNION ALL SELECT 4, 'e'", /key \(id=4\) 2 times/],
    ["SELECT * FROM src WHERE id <> 3 UNION ALL SELECT 1, 'x'", /key \(id=1\) 2 times/],
    ["SELECT * FROM src UNION ALL SELECT NULL, 'n'", /has a NULL part/],
  ] as const) {
    const again = new TrackedSession(store, model, 'run-2');
    await t.throwsAsync(() => again.computeDelta(sql), { message: message }, sql);
    await again.close();
  }
  store.close();
});

test('changed and deleted rows page the same way typed and as JSON, in key order, across pages', async (t) => {
  const root = await trackedProject(
    'id',
    "CREATE TABLE src AS SELECT i AS id, 'e' || i AS email FROM range(1, 11) t(i)",
  );
  let { store, s } = await session(root, 'SELECT id, email FROM src');
  t.is(await s.ack(Array.from({ length: 10 }, (_v, i) => i + 1)), 10);
  await store.exec("UPDATE src SET email = 'E' || id WHERE id % 3 = 0");
  await store.exec('DELETE FROM src WHERE id IN (2, 5, 7, 10)');
  await s.close();
  store.close();
  let counts;
  ({ store, s, counts } = await session(root, 'SELECT id, email FROM src'));
  t.deepEqual(counts, { new: 0, changed: 3, deleted: 4 });
  const decode = (b: Uint8Array | undefined) => JSON.parse(new TextDecoder().decode(b)) as unknown[];
  // Deleted rows, in pages of 3 and 1: typed values and the JSON lists agree.
  const typed = [...(await s.deletedPage(0, 3)).rows, ...(await s.deletedPage(3, 1)).rows];
  t.deepEqual(
    typed.map((r) => [r.seq, r.change, Number(r.values[0]), r.values[1]]),
    [
      [1, 'deleted', 2, 'e2'],
      [2, 'deleted', 5, 'e5'],
      [3, 'deleted', 7, 'e7'],
      [4, 'deleted', 10, 'e10'],
    ],
  );
  const json = await s.deletedJsonPage(1, 3);
  t.is(json!.json!.fixedChange, 'deleted');
  t.deepEqual(decode(json!.json!.seqs), [2, 3, 4]);
  t.deepEqual(decode(json!.json!.columns![0]), [5, 7, 10]);
  t.deepEqual(decode(json!.json!.columns![1]), ['e5', 'e7', 'e10']);
  t.deepEqual(await s.deletedJsonPage(4, 3), { columns: ['id', 'email'], first: 5, count: 0 });
  // Changed rows: typed with their before, and as JSON with their changes and befores.
  const changed = await s.page(0, 10);
  t.deepEqual(
    changed.rows.map((r) => [r.seq, r.change, r.values[1]]),
    [
      [1, 'changed', 'E3'],
      [2, 'changed', 'E6'],
      [3, 'changed', 'E9'],
    ],
  );
  const page = (await s.jsonPage(0, 10))!.json!;
  t.deepEqual(decode(page.change), [1, 1, 1]);
  t.deepEqual(decode(page.columns![1]), ['E3', 'E6', 'E9']);
  t.deepEqual(decode(page.before), [
    { f0: 3, f1: 'e3' },
    { f0: 6, f1: 'e6' },
    { f0: 9, f1: 'e9' },
  ]);
  t.is(await s.ackDeleted([1, 2, 3, 4]), 4);
  t.is(await s.ack([1, 2, 3]), 3);
  await s.close();
  store.close();
  ({ store, s, counts } = await session(root, 'SELECT id, email FROM src'));
  t.deepEqual(counts, { new: 0, changed: 0, deleted: 0 });
  await s.close();
  store.close();
});
