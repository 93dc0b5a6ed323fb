// How `ebb run --offline` keeps the state untouched, measured on a ~1 GB state file:
// (a) a scratch copy (copyState: read-only open for the lock, then the file and its WAL
//     copied), removed afterwards — what ebb does;
// (b) the alternative: the original opened for writing, the run's writes made inside one
//     transaction and rolled back. Its cost is printed, and whether the file's bytes
//     survived it (they do not: DuckDB writes large uncommitted inserts into the file).
//
//   node --import=tsx bench/offline/state-copy.ts [--rows N] [--runs 3]

import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { copyState } from '../../lib/store/snapshot.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const ROWS = arg('rows', 20_000_000);
const RUNS = arg('runs', 3);
/** Rows a representative offline run writes (acks of a 1M-row delta). */
const WRITTEN = 1_000_000;

const dir = mkdtempSync(join(tmpdir(), 'ebb-bench-offline-'));
const state = join(dir, 'state.duckdb');

function md5(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('md5');
    createReadStream(file)
      .on('data', (d) => h.update(d))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject);
  });
}

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const fmt = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(0)} ms`);

async function build(): Promise<void> {
  const db = await DuckDBInstance.create(state);
  const c = await db.connect();
  // md5 text does not compress much: ~1 GB on disk for 20M rows.
  await c.run(`CREATE TABLE sync_users AS
    SELECT range AS id, md5(range::VARCHAR) AS email, md5((range * 7)::VARCHAR) AS name,
           md5((range * 13)::VARCHAR) AS _ebb_hash FROM range(${ROWS})`);
  await c.run('CHECKPOINT');
  c.closeSync();
  db.closeSync();
}

/** copyOnly is the part of (a) that --offline adds to a run: the copy and its removal. */
async function copyOnly(): Promise<number> {
  const t0 = process.hrtime.bigint();
  const scratch = join(dir, 'scratch.duckdb');
  await copyState(state, scratch);
  rmSync(scratch, { force: true });
  return ms(t0);
}

/** openOnly opens the original for writing and closes it, writing nothing: are its bytes kept? */
async function openOnly(): Promise<void> {
  const db = await DuckDBInstance.create(state);
  db.closeSync();
}

async function viaCopy(): Promise<number> {
  const t0 = process.hrtime.bigint();
  const scratch = join(dir, 'scratch.duckdb');
  await copyState(state, scratch);
  const db = await DuckDBInstance.create(scratch);
  const c = await db.connect();
  await c.run(`INSERT INTO sync_users SELECT range + ${ROWS}, 'e', 'n', 'h' FROM range(${WRITTEN})`);
  c.closeSync();
  db.closeSync();
  rmSync(scratch, { force: true });
  rmSync(`${scratch}.wal`, { force: true });
  return ms(t0);
}

async function viaRollback(): Promise<number> {
  const t0 = process.hrtime.bigint();
  const db = await DuckDBInstance.create(state);
  const c = await db.connect();
  await c.run('BEGIN TRANSACTION');
  await c.run(`INSERT INTO sync_users SELECT range + ${ROWS}, 'e', 'n', 'h' FROM range(${WRITTEN})`);
  await c.run('ROLLBACK');
  c.closeSync();
  db.closeSync();
  return ms(t0);
}

await build();
const size = statSync(state).size;
console.log(
  `state: ${(size / 2 ** 30).toFixed(2)} GiB (${ROWS.toLocaleString('en-US')} rows); each run writes ${WRITTEN.toLocaleString('en-US')} rows`,
);
const before = await md5(state);
let bare = Infinity;
for (let i = 0; i < RUNS; i++) bare = Math.min(bare, await copyOnly());
console.log(
  `copyState + remove alone: best of ${RUNS} ${fmt(bare)} (${(size / 2 ** 30 / (bare / 1000)).toFixed(2)} GiB/s)`,
);
let copy = Infinity;
for (let i = 0; i < RUNS; i++) copy = Math.min(copy, await viaCopy());
const afterCopy = await md5(state);
console.log(
  `scratch copy (copy, open, write, remove): best of ${RUNS} ${fmt(copy)}; original unchanged: ${afterCopy === before}`,
);
await openOnly();
console.log(
  `a read-write open and close that writes nothing keeps the bytes: ${(await md5(state)) === before}`,
);
let rollback = Infinity;
for (let i = 0; i < RUNS; i++) rollback = Math.min(rollback, await viaRollback());
const afterRollback = await md5(state);
const grew = statSync(state).size - size;
console.log(
  `rolled-back transaction: best of ${RUNS} ${fmt(rollback)}; original unchanged: ${afterRollback === before}` +
    ` (size ${grew >= 0 ? '+' : ''}${(grew / 2 ** 20).toFixed(1)} MiB)`,
);
console.log(`copy / rollback: ${(copy / rollback).toFixed(2)}×`);
rmSync(dir, { recursive: true, force: true });
