import { DuckDBInstance } from '@duckdb/node-api';
import { copyFileSync } from 'node:fs';
const { rowHashSql } = await import('../dist/lib/detect/canonical.js');
copyFileSync(process.argv[2], '/tmp/probe8.duckdb');
const db = await DuckDBInstance.create('/tmp/probe8.duckdb');
const c = await db.connect();
await c.run(`SET memory_limit='400MB'`);
const prep = await c.prepare('SELECT id, name, email, amount FROM src.items');
const cols = []; for (let i = 0; i < prep.columnCount; i++) cols.push({ name: prep.columnName(i), type: prep.columnType(i) });
const H = rowHashSql(cols, 'q');
const body = 'SELECT id, name, email, amount FROM src.items ORDER BY id';
const qs = {
  plain: `CREATE OR REPLACE TEMP TABLE d AS SELECT q.* FROM (${body}) q`,
  hash: `CREATE OR REPLACE TEMP TABLE d AS SELECT q.*, ${H} AS h FROM (${body}) q`,
  rownum: `CREATE OR REPLACE TEMP TABLE d AS SELECT row_number() OVER (ORDER BY q.id) AS s, q.* FROM (${body}) q`,
  full: `CREATE OR REPLACE TEMP TABLE d AS SELECT row_number() OVER (ORDER BY q.id) AS s, q.*, ${H} AS h, 'new' AS c, NULL AS b FROM (${body}) q`,
  full_nobody_order: `CREATE OR REPLACE TEMP TABLE d AS SELECT row_number() OVER (ORDER BY q.id) AS s, q.*, ${H} AS h, 'new' AS c, NULL AS b FROM (SELECT id, name, email, amount FROM src.items) q`,
};
for (let r = 0; r < 2; r++) for (const [k, q] of Object.entries(qs)) { const t = performance.now(); const cu = process.cpuUsage(); await c.run(q); const u = process.cpuUsage(cu); console.log(k.padEnd(18), (performance.now() - t).toFixed(0), 'cpu', ((u.user + u.system) / 1000).toFixed(0)); }
