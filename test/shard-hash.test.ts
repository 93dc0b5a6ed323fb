// The shard hash is pinned: fixed keys (strings, integers of any width, composite keys) land in
// fixed shards, in DuckDB SQL (what a sharded run filters with) and in its TypeScript twin (what
// reshard's checks and tests use), and the two agree on many keys. A change of either moves
// keys between shards, which would send delivered rows again: these tests must not be updated
// to follow such a change.

import test from 'ava';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  keyText,
  parseShard,
  shardBody,
  shardOf,
  shardOfSql,
  shardPredicateSql,
} from '../lib/detect/shard.js';
import { UsageError, type ProjectProblem } from '../lib/errors.js';
import { parseDirectives } from '../lib/project/directives.js';

/** [key parts, shard of 4, shard of 3, shard of 1000], computed once and never to change. */
const PINNED: ReadonlyArray<readonly [ReadonlyArray<string | number>, number, number, number]> = [
  [['a'], 1, 0, 177],
  [['alice@example.com'], 0, 0, 836],
  [['é'], 3, 1, 119],
  [[''], 1, 1, 393],
  [[0], 0, 0, 916],
  [[1], 0, 1, 560],
  [[42], 0, 1, 184],
  [[-7], 2, 0, 50],
  [['12345678901234567890123'], 3, 2, 515],
  [['acme', 42], 0, 0, 760],
  [['a:b', 'c'], 0, 1, 8],
  [[7, '2024-01-02'], 0, 1, 36],
];

async function sqlRows(sql: string): Promise<Array<Record<string, unknown>>> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  try {
    return (await c.runAndReadAll(sql)).getRowObjectsJson() as Array<Record<string, unknown>>;
  } finally {
    c.closeSync();
    db.closeSync();
  }
}

test('the TypeScript shard of fixed keys is pinned', (t) => {
  for (const [parts, of4, of3, of1000] of PINNED) {
    t.deepEqual(
      [shardOf(parts, 4), shardOf(parts, 3), shardOf(parts, 1000)],
      [of4, of3, of1000],
      JSON.stringify(parts),
    );
  }
  t.is(keyText(['acme', 42]), '4:acme2:42');
  t.is(keyText([12345678901234567890123n]), '12345678901234567890123');
});

test('the SQL shard of fixed keys is pinned, whatever the integer width of the column', async (t) => {
  const single = PINNED.filter(([p]) => p.length === 1);
  const strings = single.filter(([p]) => typeof p[0] === 'string');
  const ints = single.filter(([p]) => typeof p[0] === 'number');
  const lit = (v: string | number) => (typeof v === 'string' ? `'${v}'` : String(v));
  const select = (rows: typeof PINNED, type: string, keys: string[]) =>
    rows
      .map(
        ([p], i) =>
          `SELECT ${i} AS i, ${p.map((v, j) => `CAST(${lit(v)} AS ${j === 0 ? type : typeof v === 'number' ? 'INTEGER' : 'VARCHAR'}) AS ${keys[j]}`).join(', ')}`,
      )
      .join(' UNION ALL ');
  const shards = (keys: string[]) =>
    `${shardOfSql(keys, 4, 't')}::INTEGER AS s4, ${shardOfSql(keys, 3, 't')}::INTEGER AS s3, ${shardOfSql(keys, 1000, 't')}::INTEGER AS s1000`;
  const check = async (rows: typeof PINNED, type: string, keys: string[]) => {
    const got = await sqlRows(`SELECT i, ${shards(keys)} FROM (${select(rows, type, keys)}) AS t ORDER BY i`);
    t.deepEqual(
      got.map((r) => [Number(r['s4']), Number(r['s3']), Number(r['s1000'])]),
      rows.map(([, a, b, c]) => [a, b, c]),
      `${type} ${keys.join(',')}`,
    );
  };
  await check(strings, 'VARCHAR', ['k']);
  for (const type of ['INTEGER', 'BIGINT', 'HUGEINT', 'DECIMAL(10,0)'])
    await check(
      ints.filter(([p]) => type !== 'DECIMAL(10,0)' || Number(p[0]) >= 0),
      type,
      ['k'],
    );
  await check([[['12345678901234567890123'], 3, 2, 515]], 'HUGEINT', ['k']);
  await check(
    PINNED.filter(([p]) => p.length === 2 && typeof p[0] === 'string'),
    'VARCHAR',
    ['a', 'b'],
  );
  await check(
    PINNED.filter(([p]) => p.length === 2 && typeof p[0] === 'number'),
    'BIGINT',
    ['a', 'b'],
  );
});

test('SQL and TypeScript agree on many keys, and the predicate splits a table exactly', async (t) => {
  const rows = await sqlRows(
    `SELECT i, 'user-' || i || '@example.com' AS email, ${shardOfSql(['i'], 7, 't')}::INTEGER AS by_int,
            ${shardOfSql(['email'], 5, 't')}::INTEGER AS by_email, ${shardOfSql(['email', 'i'], 3, 't')}::INTEGER AS by_both,
            (${shardPredicateSql(['i'], { index: 2, count: 7 }, 't')}) AS in_2
       FROM (SELECT range::BIGINT AS i, 'user-' || range || '@example.com' AS email FROM range(-1000, 2000)) AS t`,
  );
  t.is(rows.length, 3000);
  let mismatches = 0;
  for (const r of rows) {
    const i = Number(r['i']);
    const email = String(r['email']);
    if (
      Number(r['by_int']) !== shardOf([i], 7) ||
      Number(r['by_email']) !== shardOf([email], 5) ||
      Number(r['by_both']) !== shardOf([email, i], 3) ||
      r['in_2'] !== (shardOf([i], 7) === 2)
    )
      mismatches++;
  }
  t.is(mismatches, 0);
  // Every shard gets a fair part of the keys (none empty, none more than twice its share).
  const counts = new Array<number>(7).fill(0);
  for (const r of rows) counts[Number(r['by_int'])]!++;
  t.true(
    counts.every((n) => n > 3000 / 7 / 2 && n < (3000 / 7) * 2),
    counts.join(','),
  );
});

test('shardBody keeps exactly the rows of its shard, in the order the query gave them', async (t) => {
  const body = 'SELECT range AS id FROM range(100) ORDER BY id DESC';
  const got = (await sqlRows(shardBody(body, ['id'], { index: 1, count: 3 }))).map((r) => Number(r['id']));
  const want = Array.from({ length: 100 }, (_, i) => 99 - i).filter((i) => shardOf([i], 3) === 1);
  t.deepEqual(got, want);
  // A NULL key has no shard: every shard keeps it, so the run fails on it as an unsharded one does.
  const nulls = await sqlRows(
    shardBody('SELECT NULL::INTEGER AS id, 1 AS b', ['id', 'b'], { index: 2, count: 3 }),
  );
  t.is(nulls.length, 1);
});

test('the shard predicate is pure SQL text over the key columns, built on md5 and never on hash()', (t) => {
  const pred = shardPredicateSql(['account', 'day'], { index: 2, count: 5 }, 'q');
  t.is(
    pred,
    `(('0x' || md5(strlen(CAST(q."account" AS VARCHAR))::VARCHAR || ':' || CAST(q."account" AS VARCHAR) || strlen(CAST(q."day" AS VARCHAR))::VARCHAR || ':' || CAST(q."day" AS VARCHAR))[1:8])::UINTEGER % 5) = 2`,
  );
  t.false(/\bhash\(/.test(shardBody('SELECT 1 AS id', ['id'], { index: 0, count: 2 })));
  t.regex(
    shardBody('SELECT 1 AS id', ['id'], { index: 0, count: 2 }),
    /^SELECT \* FROM \(SELECT 1 AS id\n\) AS _ebb_s WHERE \(.*\) IS NOT FALSE$/s,
  );
});

test('parseShard reads I/N and refuses what is not 0 ≤ I < N', (t) => {
  t.deepEqual(parseShard('0/4', '--shard'), { index: 0, count: 4 });
  t.deepEqual(parseShard(' 3 / 4 ', 'EBB_SHARD'), { index: 3, count: 4 });
  for (const bad of ['4/4', '1/0', '-1/4', 'a/4', '2', '', '1/5000']) {
    const err = t.throws(() => parseShard(bad, 'EBB_SHARD'), { instanceOf: UsageError });
    t.regex(err!.message, /EBB_SHARD takes I\/N/, bad);
  }
  t.regex(t.throws(() => parseShard('4/4', '--shard'))!.message, /counts from 0/);
});

test('@shards: all is read on .star models that are not tracked, and refused elsewhere with file:line', (t) => {
  const read = (file: string, source: string) => {
    const problems: ProjectProblem[] = [];
    const d = parseDirectives(file, file.endsWith('.sql') ? 'sql' : 'star', source, problems);
    return { d, problems: problems.map((p) => `${p.file}:${p.line}: ${p.message}`) };
  };
  t.true(read('models/a/b.star', '# @shards: all\nsave.row({})\n').d.shardsAll);
  t.is(read('models/a/b.star', 'save.row({})\n').d.shardsAll, undefined);
  t.deepEqual(read('models/a/b.star', '# @kind: table\n# @shards: some\n').problems, [
    'models/a/b.star:2: bad value "some" for @shards: the one value is all (run in every shard; without it, shard 0 only)',
  ]);
  t.deepEqual(read('models/a/b.star', '# @kind: tracked\n# @unique_key: id\n# @shards: all\n').problems, [
    'models/a/b.star:3: @shards does not apply to a tracked model: each shard runs it for its own keys',
  ]);
  t.deepEqual(read('models/a/b.sql', '-- @shards: all\nSELECT 1').problems, [
    'models/a/b.sql:1: @shards applies to .star models; SQL models run in every shard already',
  ]);
});
