// The peer of `ebb run` for one table model: a plain @duckdb/node-api script doing the same
// CREATE TABLE … AS. Usage: node bench/peer-ctas.mjs STATE_PATH SELECT_SQL
import { DuckDBInstance } from '@duckdb/node-api';

const [statePath, select] = process.argv.slice(2);
const db = await DuckDBInstance.create(statePath);
const c = await db.connect();
await c.run('CREATE SCHEMA IF NOT EXISTS raw');
await c.run(`CREATE OR REPLACE TABLE raw.events AS ${select}`);
c.closeSync();
db.closeSync();
