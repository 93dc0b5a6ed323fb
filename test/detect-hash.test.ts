// Properties of the canonical row hash (lib/detect/canonical.ts), checked in DuckDB.

import test from 'ava';
import { hashVersion, rowHashSql } from '../lib/detect/canonical.js';
import { Store } from '../lib/store/index.js';

async function withMemory<T>(fn: (s: Store) => Promise<T>): Promise<T> {
  const s = await Store.open({ path: ':memory:', root: '/' });
  try {
    return await fn(s);
  } finally {
    s.close();
  }
}

async function hashOf(s: Store, select: string): Promise<string> {
  const cols = await s.columnsOf(select);
  return String(await s.scalar(`SELECT ${rowHashSql(cols, 'q')}::VARCHAR FROM (${select}) AS q`));
}

/** distinct asserts that the rows of `selects` all hash differently. */
async function distinct(
  t: { is: (a: unknown, b: unknown, m?: string) => void },
  s: Store,
  selects: readonly string[],
) {
  const hashes = await Promise.all(selects.map((x) => hashOf(s, x)));
  t.is(new Set(hashes).size, selects.length, selects.join(' | '));
}

test('infinity and -infinity timestamps of every kind are values, not NULL', async (t) => {
  await withMemory(async (s) => {
    for (const type of ['TIMESTAMP', 'TIMESTAMPTZ', 'TIMESTAMP_MS', 'TIMESTAMP_S', 'TIMESTAMP_NS', 'DATE']) {
      await distinct(t, s, [
        `SELECT 1 AS id, NULL::${type} AS v`,
        `SELECT 1 AS id, 'infinity'::${type} AS v`,
        `SELECT 1 AS id, '-infinity'::${type} AS v`,
      ]);
      // Inside a nested value too.
      await distinct(t, s, [
        `SELECT [NULL::${type}] AS v`,
        `SELECT ['infinity'::${type}] AS v`,
        `SELECT ['-infinity'::${type}] AS v`,
      ]);
    }
  });
});

test("a UNION's member tag is part of its hash", async (t) => {
  await withMemory(async (s) => {
    const u = 'UNION(num INTEGER, str VARCHAR)';
    await distinct(t, s, [
      `SELECT union_value(num := 1)::${u} AS v`,
      `SELECT union_value(str := '1')::${u} AS v`,
    ]);
    await distinct(t, s, [
      `SELECT [union_value(num := 1)::${u}] AS v`,
      `SELECT [union_value(str := '1')::${u}] AS v`,
    ]);
  });
});

test('values holding separators never collide with other rows (no delimiter injection)', async (t) => {
  await withMemory(async (s) => {
    await distinct(t, s, [
      "SELECT 'a,b' AS x, 'c' AS y",
      "SELECT 'a' AS x, 'b,c' AS y",
      "SELECT 'a:b' AS x, NULL AS y",
      "SELECT 'a' AS x, ':b' AS y",
      "SELECT 's1:a' AS x",
      "SELECT 'x' AS \"x:y\", 'z' AS y",
    ]);
    await distinct(t, s, [
      "SELECT ['a,b', 'c'] AS v",
      "SELECT ['a', 'b,c'] AS v",
      "SELECT {'k': 'a,1:k=b'} AS v",
      "SELECT {'k': 'a', 'l': 'b'} AS v",
      "SELECT MAP {'a=b': 'c'} AS v",
      "SELECT MAP {'a': 'b=c'} AS v",
    ]);
  });
});

test('composite keys whose parts contain separators stay apart', async (t) => {
  await withMemory(async (s) => {
    await distinct(t, s, [
      "SELECT 'a\u0001b' AS k1, 'c' AS k2",
      "SELECT 'a' AS k1, 'b\u0001c' AS k2",
      "SELECT 'a,b' AS k1, 'c' AS k2",
      "SELECT 'a' AS k1, 'b,c' AS k2",
      "SELECT 'c' AS k1, 'a,b' AS k2",
    ]);
  });
});

test('swapping values between columns, or a value between equal-looking types, changes the hash', async (t) => {
  await withMemory(async (s) => {
    await distinct(t, s, [
      'SELECT 1 AS a, 2 AS b',
      'SELECT 2 AS a, 1 AS b',
      'SELECT 1 AS a, 1 AS b',
      'SELECT 2 AS a, 2 AS b',
    ]);
    await distinct(t, s, [
      'SELECT 1 AS v',
      "SELECT '1' AS v",
      'SELECT 1.0::DOUBLE AS v',
      "SELECT '1'::BLOB AS v",
      'SELECT true AS v',
      "SELECT DATE '1970-01-02' AS v",
    ]);
    await distinct(t, s, ['SELECT 1.5 AS v', 'SELECT 1500000000000000000 AS v', 'SELECT 15 AS v']);
    await distinct(t, s, ["SELECT INTERVAL '1 month' AS v", "SELECT INTERVAL '30 days' AS v"]);
    await distinct(t, s, ["SELECT TIMETZ '08:00:00+01' AS v", "SELECT TIMETZ '07:00:00+00' AS v"]);
  });
});

test('exact numbers have one form whatever their type and size; names ignore case', async (t) => {
  await withMemory(async (s) => {
    const same = async (a: string, b: string) => t.is(await hashOf(s, a), await hashOf(s, b), `${a} vs ${b}`);
    await same('SELECT -1::TINYINT AS v', 'SELECT -1::HUGEINT AS v');
    await same('SELECT 18446744073709551615::UBIGINT AS v', 'SELECT 18446744073709551615::HUGEINT AS v');
    await same('SELECT 3::UHUGEINT AS v', 'SELECT 3.000::DECIMAL(20,3) AS v');
    await same('SELECT 1.25::DECIMAL(4,2) AS v', 'SELECT 1.2500000000000000000000::DECIMAL(38,22) AS v');
    await same(
      'SELECT 12345678901234567890123.5::DECIMAL(38,2) AS v',
      'SELECT 12345678901234567890123.50::DECIMAL(38,3) AS v',
    );
    await same('SELECT 0.5::FLOAT AS v', 'SELECT 0.5::DOUBLE AS v');
    await same("SELECT 'x' AS aa", "SELECT 'x' AS AA");
    await same("SELECT 'a'::ENUM('a', 'b') AS v", "SELECT 'a' AS v");
    t.not(
      await hashOf(s, 'SELECT 1.0000000000000000000001::DECIMAL(38,22) AS v'),
      await hashOf(s, 'SELECT 1 AS v'),
    );
    t.not(
      await hashOf(s, 'SELECT 170141183460469231731687303715884105728::UHUGEINT AS v'),
      await hashOf(s, 'SELECT (-170141183460469231731687303715884105727::HUGEINT - 1) AS v'),
    );
  });
});

test('the hash version carries the DuckDB release', (t) => {
  t.is(hashVersion('v1.5.6'), 2_010_506);
  t.is(hashVersion('v1.10.0-dev12'), 2_011_000);
  t.not(hashVersion('v1.5.6'), hashVersion('v1.5.7'));
  t.throws(() => hashVersion('nightly'), { message: /cannot read the DuckDB version/ });
});
