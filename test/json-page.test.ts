// JSON pages (lib/detect/json-page.ts → lib/runtime/json-page.ts) must give a script exactly
// the values the row-by-row path gives (page.ts → rows-page.ts): the same Starlark value,
// type and text for every kind, edge values included, with and without the plain forms, in
// sequence order even when DuckDB builds a page's lists out of order.

import test from 'ava';
import { DuckDBTypeId } from '@duckdb/node-api';
import { jsonKinds, jsonPageSql, plainFormsSql } from '../lib/detect/json-page.js';
import type { Column } from '../lib/detect/canonical.js';
import { encodePage } from '../lib/runtime/page.js';
import { pageRows, type RowsPage } from '../lib/runtime/rows-page.js';
import { RowShape } from '../lib/runtime/row.js';
import { repr, typeName } from '../lib/starlark/index.js';
import { Store } from '../lib/store/index.js';

const VALUES = `
  SELECT * FROM (VALUES
    (1, 'plain', true, 1::TINYINT, 2::INTEGER, 3::BIGINT, 4::UBIGINT, 5::HUGEINT, 1.5::DOUBLE, 0.1::FLOAT, 12.50::DECIMAL(10,2),
        123456789012345678.123456789::DECIMAL(38,9), DATE '2026-11-29', TIMESTAMP '2026-11-29 08:40:34.5', TIMESTAMPTZ '2026-11-29 08:40:34.254517+00',
        'a'::ENUM_T, '12345678-1234-5678-1234-567812345678'::UUID),
    (2, 'quotes " \\ and é ' || chr(0) || chr(8232), false, (-128)::TINYINT, (-2147483648)::INTEGER, 9223372036854775807::BIGINT, 18446744073709551615::UBIGINT,
        (-170141183460469231731687303715884105727)::HUGEINT, 'nan'::DOUBLE, 'inf'::FLOAT, -0.05::DECIMAL(10,2),
        0::DECIMAL(38,9), 'infinity'::DATE, 'infinity'::TIMESTAMP, '-infinity'::TIMESTAMPTZ, 'b'::ENUM_T, NULL::UUID),
    (3, NULL, NULL, NULL, NULL, -9007199254740991::BIGINT, 9007199254740992::UBIGINT, NULL, '-inf'::DOUBLE, -0.0::FLOAT, NULL,
        -1.5::DECIMAL(38,9), '-infinity'::DATE, TIMESTAMP '1969-12-31 23:59:59.999999', TIMESTAMPTZ '0044-03-15 12:00:00+00', NULL, NULL),
    (4, '', true, 0::TINYINT, 0::INTEGER, 0::BIGINT, 0::UBIGINT, 0::HUGEINT, -0.0::DOUBLE, 3.4e38::FLOAT, 5::DECIMAL(10,2),
        1e-9::DECIMAL(38,9), DATE '0001-01-01', TIMESTAMP '9999-12-31 23:59:59.999999', NULL, NULL, NULL),
    (5, 'x', false, 7::TINYINT, 7::INTEGER, -7::BIGINT, 7::UBIGINT, 7::HUGEINT, 1e-7::DOUBLE, 1e-7::FLOAT, 0.01::DECIMAL(10,2),
        NULL, DATE '1970-01-01', TIMESTAMP '1970-01-01', TIMESTAMPTZ '1970-01-01 00:00:00+00', 'a'::ENUM_T, NULL)
  ) AS v(k, s, b, ti, i, bi, ub, hi, d, f, dec, dec38, dt, ts, tz, e, u)`;

async function setup(t: import('ava').ExecutionContext, body: string) {
  const store = await Store.open({ path: ':memory:', root: '/' });
  t.teardown(() => store.close());
  await store.exec(`SET TimeZone = 'UTC'`);
  await store.exec(`CREATE TYPE ENUM_T AS ENUM ('a', 'b')`);
  await store.exec(`CREATE TABLE src AS ${body}`);
  // A delta table as TrackedSession makes it: sequence, change, before (a struct of the same columns).
  await store.exec(`CREATE TABLE delta AS SELECT k AS _ebb_seq, CASE WHEN k % 2 = 0 THEN 'changed' ELSE 'new' END AS _ebb_change,
      CASE WHEN k % 2 = 0 THEN struct_pack(s := s, bi := bi, d := d, dt := dt, tz := tz) END AS _ebb_before, * EXCLUDE (k) FROM src`);
  const columns: Column[] = await store.columnsOf(
    'SELECT * EXCLUDE (_ebb_seq, _ebb_change, _ebb_before) FROM delta',
  );
  const before: Column[] = await store.columnsOf('SELECT s, bi, d, dt, tz FROM src');
  return { store, columns, before };
}

/** The rows a script sees, as text: each value's type and repr, the change and the before. */
function seen(page: RowsPage): string[] {
  const rows = pageRows(page, new RowShape(page.columns), 'tracked').row;
  const out: string[] = [];
  for (let i = 0; i < page.count; i++) {
    const row = rows(i);
    const values = row.values.map((v) => `${typeName(v)}:${repr(v)}`).join(' | ');
    out.push(`${row.seq} ${row.change} ${values} before=${repr(row.before)}`);
  }
  return out;
}

async function rowByRow(store: Store, columns: Column[]): Promise<RowsPage> {
  const r = await store.rows(
    `SELECT _ebb_change, _ebb_before, ${columns.map((c) => `"${c.name}"`).join(', ')} FROM delta ORDER BY _ebb_seq`,
  );
  const page = encodePage(
    columns.map((c) => c.name),
    r.types.slice(2),
    r.rows,
    1,
    2,
  );
  const { toWire } = await import('../lib/runtime/values.js');
  const change = Uint8Array.from(r.rows, (row) => (row[0] === 'new' ? 0 : 1));
  const before = r.rows.map((row) => (row[1] === null ? null : toWire(row[1]!, r.types[1]!)));
  return { ...page, change, before: before as never };
}

async function byJson(
  store: Store,
  columns: Column[],
  before: Column[],
  plain: boolean,
  count: number,
): Promise<RowsPage> {
  const kinds = jsonKinds(columns)!;
  const beforeKinds = jsonKinds(before)!;
  let forms: boolean[] | undefined;
  if (plain) {
    const tests = plainFormsSql('delta', columns, kinds)!;
    const row = (await store.query(tests.sql))[0]!;
    forms = kinds.map((k) => k === 'int');
    tests.tested.forEach((col, i) => (forms![col] = row[`t${i}`] === true));
  }
  const sql = jsonPageSql(
    'delta',
    { columns, before, change: true, ...(forms ? { plain: forms } : {}) },
    kinds,
    beforeKinds,
    `_ebb_seq BETWEEN 1 AND ${count}`,
  );
  return {
    columns: columns.map((c) => c.name),
    first: 1,
    count,
    data: [],
    json: {
      ...(await lists(store, sql, columns.length)),
      kinds,
      beforeNames: before.map((c) => c.name),
      beforeKinds,
    },
  };
}

async function lists(store: Store, sql: string, n: number) {
  const row = (await store.query(sql))[0]!;
  return {
    seqs: row['s'] as Uint8Array,
    change: row['c'] as Uint8Array,
    columns: Array.from({ length: n }, (_c, i) => row[`v${i}`] as Uint8Array),
    before: row['b'] as Uint8Array,
  };
}

test('every kind and its edge values read the same through JSON pages as row by row', async (t) => {
  const { store, columns, before } = await setup(t, VALUES);
  t.true(jsonKinds(columns) !== undefined, 'every column of the fixture has a JSON kind');
  const want = seen(await rowByRow(store, columns));
  t.is(want.length, 5);
  t.deepEqual(seen(await byJson(store, columns, before, false, 5)), want);
  t.deepEqual(seen(await byJson(store, columns, before, true, 5)), want);
});

test('plain forms are chosen only for columns whose every value fits them', async (t) => {
  const { store, columns } = await setup(t, VALUES);
  const kinds = jsonKinds(columns)!;
  const tests = plainFormsSql('delta', columns, kinds)!;
  const row = (await store.query(tests.sql))[0]!;
  const plain = Object.fromEntries(tests.tested.map((col, i) => [columns[col]!.name, row[`t${i}`]]));
  // Small integer types need no test; the fixture's big integers, floats, dates and times all hold a value beyond the plain form.
  t.false('ti' in plain);
  t.false('i' in plain);
  t.deepEqual(plain, {
    bi: false,
    ub: false,
    hi: false,
    d: false,
    f: false,
    dt: false,
    ts: false,
    tz: false,
  });
});

test('random rows with plain forms: 6,000 rows in pages of 1,500 match row by row, in sequence order', async (t) => {
  const body = `SELECT range + 1 AS k, 'user' || range || '@example.com' AS s, range % 2 = 0 AS b, (range % 100)::TINYINT AS ti, (range * 7)::INTEGER AS i,
      (range * 1000003)::BIGINT AS bi, range::UBIGINT AS ub, (range - 5000)::HUGEINT AS hi, random() * 1e6 - 5e5 AS d, (random() * 100)::FLOAT AS f,
      ((range % 100000) / 100)::DECIMAL(10,2) AS dec, (range / 7)::DECIMAL(38,9) AS dec38, DATE '2025-01-01' + (range % 700)::INT AS dt,
      TIMESTAMP '2025-01-01' + INTERVAL (range * 37) SECOND AS ts, TIMESTAMPTZ '2025-01-01 00:00:00+00' + INTERVAL (range * 1001) MILLISECOND AS tz,
      CASE WHEN range % 3 = 0 THEN 'a' ELSE 'b' END::ENUM_T AS e, gen_random_uuid() AS u FROM range(6000)`;
  const { store, columns, before } = await setup(t, body);
  await store.exec(`UPDATE delta SET s = NULL, d = NULL WHERE _ebb_seq % 97 = 0`);
  const all = seen(await rowByRow(store, columns));
  const kinds = jsonKinds(columns)!;
  const tests = plainFormsSql('delta', columns, kinds)!;
  const row = (await store.query(tests.sql))[0]!;
  const forms = kinds.map((k) => k === 'int');
  tests.tested.forEach((col, i) => (forms[col] = row[`t${i}`] === true));
  t.true(
    forms.every((f, i) => f || !['int', 'float', 'date', 'ts', 'tstz'].includes(kinds[i]!)),
    'every numeric column takes its plain form here',
  );
  const got: string[] = [];
  for (let first = 1; first <= 6000; first += 1500) {
    const count = Math.min(1500, 6001 - first);
    const sql = jsonPageSql(
      'delta',
      { columns, before, change: true, plain: forms },
      kinds,
      jsonKinds(before),
      `_ebb_seq BETWEEN ${first} AND ${first + count - 1}`,
    );
    got.push(
      ...seen({
        columns: columns.map((c) => c.name),
        first,
        count,
        data: [],
        json: {
          ...(await lists(store, sql, columns.length)),
          kinds,
          beforeNames: before.map((c) => c.name),
          beforeKinds: jsonKinds(before)!,
        },
      }),
    );
  }
  t.is(got.length, all.length);
  t.deepEqual(got, all);
});

test('a page whose lists arrive out of order is put in sequence order; a page missing rows is refused', (t) => {
  const bytes = (x: unknown) => new TextEncoder().encode(JSON.stringify(x));
  const page: RowsPage = {
    columns: ['name'],
    first: 1,
    count: 3,
    data: [],
    json: {
      seqs: bytes([3, 1, 2]),
      change: bytes([0, 1, 0]),
      columns: [bytes(['c', 'a', 'b'])],
      kinds: ['str'],
      before: bytes([null, { f0: 'old a' }, null]),
      beforeNames: ['name'],
      beforeKinds: ['str'],
    },
  };
  t.deepEqual(seen(page), [
    '1 changed string:"a" before={"name": "old a"}',
    '2 new string:"b" before=None',
    '3 new string:"c" before=None',
  ]);
  const short: RowsPage = { ...page, count: 4 };
  t.throws(() => seen(short), { message: /a page of rows 1–4 arrived with 3 rows/ });
});

test('a column is parsed only when the script reads it', (t) => {
  const page: RowsPage = {
    columns: ['a', 'b'],
    first: 1,
    count: 1,
    data: [],
    // Column b is not JSON at all: reading only a (or only acknowledging the row) must not touch it.
    json: {
      seqs: new TextEncoder().encode('[1]'),
      fixedChange: 'deleted',
      columns: [new TextEncoder().encode('["x"]'), new TextEncoder().encode('{not json')],
      kinds: ['str', 'str'],
    },
  };
  const row = pageRows(page, new RowShape(page.columns), 'deleted').row(0);
  t.is(row.seq, 1);
  t.is(row.change, 'deleted');
  t.is(repr(row.value(0)), '"x"');
  t.throws(() => row.value(1), { instanceOf: SyntaxError });
});

test('a column type without a JSON kind keeps the row-by-row path', (t) => {
  const list = { name: 'tags', type: { typeId: DuckDBTypeId.LIST } } as unknown as Column;
  const text = { name: 'name', type: { typeId: DuckDBTypeId.VARCHAR } } as unknown as Column;
  t.deepEqual(jsonKinds([text]), ['str']);
  t.is(jsonKinds([text, list]), undefined);
});

test('a page without values fetches them once, when the script first reads one; new rows need none for their before', (t) => {
  const bytes = (x: unknown) => new TextEncoder().encode(JSON.stringify(x));
  let fetched = 0;
  const page: RowsPage = {
    columns: ['name'],
    first: 11,
    count: 3,
    data: [],
    json: {
      seqs: bytes([11, 12, 13]),
      change: bytes([0, 1, 0]),
      kinds: ['str'],
      beforeNames: ['name'],
      beforeKinds: ['str'],
    },
  };
  const noRows = () => {
    throw new Error('no row texts here');
  };
  const rows = pageRows(page, new RowShape(page.columns), 'tracked', {
    values: () => {
      fetched++;
      return {
        seqs: bytes([13, 11, 12]),
        columns: [bytes(['c', 'a', 'b'])],
        before: bytes([null, null, { f0: 'old b' }]),
      };
    },
    rows: noRows,
  });
  const all = [rows.row(0), rows.row(1), rows.row(2)];
  t.deepEqual(
    all.map((r) => [r.seq, r.change]),
    [
      [11, 'new'],
      [12, 'changed'],
      [13, 'new'],
    ],
  );
  t.is(fetched, 0, 'acknowledging rows reads no values');
  t.is(repr(all[0]!.before), 'None');
  t.is(fetched, 0, 'a new row has no before');
  t.false(rows.valuesRead());
  t.deepEqual(
    all.map((r) => repr(r.value(0))),
    ['"a"', '"b"', '"c"'],
  );
  t.is(repr(all[1]!.before), '{"name": "old b"}');
  t.is(fetched, 1);
  t.true(rows.valuesRead());
  // A page of new rows only comes with no lists at all.
  const plain: RowsPage = {
    columns: ['name'],
    first: 1,
    count: 2,
    data: [],
    json: { fixedChange: 'new', kinds: ['str'] },
  };
  const r2 = pageRows(plain, new RowShape(plain.columns), 'tracked', {
    values: () => ({ seqs: bytes([1, 2]), columns: [bytes(['x', 'y'])] }),
    rows: noRows,
  }).row;
  t.deepEqual([r2(0).seq, r2(1).seq, r2(1).change, repr(r2(1).value(0))], [1, 2, 'new', '"y"']);
});
