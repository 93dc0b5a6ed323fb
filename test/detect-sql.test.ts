// The pure parts of change detection, without DuckDB: the statements a tracked run executes,
// the query body, key literals and schema decisions.

import test from 'ava';
import {
  DECIMAL,
  INTEGER,
  BIGINT,
  VARCHAR,
  BLOB,
  INTERVAL,
  DOUBLE,
  MAP,
  ENUM,
  ARRAY,
} from '@duckdb/node-api';
import { keyLiteralSql } from '../lib/detect/key-literal.js';
import { schemaChange } from '../lib/detect/schema.js';
import { queryBody } from '../lib/detect/sql-body.js';
import {
  ackStatements,
  countsSql,
  deltaSql,
  heldBackSql,
  rejectedHashesSql,
  keysOf,
  sizesSql,
  diffSql,
  keyCheckSql,
  numberedViewSql,
  seqFilter,
  seqRange,
  seqsForKeysSql,
  storedSource,
  workTables,
  type Shape,
} from '../lib/detect/tracked-sql.js';

const shape: Shape = {
  work: workTables(true),
  target: '"sync"."users"',
  keys: ['id', 'day'],
  columns: [
    { name: 'id', type: INTEGER },
    { name: 'day', type: VARCHAR },
    { name: 'v', type: DOUBLE },
  ],
  stored: [
    { name: 'id', type: INTEGER },
    { name: 'day', type: VARCHAR },
  ],
};

test('queryBody drops trailing semicolons and comments, never inside strings', (t) => {
  t.is(queryBody('SELECT 1; -- all of them'), 'SELECT 1');
  t.is(queryBody('SELECT 1 ;\n/* a\n block */ ;; \n-- end'), 'SELECT 1');
  t.is(queryBody("SELECT ';--' AS x -- c"), "SELECT ';--' AS x");
  t.is(queryBody('SELECT "a;b" FROM t;'), 'SELECT "a;b" FROM t');
  t.is(queryBody("SELECT 'it''s' ;"), "SELECT 'it''s'");
  t.is(queryBody('SELECT $$x;$$ ;'), 'SELECT $$x;$$');
  t.is(queryBody('SELECT 1 -- inner\n  + 1;'), 'SELECT 1 -- inner\n  + 1');
});

test('seqFilter compresses acknowledgements into ranges, once each', (t) => {
  // Through the rows' positions (sequence number - 1), which DuckDB's scan reads by range.
  t.is(seqFilter([3, 1, 2, 2, 7, 9, 8]), '(_ebb_pos BETWEEN 0 AND 2 OR _ebb_pos BETWEEN 6 AND 8)');
  t.is(seqFilter([5]), '(_ebb_pos = 4)');
  t.is(seqRange(0, 500), '_ebb_pos BETWEEN 0 AND 499');
  t.is(seqRange(500, 1), '_ebb_pos BETWEEN 500 AND 500');
});

test('the delta statements: a scan of the keys for the checks, one join of hashes for the classification', (t) => {
  t.is(keysOf(shape, 'SELECT * FROM src'), '(SELECT q."id", q."day" FROM (SELECT * FROM src\n) AS q)');
  t.is(
    keyCheckSql(['id', 'day'], '_ebb_cur'),
    'SELECT count(*) FILTER (WHERE "id" IS NULL OR "day" IS NULL)::DOUBLE AS nulls, (count(*) - count(DISTINCT ("id", "day")))::DOUBLE AS repeats FROM _ebb_cur',
  );
  const diff = diffSql(shape, 'SELECT * FROM src', shape.target);
  t.regex(
    diff,
    /FROM \(SELECT q\."id", q\."day", .* AS _ebb_hash FROM \(SELECT \* FROM src\n\) AS q\) AS c FULL OUTER JOIN "sync"\."users" AS t ON c\."id" = t\."id" AND c\."day" = t\."day"/,
  );
  t.regex(diff, /WHERE t\."id" IS NULL OR c\."id" IS NULL OR t\._ebb_hash <> c\._ebb_hash$/);
  t.regex(
    deltaSql(shape, 'SELECT 1', shape.target),
    /struct_pack\("id" := t\."id", "day" := t\."day"\) END AS _ebb_before/,
  );
  const first = deltaSql({ ...shape, stored: undefined }, 'SELECT 1', shape.target);
  t.regex(first, /AS _ebb_hash FROM \(SELECT 1\n\) AS q\n\) AS q ORDER BY q\."id", q\."day"$/);
  t.notRegex(first, /JOIN/);
  // A query already in key order is numbered as it comes, without another sort.
  t.notRegex(
    deltaSql({ ...shape, stored: undefined }, 'SELECT 1 ORDER BY id, day', shape.target, true),
    /ORDER BY q\./,
  );
  t.regex(
    deltaSql(shape, 'SELECT 1 ORDER BY id, day', shape.target, true),
    /\) AS q ORDER BY q\."id", q\."day"$/,
    'a join does not keep it',
  );
  // Written sorted once and numbered by position (a view), not by a window (one thread).
  t.regex(first, /^CREATE OR REPLACE TABLE _ebb_work\.main\._ebb_delta_rows AS SELECT \* FROM \(SELECT /);
  t.notRegex(first, /OVER/);
  // A first delta's rows are all new, with no before: its view says so, not each row.
  t.notRegex(first, /_ebb_change|_ebb_before/);
  t.regex(
    numberedViewSql(shape.work, 'delta', 0n, true),
    /_ebb_seq, \*, 'new' AS _ebb_change, NULL::INTEGER AS _ebb_before FROM /,
  );
  t.is(
    numberedViewSql(shape.work, 'delta'),
    'CREATE OR REPLACE VIEW _ebb_work.main._ebb_delta AS SELECT rowid AS _ebb_pos, rowid + 1 AS _ebb_seq, * FROM _ebb_work.main._ebb_delta_rows',
  );
  // Rows written inside a transaction not yet committed are numbered from DuckDB's base.
  t.is(
    numberedViewSql(shape.work, 'delta', 36028797018960000n),
    'CREATE OR REPLACE VIEW _ebb_work.main._ebb_delta AS SELECT (rowid - 36028797018960000) AS _ebb_pos, (rowid - 36028797018960000) + 1 AS _ebb_seq, * FROM _ebb_work.main._ebb_delta_rows',
  );
  t.is(
    numberedViewSql(workTables(false), 'gone'),
    'CREATE OR REPLACE TEMP VIEW temp.main._ebb_gone AS SELECT rowid AS _ebb_pos, rowid + 1 AS _ebb_seq, * FROM temp.main._ebb_gone_rows',
  );
});

test('repeated and NULL keys are found from the counts of the delta, without a DISTINCT over every key', (t) => {
  t.regex(
    countsSql(['id'], '_ebb_dk'),
    /count\(\*\) FILTER \(WHERE _ebb_change = 'new' AND \("id" IS NULL\)\)::DOUBLE AS nulls/,
  );
  t.regex(
    countsSql(['id', 'day'], '_ebb_dk'),
    /count\(DISTINCT \("id", "day"\)\) FILTER \(WHERE _ebb_change = 'new'\)/,
  );
  t.is(
    sizesSql('SELECT 1', '"s"."t"'),
    'SELECT (SELECT count(*) FROM (SELECT 1\n) AS q)::DOUBLE AS rows, (SELECT count(*) FROM "s"."t")::DOUBLE AS stored',
  );
});

test('a read-only delta over an older hash version hashes stored content on the fly', (t) => {
  t.is(storedSource(shape, false), '"sync"."users"');
  t.regex(
    storedSource(shape, true),
    /^\(SELECT \* EXCLUDE \(_ebb_hash\), .* AS _ebb_hash FROM "sync"\."users"\)$/s,
  );
});

test('acknowledgements delete changed keys and insert the picked rows', (t) => {
  const a = ackStatements(shape, [1, 2, 3], 'run-1');
  t.regex(
    a.remove,
    /^DELETE FROM "sync"\."users" AS t USING \(SELECT "id", "day", "v", _ebb_hash FROM _ebb_work\.main\._ebb_delta WHERE \(_ebb_pos BETWEEN 0 AND 2\) AND _ebb_change = 'changed'\) AS d WHERE t\."id" = d\."id" AND t\."day" = d\."day"$/,
  );
  t.regex(a.insert, /'run-1' AS _ebb_run_id/);
});

test('keys given by a script become literals of the key column type', (t) => {
  t.is(keyLiteralSql('AQI=', BLOB), "from_base64('AQI=')");
  t.is(keyLiteralSql('P1DT2H', INTERVAL), '(to_months(0) + to_days(1) + to_microseconds(7200000000))');
  t.is(keyLiteralSql('P1Y2MT-3.5S', INTERVAL), '(to_months(14) + to_days(0) + to_microseconds(-3500000))');
  t.is(keyLiteralSql('1 day', INTERVAL), "CAST('1 day' AS INTERVAL)");
  t.is(keyLiteralSql(1e-7, DOUBLE), "CAST('1e-7' AS DOUBLE)");
  t.is(keyLiteralSql("o'k", VARCHAR), "CAST('o''k' AS VARCHAR)");
  t.is(keyLiteralSql(null, VARCHAR), 'NULL');
  t.regex(
    seqsForKeysSql('temp.main._ebb_delta', ['id'], [BIGINT], [['7'], ['8']]),
    /JOIN \(VALUES \(0, CAST\('7' AS BIGINT\)\), \(1, CAST\('8' AS BIGINT\)\)\) AS v\(_i, _k0\) ON d\."id" = v\._k0$/,
  );
});

test('schema changes: added columns, full type text compared, missing key columns', (t) => {
  const stored = [
    { name: 'id', type: INTEGER },
    { name: 'd', type: DECIMAL(10, 2) },
    { name: 'm', type: MAP(VARCHAR, INTEGER) },
    { name: 'e', type: ENUM(['a', 'b']) },
    { name: 'a', type: ARRAY(INTEGER, 2) },
    { name: 'same', type: VARCHAR },
  ];
  const current = [
    { name: 'ID', type: BIGINT },
    { name: 'd', type: DECIMAL(12, 4) },
    { name: 'm', type: MAP(VARCHAR, DOUBLE) },
    { name: 'e', type: ENUM(['a', 'b', 'c']) },
    { name: 'a', type: ARRAY(INTEGER, 3) },
    { name: 'same', type: VARCHAR },
    { name: 'new', type: VARCHAR },
  ];
  const c = schemaChange(stored, current, ['id', 'uid']);
  t.deepEqual(
    c.added.map((x) => x.name),
    ['new'],
  );
  t.deepEqual(
    c.retyped.map((r) => `${r.name}: ${r.from.toString()} -> ${r.to.toString()}`),
    [
      'id: INTEGER -> BIGINT',
      'd: DECIMAL(10,2) -> DECIMAL(12,4)',
      'm: MAP(VARCHAR, INTEGER) -> MAP(VARCHAR, DOUBLE)',
      "e: ENUM('a', 'b') -> ENUM('a', 'b', 'c')",
      'a: INTEGER[2] -> INTEGER[3]',
    ],
  );
  t.deepEqual(c.missingKeys, ['uid']);
});

test("rows held back as rejected: one anti-join term on the rejected entries' hashes, in the diff and in a first delta", (t) => {
  const held = { ...shape, model: "sync.it's" };
  const hashes = `(SELECT row_hash FROM _ebb.failures WHERE model = 'sync.it''s' AND kind = 'rejected' AND row_hash IS NOT NULL)`;
  t.is(rejectedHashesSql("sync.it's"), hashes);
  const diff = diffSql(held, 'SELECT * FROM src', held.target);
  t.true(
    diff.includes(
      `CASE WHEN c."id" IS NOT NULL AND NOT (c._ebb_hash NOT IN ${hashes}) THEN CASE WHEN t."id" IS NULL THEN 'rejected new' ELSE 'rejected' END`,
    ),
    diff,
  );
  t.false(diffSql(shape, 'SELECT * FROM src', shape.target).includes('rejected'), 'no model, no term');
  t.regex(deltaSql(held, 'SELECT 1', held.target), /dk\._ebb_change IN \('new', 'changed'\)/);
  t.true(deltaSql({ ...held, stored: undefined }, 'SELECT 1', held.target).includes(`NOT IN ${hashes}`));
  t.regex(heldBackSql({ ...held, stored: undefined }, 'SELECT 1', false), /WHERE FALSE LIMIT 0$/);
  t.true(
    heldBackSql({ ...held, stored: undefined }, 'SELECT 1', true).includes(`'rejected new' AS _ebb_change`),
  );
  t.regex(countsSql(['id'], '_ebb_dk'), /FILTER \(WHERE _ebb_change = 'rejected new'\)::DOUBLE AS rn/);
});
