// The peer of a no-change tracked run: a plain @duckdb/node-api script that computes the
// same canonical row hash as ebb and anti-joins it with the stored hashes both ways
// (new or changed, deleted). Usage: node bench/peer-antijoin.mjs STATE_PATH
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { REPO } from './lib.mjs';

const { rowHashSql } = await import(join(REPO, 'dist', 'lib', 'detect', 'canonical.js'));
const db = await DuckDBInstance.create(process.argv[2]);
const c = await db.connect();
const prepared = await c.prepare('SELECT * FROM src.events');
const cols = [];
for (let i = 0; i < prepared.columnCount; i++) cols.push({ name: prepared.columnName(i), type: prepared.columnType(i) });
prepared.destroySync();
const changed = await c.runAndReadAll(
  `SELECT count(*) FROM (SELECT id, ${rowHashSql(cols, 'q')} AS h FROM src.events AS q) AS s
     ANTI JOIN peer.hashes AS p ON s.id = p.id AND s.h = p.h`,
);
const deleted = await c.runAndReadAll('SELECT count(*) FROM peer.hashes AS p ANTI JOIN src.events AS s ON s.id = p.id');
process.stdout.write(`${changed.getRows()[0][0]} ${deleted.getRows()[0][0]}\n`);
c.closeSync();
db.closeSync();
