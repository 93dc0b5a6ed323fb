// Non-tracked .star models, the value mapping, query parameters, env and redaction.

import test from 'ava';
import { makeProject, writeFiles } from './helpers/project.js';
import { runProject, linesOf } from './helpers/run.js';
import { withStore } from './helpers/store.js';

async function run(root: string, env: NodeJS.ProcessEnv = {}) {
  const r = await runProject(root, { env });
  return { ...r, prints: linesOf(r) };
}

test('a table .star model saves rows; the schema comes from the first rows', async (t) => {
  const root = makeProject({
    'models/gen/squares.star': `# @kind: table
for i in range(1, 4):
    save.row({"n": i, "square": i * i, "half": i / 2, "label": "n%d" % i, "tags": [i, "x"], "ok": i % 2 == 1, "none": None})
`,
  });
  const r = await run(root);
  t.is(r.code, 0, r.err);
  t.like(r.results[0], { model: 'gen.squares', status: 'ok', rows: 3 });
  const rows = await withStore(root, (s) =>
    s.queryJson(
      'SELECT n::INT AS n, square::INT AS square, half, label, tags, ok, "none" FROM gen.squares ORDER BY n',
    ),
  );
  t.deepEqual(rows[0], { n: 1, square: 1, half: 0.5, label: 'n1', tags: '[1,"x"]', ok: true, none: null });
  const types = await withStore(root, (s) =>
    s.queryJson(
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'squares' ORDER BY ordinal_position",
    ),
  );
  t.deepEqual(
    types.map((x) => `${String(x['column_name'])} ${String(x['data_type'])}`),
    ['n BIGINT', 'square BIGINT', 'half DOUBLE', 'label VARCHAR', 'tags JSON', 'ok BOOLEAN', 'none VARCHAR'],
  );
});

test('a later row that conflicts with the schema names the column and the row key; the table is untouched', async (t) => {
  const root = makeProject({
    'models/gen/m.star': '# @kind: merge\n# @unique_key: id\nsave.row({"id": 1, "v": 1})\n',
  });
  await run(root);
  writeFiles(root, {
    'models/gen/m.star': `# @kind: merge
# @unique_key: id
rows = [{"id": i, "v": i} for i in range(600)]
rows.append({"id": 700, "v": "seven hundred"})
save.rows(rows)
`,
  });
  const r = await run(root);
  t.is(r.code, 1);
  t.regex(
    String(r.results[0]!['error']),
    /save\.row: row \(id=700\): column v is BIGINT \(from the first rows saved\) but this row has VARCHAR/,
  );
  t.deepEqual(await withStore(root, (s) => s.queryJson('SELECT id::INT AS id, v::INT AS v FROM gen.m')), [
    { id: 1, v: 1 },
  ]);
  writeFiles(root, {
    'models/gen/m.star':
      '# @kind: merge\n# @unique_key: id\nsave.rows([{"id": i, "v": i} for i in range(5000)])\nsave.row({"id": 5000, "w": 3})\n',
  });
  const extra = await run(root);
  t.regex(
    String(extra.results[0]!['error']),
    /row \(id=5000\): column w is not in the table's schema, which was taken from the first rows saved \(id, v\)/,
  );
  // A column that the first rows bring is added to an existing merge table.
  writeFiles(root, {
    'models/gen/m.star': '# @kind: merge\n# @unique_key: id\nsave.row({"id": 1, "v": 2, "w": "new"})\n',
  });
  t.is((await run(root)).code, 0);
  t.deepEqual(await withStore(root, (s) => s.queryJson('SELECT id::INT AS id, v::INT AS v, w FROM gen.m')), [
    { id: 1, v: 2, w: 'new' },
  ]);
});

test('append and merge .star models write by kind', async (t) => {
  const root = makeProject({
    'models/gen/log.star': '# @kind: append\nsave.row({"at": 1})\n',
    'models/gen/m.star':
      '# @kind: merge\n# @unique_key: id\nsave.rows([{"id": 1, "v": "a"}, {"id": 2, "v": "b"}])\n',
  });
  await run(root);
  writeFiles(root, {
    'models/gen/m.star':
      '# @kind: merge\n# @unique_key: id\nsave.rows([{"id": 2, "v": "B"}, {"id": 3, "v": "c"}])\n',
  });
  const r = await run(root);
  t.is(r.code, 0, r.err);
  t.is(await withStore(root, (s) => s.scalar('SELECT count(*)::INT FROM gen.log')), 2);
  t.deepEqual(await withStore(root, (s) => s.queryJson('SELECT id::INT AS id, v FROM gen.m ORDER BY id')), [
    { id: 1, v: 'a' },
    { id: 2, v: 'B' },
    { id: 3, v: 'c' },
  ]);
});

test('DuckDB values map to Starlark exactly (big ints, decimals, times, uuid, blob, nested, NULL)', async (t) => {
  const root = makeProject({
    'models/gen/types.star': `# @kind: table
for r in query("""SELECT 9007199254740993::BIGINT AS big, 170141183460469231731687303715884105727::HUGEINT AS huge,
    18446744073709551615::UBIGINT AS ubig, 12345678901234567.89::DECIMAL(38, 2) AS dec, 2.0::DOUBLE AS dbl,
    DATE '2026-11-25' AS d, TIME '08:40:34.5' AS tm, TIMESTAMP '2026-11-25 08:40:34.254517' AS ts,
    TIMESTAMPTZ '2026-11-25 10:40:34.254517+02' AS tz, '7d1e1b9c-0000-4000-8000-000000000001'::UUID AS id,
    '\\\\x00\\\\xFF'::BLOB AS b, [1, 2] AS l, {'a': 1, 'b': [true]} AS s, MAP {'k': 1.5::DOUBLE} AS m, NULL AS n""", delta=False):
    for name in ["big", "huge", "ubig", "dec", "dbl", "d", "tm", "ts", "tz", "id", "b", "l", "s", "m", "n"]:
        print(name, type(r[name]), repr(r[name]))
    print("sum", r.big + 1, r.huge - 1)
save.row({"x": 1})
`,
  });
  const r = await run(root);
  t.is(r.code, 0, r.err);
  t.deepEqual(r.prints, [
    'big int 9007199254740993',
    'huge int 170141183460469231731687303715884105727',
    'ubig int 18446744073709551615',
    'dec string "12345678901234567.89"',
    'dbl float 2.0',
    'd string "2026-11-25"',
    'tm string "08:40:34.5"',
    'ts string "2026-11-25T08:40:34.254517"',
    'tz string "2026-11-25T08:40:34.254517Z"',
    'id string "7d1e1b9c-0000-4000-8000-000000000001"',
    'b string "AP8="',
    'l list [1, 2]',
    's dict {"a": 1, "b": [True]}',
    'm dict {"k": 1.5}',
    'n NoneType None',
    'sum 9007199254740994 170141183460469231731687303715884105726',
  ]);
});

test('query parameters are bound, never spliced into the SQL', async (t) => {
  const root = makeProject({
    'models/gen/p.star': `# @kind: table
rows = list(query("SELECT ?::VARCHAR AS s, ?::BIGINT AS i, ?::DOUBLE AS f, ? AS n", "x'); DROP TABLE a.b; --", 7, 1.5, None, delta=False))
print(rows[0].s, rows[0].i, rows[0].f, rows[0].n)
query("SELECT 1", [1])
`,
  });
  const r = await run(root);
  t.deepEqual(r.prints, ["x'); DROP TABLE a.b; -- 7 1.5 None"]);
  t.regex(
    String(r.results[0]!['error']),
    /query: parameter 1 has type list; pass int, float, string, bool or None/,
  );
});

test('env.get reads the environment and .env; secrets are redacted from prints and errors', async (t) => {
  const root = makeProject({
    '.env': 'API_TOKEN="s3cr3t-token-value"\n',
    'models/gen/e.star': `# @kind: table
print("token is", env.get("API_TOKEN"), env.get("MISSING", "fallback"), env.get("FROM_PROCESS"))
fail("request failed with " + env.get("API_TOKEN"))
`,
  });
  const r = await run(root, { FROM_PROCESS: 'process-value-123' });
  t.deepEqual(r.prints, ['token is *** fallback ***']);
  t.regex(String(r.results[0]!['error']), /fail: request failed with \*\*\*/);
  t.notRegex(r.err, /s3cr3t-token-value|process-value-123/);
  const history = await withStore(root, (s) => s.queryJson('SELECT error FROM _ebb.runs'));
  t.notRegex(String(history[0]!['error']), /s3cr3t/);
});

test('iterating a plain query result twice is an error that says what to do', async (t) => {
  const root = makeProject({
    'models/gen/q.star':
      '# @kind: table\nrows = query("SELECT 1 AS x", delta=False)\nfor r in rows:\n    pass\nfor r in rows:\n    pass\n',
  });
  const r = await run(root);
  t.regex(
    String(r.results[0]!['error']),
    /this query result was already read; call query\(\) again, or keep list\(query\(\.\.\.\)\)/,
  );
});

test('rows stream: a query larger than one page is read completely, in order', async (t) => {
  const root = makeProject({
    'models/gen/big.star': `# @kind: table
total = 0
count = 0
for r in query("SELECT range AS i FROM range(100000) ORDER BY i", delta=False):
    total += r.i
    count += 1
save.row({"count": count, "total": total})
`,
  });
  const r = await run(root);
  t.is(r.code, 0, r.err);
  t.deepEqual(
    await withStore(root, (s) =>
      s.queryJson('SELECT count::INT AS count, total::VARCHAR AS total FROM gen.big'),
    ),
    [{ count: 100000, total: '4999950000' }],
  );
});

test('rows expose non-ASCII column names as attributes and by index', async (t) => {
  const root = makeProject({
    'models/gen/u.star': `# @kind: table
for r in query('SELECT 1 AS "prénom", 2 AS plain', delta=False):
    print(r["prénom"], r.plain, getattr(r, "prénom"), json.encode(r))
save.row({"x": 1})
`,
  });
  const r = await run(root);
  t.is(r.code, 0, r.err);
  t.deepEqual(r.prints, ['1 2 1 {"plain":2,"prénom":1}']);
});

test('an SQL error inside query() points at the script line, without echoing the statement', async (t) => {
  const root = makeProject({
    'models/gen/bad.star': '# @kind: table\nx = 1\nrows = query("SELECT nope FROM range(3)", delta=False)\n',
  });
  const r = await run(root);
  t.is(r.code, 1);
  const error = String(r.results[0]!['error']);
  t.regex(error, /^models\/gen\/bad\.star:3:13: query: Binder Error: Referenced column "nope" not found/);
  t.notRegex(error, /LINE 1:/);
});
