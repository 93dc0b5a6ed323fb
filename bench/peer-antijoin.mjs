// The peer of a no-change tracked run: a plain @duckdb/node-api script that hashes the
// source rows and anti-joins them with the stored hashes both ways (changed/new, deleted).
// Usage: node bench/peer-antijoin.mjs STATE_PATH
import { DuckDBInstance } from '@duckdb/node-api';

const db = await DuckDBInstance.create(process.argv[2]);
const c = await db.connect();
const cols = (await c.runAndReadAll('SELECT * FROM src.events LIMIT 0')).columnNames();
const hash = `md5_number(concat_ws('|', ${cols.map((n) => `"${n}"`).join(', ')}))`;
const changed = await c.runAndReadAll(
  `SELECT count(*) FROM (SELECT id, ${hash} AS h FROM src.events) AS s ANTI JOIN peer.hashes AS p ON s.id = p.id AND s.h = p.h`,
);
const deleted = await c.runAndReadAll('SELECT count(*) FROM peer.hashes AS p ANTI JOIN src.events AS s ON s.id = p.id');
process.stdout.write(`${changed.getRows()[0][0]} ${deleted.getRows()[0][0]}\n`);
c.closeSync();
db.closeSync();
