// Row texts (lib/detect/row-json.ts → lib/runtime/json-page.ts): json.encode of a row whose
// page came with DuckDB's JSON text of it must give exactly the text json.encode writes from
// the row's values — every kind, edge values, characters json.encode escapes and to_json does
// not, floats on both sides of the fixed-notation range — or fall back to writing it itself.

import test from 'ava';
import type { Column } from '../lib/detect/canonical.js';
import { jsonKinds, jsonPageSql } from '../lib/detect/json-page.js';
import { rowJsonKeys, rowJsonSql } from '../lib/detect/row-json.js';
import { pageRows, type RowsPage } from '../lib/runtime/rows-page.js';
import { RowShape } from '../lib/runtime/row.js';
import { encodeJSON } from '../lib/starlark/lib/json/json.js';
import { Store } from '../lib/store/index.js';

const EDGES = `
  SELECT * FROM (VALUES
    (1, 'plain', true, 0::BIGINT, 1.5::DOUBLE, 12.50::DECIMAL(10,2), 'a'::ENUM_T, 7::HUGEINT),
    (2, 'quotes " and \\ backslash', false, -1::BIGINT, 0.1::DOUBLE, -0.05::DECIMAL(10,2), 'b'::ENUM_T, (-170141183460469231731687303715884105727)::HUGEINT),
    (3, '<tag> & co', NULL, 9007199254740993::BIGINT, 50.0::DOUBLE, NULL, NULL, 0::HUGEINT),
    (4, 'line' || chr(8232) || 'sep' || chr(8233), true, NULL, -0.0::DOUBLE, 0::DECIMAL(10,2), 'a'::ENUM_T, NULL),
    (5, 'ctl ' || chr(1) || chr(8) || chr(12) || chr(10) || chr(9) || chr(13) || chr(127), true, 3::BIGINT, 1e-4::DOUBLE, 1::DECIMAL(10,2), 'a'::ENUM_T, 1::HUGEINT),
    (6, 'é ünïcödé 😀 日本', true, 3::BIGINT, 2.5::DOUBLE, 1::DECIMAL(10,2), 'a'::ENUM_T, 1::HUGEINT),
    (7, '', false, 3::BIGINT, 999999.9999999999::DOUBLE, 1::DECIMAL(10,2), 'a'::ENUM_T, 1::HUGEINT),
    (8, NULL, false, 3::BIGINT, 1e6::DOUBLE, 1::DECIMAL(10,2), 'a'::ENUM_T, 1::HUGEINT),
    (9, 'x', false, 3::BIGINT, 1e21::DOUBLE, 1::DECIMAL(10,2), 'a'::ENUM_T, 1::HUGEINT),
    (10, 'x', false, 3::BIGINT, -123456.789::DOUBLE, 1::DECIMAL(10,2), 'a'::ENUM_T, 1::HUGEINT),
    (11, 'x', false, 3::BIGINT, 'nan'::DOUBLE, 1::DECIMAL(10,2), 'a'::ENUM_T, 1::HUGEINT),
    (12, 'x', false, 3::BIGINT, '-inf'::DOUBLE, 1::DECIMAL(10,2), 'a'::ENUM_T, 1::HUGEINT),
    (13, 'x', false, 3::BIGINT, NULL, 1::DECIMAL(10,2), 'a'::ENUM_T, 1::HUGEINT),
    (14, 'x', false, 3::BIGINT, 1e-7::DOUBLE, 1::DECIMAL(10,2), 'a'::ENUM_T, 1::HUGEINT),
    (15, 'slash / and {"json": [1]}', false, 3::BIGINT, 100.0::DOUBLE, 1::DECIMAL(10,2), 'a'::ENUM_T, 1::HUGEINT),
    (16, 'x', false, 3::BIGINT, 9.99e-5::DOUBLE, 1::DECIMAL(10,2), 'a'::ENUM_T, 1::HUGEINT)
  ) AS v(k, s, b, bi, d, dec, e, hi)`;

async function setup(t: import('ava').ExecutionContext, body: string) {
  const store = await Store.open({ path: ':memory:', root: '/' });
  t.teardown(() => store.close());
  await store.exec(`CREATE TYPE ENUM_T AS ENUM ('a', 'b')`);
  // Columns in an order json.encode does not write them in: the texts must sort their keys.
  await store.exec(
    `CREATE TABLE delta AS SELECT k AS _ebb_seq, 'new' AS _ebb_change, NULL AS _ebb_before, * EXCLUDE (k) FROM (${body})`,
  );
  const columns: Column[] = await store.columnsOf(
    'SELECT * EXCLUDE (_ebb_seq, _ebb_change, _ebb_before) FROM delta',
  );
  return { store, columns };
}

/** A page of rows 1…count with their values, and with their row texts when `texts`. */
async function page(store: Store, columns: Column[], count: number, texts: boolean): Promise<RowsPage> {
  const kinds = jsonKinds(columns)!;
  const rowJson = texts ? rowJsonSql(columns, kinds, 'p') : undefined;
  const sql = jsonPageSql(
    'delta',
    { columns, before: undefined, change: false, ...(rowJson ? { rowJson } : {}) },
    kinds,
    undefined,
    `_ebb_seq BETWEEN 1 AND ${count}`,
  );
  const row = (await store.query(sql))[0]!;
  const json = {
    seqs: row['s'] as Uint8Array,
    columns: columns.map((_c, i) => row[`v${i}`] as Uint8Array),
    kinds,
    fixedChange: 'new',
    ...(texts ? { rowJson: true, rows: row['r'] as Uint8Array } : {}),
  };
  return { columns: columns.map((c) => c.name), first: 1, count, data: [], json };
}

/** json.encode of each row: its text, or the error it gives. */
function encoded(p: RowsPage): { texts: string[]; fromPage: number } {
  const rows = pageRows(p, new RowShape(p.columns), 'tracked');
  const texts: string[] = [];
  let fromPage = 0;
  for (let i = 0; i < p.count; i++) {
    const row = rows.row(i);
    if (row.jsonText() !== undefined) fromPage++;
    try {
      texts.push(encodeJSON(row));
    } catch (err) {
      texts.push(`error: ${(err as Error).message}`);
    }
  }
  return { texts, fromPage };
}

test('edge values: json.encode of a row writes the same text with and without its page text', async (t) => {
  const { store, columns } = await setup(t, EDGES);
  const want = encoded(await page(store, columns, 16, false));
  t.is(want.fromPage, 0);
  const got = encoded(await page(store, columns, 16, true));
  t.deepEqual(got.texts, want.texts);
  // Rows 1, 6, 7, 10 and 13 take the page's text; 2-5 and 15 hold what to_json writes otherwise
  // (a backslash, <>&, U+2028, control characters), 8, 9, 11, 12, 14 and 16 floats outside the
  // fixed range.
  t.deepEqual(taken(await page(store, columns, 16, true)), [1, 6, 7, 10, 13]);
  // A NaN is refused by the row itself (no key here: these rows come without one).
  t.is(
    want.texts[10],
    'error: a row: column d is nan, which JSON cannot hold; map it in the query (CASE WHEN isfinite(d) THEN d END sends null), or leave such rows out',
  );
  t.is(want.texts[0], '{"b":true,"bi":0,"d":1.5,"dec":"12.50","e":"a","hi":7,"s":"plain"}');
});

test('random rows: 5,000 rows of random values and strings write the same text either way', async (t) => {
  const body = `SELECT range + 1 AS k, CASE WHEN range % 11 = 0 THEN NULL ELSE 'user ' || range || chr(32 + (range % 95)::INT) END AS name,
      range % 3 = 0 AS flag, (range * 7919 - 10000000)::BIGINT AS n, (random() - 0.5) * pow(10, (range % 14) - 6) AS x,
      CASE WHEN range % 5 = 0 THEN round(random() * 1000) ELSE random() END::FLOAT AS f, (range / 7)::DECIMAL(18,4) AS amount FROM range(5000)`;
  const { store, columns } = await setup(t, body);
  const want = encoded(await page(store, columns, 5000, false));
  const got = encoded(await page(store, columns, 5000, true));
  t.deepEqual(got.texts, want.texts);
  t.true(got.fromPage > 1000, `${got.fromPage} rows took their page's text`);
});

test('row texts are offered only for columns json.encode writes as DuckDB does', (t) => {
  const col = (name: string, typeId: number) => ({ name, type: { typeId } }) as unknown as Column;
  const str = 17; // VARCHAR
  t.truthy(rowJsonSql([col('id', 5), col('Name', str)], ['int', 'str'], 'p'));
  t.is(rowJsonSql([col('a<b', str)], ['str'], 'p'), undefined, 'a name json.encode escapes');
  t.is(rowJsonSql([col('naïve', str)], ['str'], 'p'), undefined, 'a name beyond ASCII');
  t.is(rowJsonSql([col('day', 13)], ['date'], 'p'), undefined, 'a kind without a DuckDB text');
  t.is(rowJsonSql([], [], 'p'), undefined);
  t.deepEqual(rowJsonKeys(['b', 'B', 'a_1', 'a', '_x']), ['B', '_x', 'a', 'a_1', 'b']);
});

test('a page whose row texts arrive out of order is put in sequence order; a missing text is refused', (t) => {
  const bytes = (x: string) => new TextEncoder().encode(x);
  const p: RowsPage = {
    columns: ['id'],
    first: 1,
    count: 3,
    data: [],
    json: {
      seqs: bytes('[3,1,2]'),
      fixedChange: 'new',
      kinds: ['int'],
      rowJson: true,
      rows: bytes('{"id":3}\n{"id":1}\n'),
    },
  };
  const rows = pageRows(p, new RowShape(p.columns), 'tracked');
  t.is(rows.row(0).jsonText(), '{"id":1}');
  t.is(rows.row(1).jsonText(), undefined, 'an empty line: json.encode writes that row');
  t.is(rows.row(2).jsonText(), '{"id":3}');
  const short: RowsPage = { ...p, json: { ...p.json!, rows: bytes('{"id":3}\n{"id":1}') } };
  t.throws(() => pageRows(short, new RowShape(short.columns), 'tracked').row(0).jsonText(), {
    message: /arrived with 2 row texts/,
  });
});

test('a page without row texts fetches them once, when json.encode first needs one', (t) => {
  const bytes = (x: string) => new TextEncoder().encode(x);
  let fetched = 0;
  const p: RowsPage = {
    columns: ['id'],
    first: 5,
    count: 2,
    data: [],
    json: { fixedChange: 'new', kinds: ['int'], rowJson: true },
  };
  const rows = pageRows(p, new RowShape(p.columns), 'tracked', {
    values: () => ({ seqs: bytes('[5,6]'), columns: [bytes('[5,6]')] }),
    rows: () => {
      fetched++;
      return { seqs: bytes('[6,5]'), rows: bytes('{"id":6}\n{"id":5}') };
    },
  });
  const [a, b] = [rows.row(0), rows.row(1)];
  t.is(fetched, 0);
  t.false(rows.rowsRead());
  t.is(encodeJSON(a), '{"id":5}');
  t.is(encodeJSON(b), '{"id":6}');
  t.is(fetched, 1);
  t.true(rows.rowsRead());
  t.false(rows.valuesRead(), 'no value was read');
});
/** The rows (numbered from 1) whose json.encode takes their page's text. */
function taken(p: RowsPage): number[] {
  const rows = pageRows(p, new RowShape(p.columns), 'tracked');
  const out: number[] = [];
  for (let i = 0; i < p.count; i++) if (rows.row(i).jsonText() !== undefined) out.push(i + 1);
  return out;
}

test('row texts read alone come in sequence order, with no list of sequence numbers', async (t) => {
  const store = await Store.open({ path: ':memory:', root: '/' });
  t.teardown(() => store.close());
  // Stored against sequence order, and on several threads: only the aggregate's ORDER BY orders them.
  await store.exec('SET threads = 4');
  await store.exec(
    `CREATE TABLE delta AS SELECT range AS _ebb_seq, 'new' AS _ebb_change, NULL AS _ebb_before, range * 2 AS n FROM range(1, 50001) ORDER BY range DESC`,
  );
  const columns: Column[] = await store.columnsOf('SELECT n FROM delta');
  const kinds = jsonKinds(columns)!;
  const sql = jsonPageSql(
    'delta',
    { columns, before: undefined, change: false, lists: 'rows', rowJson: rowJsonSql(columns, kinds, 'p')! },
    kinds,
    undefined,
    '_ebb_seq BETWEEN 101 AND 40100',
  );
  const row = (await store.query(sql))[0]!;
  t.deepEqual(Object.keys(row), ['r']);
  const p: RowsPage = {
    columns: ['n'],
    first: 101,
    count: 40000,
    data: [],
    json: { fixedChange: 'new', kinds, rowJson: true, rows: row['r'] as Uint8Array },
  };
  const rows = pageRows(p, new RowShape(p.columns), 'tracked');
  t.is(rows.row(0).jsonText(), '{"n":202}');
  t.is(rows.row(39999).jsonText(), '{"n":80200}');
  t.is(taken(p).length, 40000);
});

test('a page whose only difference is one character (each of \\ < > & U+2028 U+2029) still has that row encoded by json.encode', async (t) => {
  for (const c of ['\\', '<', '>', '&', '\u2028', '\u2029']) {
    const special = `'odd ' || chr(${c.codePointAt(0)}) || ' one'`;
    const body = `SELECT range + 1 AS k, CASE WHEN range = 2 THEN ${special} ELSE 'plain ' || range END AS s FROM range(5)`;
    const { store, columns } = await setup(t, body);
    const want = encoded(await page(store, columns, 5, false));
    const got = encoded(await page(store, columns, 5, true));
    t.deepEqual(got.texts, want.texts, `with ${JSON.stringify(c)}`);
    t.deepEqual(taken(await page(store, columns, 5, true)), [1, 2, 4, 5], `with ${JSON.stringify(c)}`);
  }
});
