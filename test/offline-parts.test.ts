// The pieces of `ebb test` one by one: the overlay a step's SQL reads files through (on a real
// DuckDB), expect.sql (parsing, checking on a real DuckDB, --update), the request diff, and
// how tests are discovered.

import test from 'ava';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../lib/store/index.js';
import {
  TestLayoutError,
  ExpectSqlError,
  buildOverlay,
  compareRequests,
  describeDifference,
  discoverTests,
  parseCsvLine,
  parseExpectSql,
  runExpectations,
  stepFiles,
  updateExpectSql,
} from '../lib/testing/index.js';
import { makeProject, tempDir, writeFiles } from './helpers/project.js';

async function withDb<T>(root: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await Store.open({ path: join(tempDir(), 'state.duckdb'), root });
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

test("a step file shadows the project file at its path; globs see it beside the project's others; ** descends", async (t) => {
  const root = makeProject({
    'extracts/users.csv': 'id,src\n1,project\n',
    'extracts/orders.csv': 'id,src\n10,project\n',
    'extracts/deep/more.csv': 'id,src\n20,project\n',
    'lib/helpers.star': 'x = 1\n',
  });
  const step = join(root, 'tests', 't', '01_a');
  writeFiles(step, {
    'extracts/users.csv': 'id,src\n2,step\n',
    'extracts/new.csv': 'id,src\n3,step\n',
    'requests.ndjson': '',
    'expect.sql': 'SELECT 1;\n',
    'responses.json': '[]',
  });
  t.deepEqual(stepFiles(step), ['extracts/new.csv', 'extracts/users.csv']);
  const overlay = join(tempDir(), 'files');
  buildOverlay(root, step, overlay);
  const read = (store: Store, sql: string) =>
    store.query(sql).then((rows) => rows.map((r) => `${r['id']}:${r['src']}`));
  await withDb(overlay, async (store) => {
    t.deepEqual(await read(store, `SELECT * FROM read_csv('extracts/users.csv')`), ['2:step']);
    t.deepEqual(await read(store, `SELECT * FROM read_csv('extracts/*.csv') ORDER BY id`), [
      '2:step',
      '3:step',
      '10:project',
    ]);
    t.deepEqual(await read(store, `SELECT * FROM read_csv('extracts/**/*.csv') ORDER BY id`), [
      '2:step',
      '3:step',
      '10:project',
      '20:project',
    ]);
  });
  // The project is untouched, and the step's control files are not part of the overlay.
  t.is(readFileSync(join(root, 'extracts', 'users.csv'), 'utf8'), 'id,src\n1,project\n');
  t.false(existsSync(join(root, 'extracts', 'new.csv')));
  t.false(existsSync(join(overlay, 'requests.ndjson')));
  t.true(existsSync(join(overlay, 'lib', 'helpers.star')));
  t.deepEqual(readdirSync(join(root, 'extracts')).sort(), ['deep', 'orders.csv', 'users.csv']);
});

test('tests are discovered with their steps in numeric order; names are checked', (t) => {
  const root = makeProject({
    'tests/b/10_last/requests.ndjson': '',
    'tests/b/2_second/requests.ndjson': '',
    'tests/b/01_first/requests.ndjson': '',
    'tests/b/notes/readme.txt': 'not a step',
    'tests/a/01_only/requests.ndjson': '',
  });
  const tests = discoverTests(root);
  t.deepEqual(
    tests.map((x) => [x.name, x.steps.map((s) => s.name)]),
    [
      ['a', ['01_only']],
      ['b', ['01_first', '2_second', '10_last']],
    ],
  );
  t.deepEqual(
    discoverTests(root, ['b']).map((x) => x.name),
    ['b'],
  );
  const unknown = t.throws(() => discoverTests(root, ['bb']), { instanceOf: TestLayoutError });
  t.regex(unknown!.message, /no test "bb" .*did you mean "b"/);
  t.is(unknown!.exitCode, 2);
  writeFiles(root, { 'tests/c/readme.txt': 'x' });
  t.regex(
    t.throws(() => discoverTests(root), { instanceOf: TestLayoutError })!.message,
    /tests\/c has no step folders/,
  );
  t.regex(
    t.throws(() => discoverTests(makeProject({})), { instanceOf: TestLayoutError })!.message,
    /no tests: .*tests does not exist/,
  );
});

const EXPECT = `-- delivered rows
SELECT id, email
  FROM t
 ORDER BY id;
-- expect:
-- id,email
-- 1,a@x.org
-- 2,"b,c"

-- no expect block yet
SELECT count(*) AS n FROM t;

SELECT NULL AS nothing, '' AS empty, 'NULL' AS word, [1, 2] AS list, 1.50::DECIMAL(4,2) AS d;
-- expect:
-- nothing,empty,word,list,d
-- NULL,"","NULL","[1,2]",1.50
`;

test('expect.sql: queries with their CSV blocks are checked; a difference names the row and column', async (t) => {
  const file = parseExpectSql('tests/t/01_a/expect.sql', EXPECT);
  t.deepEqual(
    file.queries.map((q) => [q.line, q.sql.split('\n')[0]]),
    [
      [2, 'SELECT id, email'],
      [11, 'SELECT count(*) AS n FROM t'],
      [13, "SELECT NULL AS nothing, '' AS empty, 'NULL' AS word, [1, 2] AS list, 1.50::DECIMAL(4,2) AS d"],
    ],
  );
  t.deepEqual(file.queries[0]!.expected, {
    columns: ['id', 'email'],
    rows: [
      ['1', 'a@x.org'],
      ['2', 'b,c'],
    ],
  });
  await withDb(tempDir(), async (store) => {
    await store.exec(`CREATE TABLE t AS SELECT * FROM (VALUES (1, 'a@x.org'), (2, 'b,c')) v(id, email)`);
    const outcomes = await runExpectations(store, file);
    t.deepEqual(
      outcomes.map((o) => o.ok),
      [true, false, true],
    );
    t.is(
      outcomes[1]!.message,
      'tests/t/01_a/expect.sql:11: no "-- expect:" block after this query (ebb test --update writes it)',
    );

    // --update writes the missing block and keeps the rest of the file as it was.
    const updated = updateExpectSql(file, outcomes);
    t.is(
      updated,
      EXPECT.replace(
        'SELECT count(*) AS n FROM t;\n',
        'SELECT count(*) AS n FROM t;\n-- expect:\n-- n\n-- 2\n',
      ),
    );
    t.true((await runExpectations(store, parseExpectSql('e.sql', updated))).every((o) => o.ok));

    await store.exec(`UPDATE t SET email = 'z@x.org' WHERE id = 2`);
    const changed = await runExpectations(store, parseExpectSql('e.sql', updated));
    t.is(changed[0]!.message, 'e.sql:2: row 2, column email: expected "b,c", got z@x.org');
    await store.exec(`UPDATE t SET email = 'b,c' WHERE id = 2; INSERT INTO t VALUES (3, 'c@x.org')`);
    t.regex(
      (await runExpectations(store, parseExpectSql('e.sql', updated)))[0]!.message!,
      /row 3 was not expected: 3,c@x.org \(expected 2 rows, got 3\)/,
    );
    const broken = await runExpectations(
      store,
      parseExpectSql('e.sql', 'SELECT nope FROM t;\n-- expect:\n-- nope\n'),
    );
    t.regex(broken[0]!.message!, /^e\.sql:1: .*nope/);
  });
});

test('expect.sql: malformed files are errors with file:line', (t) => {
  const bad = (text: string) =>
    t.throws(() => parseExpectSql('x/expect.sql', text), { instanceOf: ExpectSqlError })!.message;
  t.is(bad('SELECT 1\n-- expect:\n-- a\n'), 'x/expect.sql:1: query does not end with ; at the end of a line');
  t.is(
    bad('-- expect:\n-- a\n'),
    'x/expect.sql:1: "-- expect:" without a query before it (end the query with ;)',
  );
  t.is(
    bad('SELECT 1;\n-- expect:\n\n'),
    'x/expect.sql:2: "-- expect:" needs a line of column names after it, then one line per row',
  );
  t.is(bad('SELECT 1;\n-- expect:\n-- a\n-- "open\n'), 'x/expect.sql:4: a quoted value is not closed with "');
  t.deepEqual(parseCsvLine('a,"b ""q""",NULL,"NULL",,""', 'f', 1), ['a', 'b "q"', null, 'NULL', '', '']);
});

test('request diffs name the request, the field path and both values; extra and missing requests are whole', async (t) => {
  const dir = tempDir();
  const line = (o: unknown) => JSON.stringify(o) + '\n';
  writeFiles(dir, {
    'expected.ndjson':
      line({
        method: 'POST',
        url: 'http://a.test/u',
        headers: { 'idempotency-key': 'k1' },
        body: { id: 1, email: 'a@x.org', tags: ['x'] },
      }) + line({ method: 'POST', url: 'http://a.test/u', headers: {}, body: { id: 2, 'odd key': 1 } }),
    'actual.ndjson':
      line({
        method: 'POST',
        url: 'http://a.test/u',
        headers: { 'idempotency-key': 'k1' },
        body: { email: 'A@x.org', id: 1, tags: ['x', 'y'] },
      }) +
      line({ method: 'POST', url: 'http://a.test/u', headers: {}, body: { id: 2, 'odd key': 2 } }) +
      line({ method: 'DELETE', url: 'http://a.test/u/3', headers: {} }),
    'same.ndjson': line({ b: 1, a: [1, { c: 2 }] }),
    'same2.ndjson': line({ a: [1, { c: 2 }], b: 1 }),
  });
  const cmp = await compareRequests(join(dir, 'expected.ndjson'), join(dir, 'actual.ndjson'));
  t.is(cmp.expectedCount, 2);
  t.is(cmp.actualCount, 3);
  t.is(cmp.differenceCount, 4);
  t.deepEqual(cmp.differences.map(describeDifference), [
    'request 1, body.email: expected "a@x.org", got "A@x.org"',
    'request 1, body.tags[1]: expected (absent), got "y"',
    'request 2, body["odd key"]: expected 1, got 2',
    'request 3 was made but not expected: {"method":"DELETE","url":"http://a.test/u/3","headers":{}}',
  ]);
  const reverse = await compareRequests(join(dir, 'actual.ndjson'), join(dir, 'expected.ndjson'), 1);
  t.is(reverse.differences.length, 1);
  t.is(
    describeDifference(reverse.differences[0]!),
    'request 1, body.email: expected "A@x.org", got "a@x.org"',
  );
  t.is(
    describeDifference({ request: 4, line: 3, path: 'url', expected: 'a', actual: 'b' }),
    'request 4 (golden line 3), url: expected "a", got "b"',
  );
  t.is(
    describeDifference({
      request: null,
      line: 3,
      path: '',
      expected: { method: 'DELETE' },
      actual: undefined,
    }),
    'golden line 3 was expected but not made: {"method":"DELETE"}',
  );
  t.is((await compareRequests(join(dir, 'same.ndjson'), join(dir, 'same2.ndjson'))).differenceCount, 0);
  const missing = await compareRequests(join(dir, 'nope.ndjson'), join(dir, 'same.ndjson'));
  t.is(missing.expectedCount, 0);
  t.is(missing.differenceCount, 1);
});

test('requests are aligned first: one request added and one removed in the middle are two differences, not a cascade', async (t) => {
  const dir = tempDir();
  const req = (id: number, email = `u${id}@x.org`) =>
    JSON.stringify({ method: 'POST', url: 'http://a.test/u', body: { id, email } }) + '\n';
  const ids = Array.from({ length: 30 }, (_, i) => i + 1);
  writeFiles(dir, {
    'golden.ndjson': ids.map((id) => req(id)).join(''),
    // 8 is new, 20 is gone, 25 changed its email.
    'made.ndjson': ids
      .flatMap((id) =>
        id === 8 ? [req(7.5), req(8)] : id === 20 ? [] : id === 25 ? [req(25, 'new@x.org')] : [req(id)],
      )
      .join(''),
  });
  const cmp = await compareRequests(join(dir, 'golden.ndjson'), join(dir, 'made.ndjson'));
  t.deepEqual(cmp.differences.map(describeDifference), [
    'request 8 was made but not expected: {"method":"POST","url":"http://a.test/u","body":{"id":7.5,"email":"u7.5@x.org"}}',
    'golden line 20 was expected but not made: {"method":"POST","url":"http://a.test/u","body":{"id":20,"email":"u20@x.org"}}',
    'request 25, body.email: expected "u25@x.org", got "new@x.org"',
  ]);
  t.is(cmp.differenceCount, 3);
});
