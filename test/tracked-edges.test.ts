// Tracked models at the edges of their values and names (issue 19 §4 and §7): integers beyond
// HUGEINT, a @unique_key spelt in another case than its column, very wide rows, NaN. Real
// DuckDB files, the model's script in its worker.

import test from 'ava';
import { makeProject, writeFiles } from './helpers/project.js';
import { runProject, linesOf } from './helpers/run.js';

async function run(root: string) {
  const r = await runProject(root);
  return { ...r, prints: linesOf(r, 'sync.t'), result: r.results.find((x) => x['model'] === 'sync.t')! };
}

const MAX_UHUGEINT = '340282366920938463463374607431768211455';

test('UHUGEINT values above HUGEINT maximum are read, sent and acknowledged, new and changed', async (t) => {
  const src = (big: string) =>
    `-- @kind: table\nSELECT * FROM (VALUES (1, ${big}::UHUGEINT), (2, 5::UHUGEINT), (3, NULL::UHUGEINT)) t(id, v)`;
  const root = makeProject({
    'models/src/u.sql': src(MAX_UHUGEINT),
    'models/sync/t.star': `# @kind: tracked
# @unique_key: id
for row in query("SELECT * FROM src.u"):
    print(row.change, row.id, row.v, row.before["v"] if row.before else "-", json.encode(row))
    save.row(row)
`,
  });
  const first = await run(root);
  t.is(first.code, 0, first.err);
  t.deepEqual(first.prints, [
    `new 1 ${MAX_UHUGEINT} - {"id":1,"v":${MAX_UHUGEINT}}`,
    'new 2 5 - {"id":2,"v":5}',
    'new 3 None - {"id":3,"v":null}',
  ]);
  writeFiles(root, { 'models/src/u.sql': src('170141183460469231731687303715884105728') });
  const second = await run(root);
  t.is(second.code, 0, second.err);
  t.deepEqual(second.prints, [
    `changed 1 170141183460469231731687303715884105728 ${MAX_UHUGEINT} {"id":1,"v":170141183460469231731687303715884105728}`,
  ]);
  t.is(second.result['saved'], 1);
});

test('a @unique_key spelt in another case than its column works: rows, dicts and deletions', async (t) => {
  const root = makeProject({
    'models/src/u.sql': "-- @kind: table\nSELECT * FROM (VALUES (1, 'a'), (2, 'b'), (3, 'c')) t(id, name)",
    'models/sync/t.star': `# @kind: tracked
# @unique_key: ID
for row in query("SELECT * FROM src.u"):
    print(row.change, row.id)
    if row.id == 2:
        save.row({"id": row.id, "name": row.name})
    else:
        save.row(row)
for row in deleted():
    print("deleted", row.id)
    save.delete({"Id": row.id})
`,
  });
  const first = await run(root);
  t.is(first.code, 0, first.err);
  t.deepEqual(first.prints, ['new 1', 'new 2', 'new 3']);
  t.is(first.result['saved'], 3);
  writeFiles(root, {
    'models/src/u.sql': "-- @kind: table\nSELECT * FROM (VALUES (1, 'a2'), (2, 'b2')) t(id, name)",
  });
  const second = await run(root);
  t.is(second.code, 0, second.err);
  t.deepEqual(second.prints, ['changed 1', 'changed 2', 'deleted 3']);
  t.is((await run(root)).prints.length, 0, 'everything was acknowledged');
});

test('a tracked query of 2,000 columns sends its rows as JSON (the row text does not nest per column)', async (t) => {
  const width = 2000;
  const names = Array.from({ length: width }, (_v, i) => `c${String(i).padStart(4, '0')}`);
  const select = (id: number) =>
    `SELECT ${id} AS id, ${names.map((n, i) => `${sqlValue(id, i)} AS ${n}`).join(', ')}`;
  // Integers, strings and floats (whose texts are guarded: one AND over every float column).
  const sqlValue = (id: number, i: number) =>
    i % 3 === 0 ? String(id * i) : i % 3 === 1 ? `'v${i}'` : `${id * i + 0.5}::DOUBLE`;
  const jsValue = (id: number, i: number) => (i % 3 === 0 ? id * i : i % 3 === 1 ? `v${i}` : id * i + 0.5);
  const root = makeProject({
    'models/src/wide.sql': `-- @kind: table\n${select(1)} UNION ALL ${select(2)}`,
    'models/sync/t.star': `# @kind: tracked
# @unique_key: id
for row in query("SELECT * FROM src.wide"):
    text = json.encode(row)
    print(row.id, len(text), text[:40], text[-20:])
    save.row(row)
`,
  });
  const r = await run(root);
  t.is(r.code, 0, r.err);
  const expected = (id: number) => {
    const fields: Record<string, unknown> = { id };
    names.forEach((n, i) => (fields[n] = jsValue(id, i)));
    const text = JSON.stringify(
      Object.fromEntries(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : 1))),
    );
    return `${id} ${text.length} ${text.slice(0, 40)} ${text.slice(-20)}`;
  };
  t.deepEqual(r.prints, [expected(1), expected(2)]);
  t.is(r.result['saved'], 2);
});

test('json.encode of a row holding NaN or infinity is refused naming its key and column, and the fix', async (t) => {
  const root = makeProject({
    'models/src/u.sql':
      "-- @kind: table\nSELECT * FROM (VALUES (1, 1.5::DOUBLE), (2, 'nan'::DOUBLE), (3, '-inf'::DOUBLE)) t(id, v)",
    'models/sync/t.star': `# @kind: tracked
# @unique_key: ID
for row in query("SELECT * FROM src.u"):
    print(row.id, row.v)
    print(json.encode([row]))
    save.row(row)
`,
  });
  const r = await run(root);
  t.is(r.code, 1);
  t.deepEqual(r.prints.slice(0, 3), ['1 1.5', '[{"id":1,"v":1.5}]', '2 nan']);
  t.regex(
    String(r.result['error']),
    /^models\/sync\/t\.star:5:\d+: json\.encode: at list index 0: row \(id=2\): column v is nan, which JSON cannot hold; map it in the query \(CASE WHEN isfinite\(v\) THEN v END sends null\), or leave such rows out/,
  );
  t.is(r.result['saved'], 1);
  // Mapped in the query as the message says, the rest go (row 1 was delivered), the infinity as null too.
  writeFiles(root, {
    'models/sync/t.star': `# @kind: tracked
# @unique_key: id
for row in query("SELECT id, CASE WHEN isfinite(v) THEN v END AS v FROM src.u"):
    print(json.encode(row))
    save.row(row)
`,
  });
  const mapped = await run(root);
  t.is(mapped.code, 0, mapped.err);
  t.deepEqual(mapped.prints, ['{"id":2,"v":null}', '{"id":3,"v":null}']);
});
