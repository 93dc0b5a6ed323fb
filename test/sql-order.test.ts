// orderedBy (lib/store/sql-order.ts): what DuckDB's parser says a SELECT is sorted by. A first
// delta skips its own sort only when this names exactly the key, so anything else must come
// back undefined rather than a guess.

import test from 'ava';
import { orderedBy, Store } from '../lib/store/index.js';
import { serializedSql } from '../lib/store/sql-tables.js';

test('plain ascending column terms are named; anything else is not a known order', async (t) => {
  const store = await Store.open({ path: ':memory:', root: '/' });
  t.teardown(() => store.close());
  const cases: Array<[string, string[] | undefined]> = [
    ['SELECT id, name FROM t ORDER BY id', ['id']],
    ['SELECT a, b FROM t ORDER BY a ASC, B', ['a', 'B']],
    ['SELECT id FROM t ORDER BY id LIMIT 10 OFFSET 5', ['id']],
    ['SELECT DISTINCT id FROM t ORDER BY id', ['id']],
    ['SELECT id FROM a UNION ALL SELECT id FROM b ORDER BY id', ['id']],
    ['SELECT id FROM t', undefined],
    ['SELECT id FROM t ORDER BY id DESC', undefined],
    ['SELECT id FROM t ORDER BY t.id', undefined],
    ['SELECT id FROM t ORDER BY 1', undefined],
    ['SELECT id FROM t ORDER BY ALL', undefined],
    ['SELECT name FROM t ORDER BY lower(name)', undefined],
    ['SELECT name FROM t ORDER BY name COLLATE nocase', undefined],
    ['SELECT id FROM (SELECT id FROM t ORDER BY id)', undefined],
    ['SELECT id FROM t WHERE id > ? ORDER BY id', ['id']],
    ['SELECT id FROM t ORDER BY', undefined],
  ];
  for (const [sql, want] of cases) t.deepEqual(await orderedBy(store, sql), want, sql);
});

test("a store parses a query's text once: later asks share the first parse; a failed ask is not kept", async (t) => {
  const store = await Store.open({ path: ':memory:', root: '/' });
  const sql = 'SELECT id FROM t ORDER BY id';
  const first = serializedSql(store, sql);
  t.is(serializedSql(store, sql), first, 'the same parse, not a second statement');
  t.truthy((await first).statements);
  const other = await Store.open({ path: ':memory:', root: '/' });
  const own = serializedSql(other, sql);
  t.not(own, first, 'each store its own');
  await own;
  other.close();
  store.close();
  // A failed statement is not kept: the next ask runs it again.
  let asks = 0;
  const flaky = {
    scalar: async () => {
      asks++;
      if (asks === 1) throw new Error('the database went away');
      return '{"error":false,"statements":[]}';
    },
  } as unknown as Store;
  await t.throwsAsync(serializedSql(flaky, sql), { message: 'the database went away' });
  t.deepEqual(await serializedSql(flaky, sql), { error: false, statements: [] });
  t.deepEqual(await serializedSql(flaky, sql), { error: false, statements: [] });
  t.is(asks, 2);
});
