// The key of a failed row as _ebb.failures stores it (lib/runtime/failures.ts keyJsonWriter):
// written without building an object, it must be the very text the object form gave — entries
// are found again by it (clearResolved, `ebb retry --keys`). Checked against that form over
// real DuckDB values of every kind a key column may have.

import { DuckDBInstance } from '@duckdb/node-api';
import test from 'ava';
import type { Model } from '../lib/project/index.js';
import { keyJsonWriter } from '../lib/runtime/failures.js';
import { fromDuckDB } from '../lib/runtime/values.js';

const model = (uniqueKey: string[]) => ({ uniqueKey }) as unknown as Model;

/** The object form: each key column through fromDuckDB, bigints past 2^53 as digit strings. */
function objectForm(keys: readonly string[], columns: readonly string[], values: readonly unknown[]): string {
  const o: Record<string, unknown> = {};
  for (const k of keys) {
    const i = columns.findIndex((c) => c.toLowerCase() === k.toLowerCase());
    o[k] = i < 0 ? null : fromDuckDB(values[i] as never);
  }
  const big = BigInt(Number.MAX_SAFE_INTEGER);
  return JSON.stringify(o, (_k, v: unknown) =>
    typeof v === 'bigint' ? (v <= big && v >= -big ? Number(v) : v.toString()) : v,
  );
}

test('keys of every kind of column are written as the object form writes them', async (t) => {
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  const reader = await db.runAndReadAll(`
    SELECT * FROM (VALUES
      (1::BIGINT, 'plain', 1.5::DOUBLE, 9007199254740993::HUGEINT, TIMESTAMP '2026-01-02 03:04:05.123456',
       DATE '2026-12-06', {'a': 1, 'b': [2, 3]}, 'a"b\\c/é\u0001'::VARCHAR, 12.30::DECIMAL(6,2), true, NULL::INTEGER,
       '\\x00\\xFF'::BLOB, 'NaN'::DOUBLE, (-9223372036854775807 - 1)::BIGINT, 200::UTINYINT),
      (-2, '', -0.0, -9007199254740991, TIMESTAMP '1969-12-31 23:59:59',
       DATE '0001-01-01', {'a': NULL, 'b': []}, '', 0.00, false, 7, ''::BLOB, 'inf'::DOUBLE, 9007199254740991, 0)
    ) AS v(id, name, d, big, ts, dt, st, text, dec, flag, missing, bl, nan, minbig, tiny)`);
  const columns = reader.columnNames();
  const rows = reader.getRows();
  const keySets = [['id'], ['ID', 'Name'], ...columns.map((c) => [c]), columns, ['absent', 'id'], []];
  for (const keys of keySets) {
    const write = keyJsonWriter(model(keys), columns);
    for (const row of rows) {
      t.is(write(row), objectForm(keys, columns, row), `keys ${keys.join(',')}`);
    }
  }
});
