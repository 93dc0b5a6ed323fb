// The hand-written peer of the bench/send benchmarks: read rows from the state's DuckDB file,
// encode them as JSON and POST them with undici, keeping INFLIGHT requests in flight — what a
// person would write without ebb (no retries, no acknowledgements, no state).
// Usage: node peer.mjs STATE URL BATCH INFLIGHT   (BATCH 1: one row per request)

import { DuckDBInstance } from '@duckdb/node-api';
import { Pool } from 'undici';

const [state, url, batchArg, inflightArg] = process.argv.slice(2);
const BATCH = Number(batchArg);
const INFLIGHT = Number(inflightArg);
const instance = await DuckDBInstance.create(state, { access_mode: 'READ_ONLY' });
const conn = await instance.connect();
const result = await conn.stream('SELECT id, name, email, amount FROM src.items ORDER BY id');
const names = result.columnNames();
const target = new URL(url);
const pool = new Pool(target.origin, { connections: INFLIGHT });
const headers = { 'content-type': 'application/json' };

let inflight = 0;
let sent = 0;
let wake;
async function post(body) {
  inflight++;
  try {
    const res = await pool.request({ method: 'POST', path: target.pathname, headers, body });
    await res.body.arrayBuffer();
    if (res.statusCode >= 300) throw new Error(`status ${res.statusCode}`);
    sent++;
  } finally {
    inflight--;
    wake?.();
  }
}
const slot = async () => {
  while (inflight >= INFLIGHT) await new Promise((r) => (wake = r));
};
const plain = (v) => (typeof v === 'bigint' ? Number(v) : v);
let batch = [];
for (;;) {
  const chunk = await result.fetchChunk();
  if (!chunk || chunk.rowCount === 0) break;
  for (const row of chunk.getRows()) {
    const obj = {};
    for (let i = 0; i < names.length; i++) obj[names[i]] = plain(row[i]);
    if (BATCH === 1) {
      await slot();
      void post(JSON.stringify(obj));
      continue;
    }
    batch.push(obj);
    if (batch.length === BATCH) {
      await slot();
      void post(JSON.stringify({ inputs: batch }));
      batch = [];
    }
  }
}
if (batch.length > 0) {
  await slot();
  void post(JSON.stringify({ inputs: batch }));
}
while (inflight > 0) await new Promise((r) => (wake = r));
await pool.close();
conn.closeSync();
process.stdout.write(`${sent}\n`);
