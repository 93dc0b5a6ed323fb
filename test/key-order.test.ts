// A first delta is written in key order, and its keys are checked by their order: keys that only
// rise (or only fall) from row to row are unique without a count(DISTINCT) over them all; any
// other order, a repeat or a NULL part falls back to the exact count, which names the key.

import test from 'ava';
import { join } from 'node:path';
import { TrackedSession } from '../lib/detect/tracked.js';
import { keyOrderSql } from '../lib/detect/tracked-sql.js';
import { checkKeys } from '../lib/detect/tracked-schema.js';
import { loadProject } from '../lib/project/index.js';
import { Store } from '../lib/store/index.js';
import { debugLog } from '../lib/debug.js';
import { makeProject } from './helpers/project.js';

test('keyOrderSql counts NULL parts and the steps that do not rise, and those that do not fall', (t) => {
  t.is(
    keyOrderSql(['id'], 'd'),
    `SELECT count(*) FILTER (WHERE _n)::DOUBLE AS nulls, count(*) FILTER (WHERE NOT (_p < _k))::DOUBLE AS up, count(*) FILTER (WHERE NOT (_p > _k))::DOUBLE AS down
     FROM (SELECT "id" AS _k, lag("id") OVER () AS _p, "id" IS NULL AS _n FROM d)`,
  );
  t.regex(
    keyOrderSql(['a', 'b'], 'd'),
    /SELECT \("a", "b"\) AS _k, lag\(\("a", "b"\)\) OVER \(\) AS _p, "a" IS NULL OR "b" IS NULL AS _n/,
  );
});

/** firstDelta computes a first delta of `sql` over `src` (made by `source`) and returns the statements it ran and its error. */
async function firstDelta(
  key: string,
  source: string,
  sql: string,
): Promise<{ statements: string[]; error?: string }> {
  const root = makeProject({ 'models/sync/items.star': `# @kind: tracked\n# @unique_key: ${key}\n` });
  const statements: string[] = [];
  const debug = debugLog({ EBB_DEBUG: 'sql' }, (line) => statements.push(line));
  const store = await Store.open({ path: join(root, 'state', 'ebb.duckdb'), root, debug });
  try {
    await store.exec(`CREATE TABLE src AS ${source}`);
    const s = new TrackedSession(store, loadProject(root).models[0]!, 'run-1');
    try {
      await s.computeDelta(sql);
      return { statements };
    } catch (err) {
      return { statements, error: (err as Error).message };
    } finally {
      await s.close();
    }
  } finally {
    store.close();
  }
}

const counted = (statements: readonly string[]) => statements.some((l) => l.includes('count(DISTINCT'));

test('unique keys in key order, rising or falling, are checked without counting them', async (t) => {
  const source = 'SELECT range AS id, range % 7 AS v FROM range(5000) ORDER BY hash(range)';
  for (const order of ['', 'ORDER BY id', 'ORDER BY id DESC']) {
    const r = await firstDelta('id', source, `SELECT id, v FROM src ${order}`);
    t.is(r.error, undefined, order);
    t.true(
      r.statements.some((l) => l.includes('AS up')),
      order,
    );
    t.false(counted(r.statements), order);
  }
  // Two key columns rising together.
  const pairs = 'SELECT range // 3 AS a, range % 3 AS b FROM range(3000)';
  const r = await firstDelta('a, b', pairs, 'SELECT a, b FROM src ORDER BY a, b');
  t.is(r.error, undefined);
  t.false(counted(r.statements));
});

test('keys in an order that neither rises nor falls are counted, and unique ones pass', async (t) => {
  const root = makeProject({ 'models/sync/items.star': '# @kind: tracked\n# @unique_key: a, b\n' });
  const statements: string[] = [];
  const debug = debugLog({ EBB_DEBUG: 'sql' }, (line) => statements.push(line));
  const store = await Store.open({ path: join(root, 'state', 'ebb.duckdb'), root, debug });
  try {
    // Unique pairs written by a descending, b ascending: neither only rising nor only falling.
    await store.exec(
      'CREATE TABLE d AS SELECT range // 3 AS a, range % 3 AS b FROM range(3000) ORDER BY a DESC, b ASC',
    );
    const order = (await store.queryJson(keyOrderSql(['a', 'b'], 'd')))[0]!;
    t.true(Number(order['up']) > 0 && Number(order['down']) > 0);
    const target = { store, model: loadProject(root).models[0]!, target: 'd' };
    await checkKeys(target, 'd', [], true);
    t.true(counted(statements));
    await store.exec('INSERT INTO d VALUES (5, 1)');
    await t.throwsAsync(checkKeys(target, 'd', [], true), {
      message: /returned key \(a="5", b="1"\) 2 times/,
    });
  } finally {
    store.close();
  }
});

test('a repeated key or a NULL part is counted and named, whatever the order of the rows', async (t) => {
  const dups = "SELECT * FROM (VALUES (1, 'a'), (2, 'b'), (3, 'c'), (2, 'b2')) t(id, name)";
  for (const order of ['', 'ORDER BY id', 'ORDER BY id DESC', 'ORDER BY name']) {
    const r = await firstDelta('id', dups, `SELECT id, name FROM src ${order}`);
    t.regex(
      r.error ?? '',
      /query\(\) returned key \(id=2\) 2 times; each @unique_key must appear once/,
      order,
    );
  }
  const nulls = "SELECT * FROM (VALUES (1, 'a'), (NULL, 'b'), (3, 'c')) t(id, name)";
  const r = await firstDelta('id', nulls, 'SELECT id, name FROM src ORDER BY id');
  t.regex(r.error ?? '', /has a NULL part/);
});
