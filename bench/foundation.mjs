// Foundation benchmarks (issue: the ebb CLI, projects, SQL models):
// 1. `ebb run` of one table model over a 5M-row Parquet file vs a plain @duckdb/node-api
//    script doing the same CREATE TABLE … AS, both as whole processes. Target: ≤ 1.3×.
// 2. `ebb --version` start time. Target: < 300 ms.

import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { CACHE, EBB, REPO, fmt, machine, median, timeProcess } from './lib.mjs';

const ROWS = Number(process.env.BENCH_ROWS ?? 5_000_000);
const parquet = join(CACHE, `events-${ROWS}.parquet`);
if (!existsSync(parquet)) {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run(`COPY (SELECT range AS id, 'user' || (range % 100000) AS user_name, range % 97 AS category,
                      (range * 7919 % 100000) / 100.0 AS amount, TIMESTAMP '2025-01-01' + INTERVAL (range % 31536000) SECOND AS at
                 FROM range(${ROWS})) TO '${parquet}' (FORMAT parquet)`);
  c.closeSync();
  db.closeSync();
}

const work = mkdtempSync(join(tmpdir(), 'ebb-bench-'));
const project = join(work, 'p');
mkdirSync(join(project, 'models', 'raw'), { recursive: true });
const select = `SELECT * FROM read_parquet('${parquet}')`;
writeFileSync(join(project, 'models', 'raw', 'events.sql'), `-- @kind: table\n${select}\n`);
const peerScript = join(REPO, 'bench', 'peer-ctas.mjs');

const ebbState = join(work, 'ebb.duckdb');
const peerState = join(work, 'peer.duckdb');
const N = 3;
let ebbMs = Infinity;
let peerMs = Infinity;
for (let i = 0; i < N; i++) {
  rmSync(ebbState, { force: true });
  rmSync(peerState, { force: true });
  peerMs = Math.min(peerMs, timeProcess(process.execPath, [peerScript, peerState, select]).ms);
  ebbMs = Math.min(
    ebbMs,
    timeProcess(process.execPath, [EBB, 'run', '--project', project, '--state', ebbState]).ms,
  );
}
const ratio = ebbMs / peerMs;
console.log(`foundation: ${machine()}`);
console.log(`table model over ${ROWS.toLocaleString('en-US')}-row Parquet (best of ${N}):`);
console.log(`  ebb run            ${fmt(ebbMs)}`);
console.log(`  node-api CTAS      ${fmt(peerMs)}`);
console.log(`  ratio ebb/peer     ${ratio.toFixed(2)}×   (target ≤ 1.30×) ${ratio <= 1.3 ? 'PASS' : 'FAIL'}`);

const starts = [];
for (let i = 0; i < 10; i++) starts.push(timeProcess(process.execPath, [EBB, '--version']).ms);
const startMs = median(starts);
console.log(
  `ebb --version start (median of 10): ${fmt(startMs)}   (target < 300 ms) ${startMs < 300 ? 'PASS' : 'FAIL'}`,
);
rmSync(work, { recursive: true, force: true });
