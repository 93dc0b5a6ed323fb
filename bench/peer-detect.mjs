// The peer of a tracked run's change detection: a plain @duckdb/node-api script that computes
// DuckDB's hash() over the source's columns and full-joins it with stored hashes (peer.hashes,
// one (id, h) row per delivered key), counting new, changed and deleted keys — the fastest
// correct way to get the delta, without any canonical form. Usage: node bench/peer-detect.mjs STATE
import { DuckDBInstance } from '@duckdb/node-api';

const db = await DuckDBInstance.create(process.argv[2]);
const c = await db.connect();
const r = await c.runAndReadAll(
  `SELECT count(*) FILTER (WHERE p.id IS NULL) AS n, count(*) FILTER (WHERE s.id IS NOT NULL AND p.id IS NOT NULL) AS c,
          count(*) FILTER (WHERE s.id IS NULL) AS d
     FROM (SELECT id, hash(id, email, plan, amount, updated_at) AS h FROM src.events) AS s
     FULL OUTER JOIN peer.hashes AS p ON s.id = p.id
    WHERE s.id IS NULL OR p.id IS NULL OR s.h <> p.h`,
);
const [n, ch, d] = r.getRows()[0].map(Number);
process.stdout.write(JSON.stringify({ new: n, changed: ch, deleted: d }) + '\n');
c.closeSync();
db.closeSync();
