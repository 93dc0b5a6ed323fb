// Change-detection benchmarks (issue 8), each against a plain @duckdb/node-api peer that
// computes DuckDB's hash() over the same columns and full-joins it with stored hashes
// (bench/peer-detect.mjs). Whole processes, best of 3; every delta count must be exact or the
// bench fails.
// 1. Initial sync of 1M rows through `for row in query(...): save.row(row)`: rows/s (≥ 150,000).
// 2. No-change run over the 1M rows: ebb / peer (≤ 1.5×, aim 1.2×).
// 3. 10M rows, 1% changed, 0.5% deleted, 5,000 new: ebb run (the script saves and deletes
//    every delta row) / peer finding the same delta (≤ 3×), peak RSS < 1 GiB.

import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, version } from '@duckdb/node-api';
import { EBB, REPO, fmt, machine, timeProcess } from './lib.mjs';

const { rowHashSql, hashVersion } = await import(join(REPO, 'dist', 'lib', 'detect', 'canonical.js'));

const SMALL = Number(process.env.BENCH_DETECT_ROWS ?? 1_000_000);
const LARGE = Number(process.env.BENCH_DETECT_LARGE_ROWS ?? 10_000_000);
const N = Number(process.env.BENCH_DETECT_RUNS ?? 3);
const PEER = join(REPO, 'bench', 'peer-detect.mjs');

const MODEL = `# @kind: tracked
# @unique_key: id
for row in query("SELECT * FROM src.events"):
    save.row(row)
for row in deleted():
    save.delete(row)
`;

function sourceSql(rows) {
  return `CREATE OR REPLACE TABLE src.events AS
    SELECT range AS id, 'user' || range || '@example.com' AS email, ['free', 'pro', 'team'][1 + range % 3] AS plan,
           ((range % 100000) / 100)::DECIMAL(10, 2) AS amount, TIMESTAMP '2025-01-01' + INTERVAL (range) SECOND AS updated_at
      FROM range(${rows})`;
}

async function withDb(path, fn) {
  const db = await DuckDBInstance.create(path);
  const c = await db.connect();
  try {
    return await fn(c);
  } finally {
    c.closeSync();
    db.closeSync();
  }
}

async function columnsOf(c) {
  const prepared = await c.prepare('SELECT * FROM src.events');
  const cols = [];
  for (let i = 0; i < prepared.columnCount; i++)
    cols.push({ name: prepared.columnName(i), type: prepared.columnType(i) });
  prepared.destroySync();
  return cols;
}

async function makeProject(rows) {
  const work = mkdtempSync(join(tmpdir(), 'ebb-detect-'));
  mkdirSync(join(work, 'models', 'sync'), { recursive: true });
  mkdirSync(join(work, 'state'), { recursive: true });
  writeFileSync(join(work, 'models', 'sync', 'events.star'), MODEL);
  const state = join(work, 'state', 'ebb.duckdb');
  await withDb(state, async (c) => {
    await c.run('CREATE SCHEMA src');
    await c.run(sourceSql(rows));
  });
  return { work, state };
}

/** measured runs a command and returns its wall time, peak RSS (kernel rusage) and stdout. */
function measured(args) {
  const py = `import resource, subprocess, sys, time
t0 = time.time()
r = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
t = time.time() - t0
if r.returncode != 0:
    sys.stderr.write(r.stderr.decode() + r.stdout.decode()); sys.exit(r.returncode)
sys.stderr.write(r.stdout.decode())
print(t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)`;
  const r = spawnSync('python3', ['-c', py, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed:\n${r.stderr}`);
  const [secs, kb] = r.stdout.trim().split(/\s+/).map(Number);
  return { ms: secs * 1000, rssMiB: kb / 1024, stdout: r.stderr };
}

/** exact fails the bench unless the run found exactly `want` (and, for ebb, saved it all). */
function exact(what, got, want) {
  for (const k of Object.keys(want)) {
    if (got[k] !== want[k])
      throw new Error(`${what}: ${k} = ${got[k]}, want ${want[k]} (${JSON.stringify(got)})`);
  }
}

function ebbResult(stdout) {
  const line = stdout.split('\n').find((l) => l.includes('"sync.events"'));
  if (!line) throw new Error(`no result for sync.events in:\n${stdout}`);
  return JSON.parse(line);
}

const ebbArgs = (p) => [process.execPath, EBB, 'run', 'sync.events', '--project', p.work, '--json'];
const peerRun = (state) => JSON.parse(timeProcess(process.execPath, [PEER, state]).stdout);
const ratioLine = (label, ebbMs, peerMs, target) => {
  const ratio = ebbMs / peerMs;
  return `  ${label}: ebb ${fmt(ebbMs)}, peer ${fmt(peerMs)}, ratio ${ratio.toFixed(2)}×   (target ≤ ${target.toFixed(2)}×) ${ratio <= target ? 'PASS' : 'FAIL'}`;
};

console.log(`detect: ${machine()}, DuckDB ${version()}`);

// --- 1 and 2: SMALL rows ------------------------------------------------------------------
const small = await makeProject(SMALL);
let seed = measured(ebbArgs(small));
exact('initial sync', ebbResult(seed.stdout), {
  status: 'ok',
  new: SMALL,
  changed: 0,
  deleted: 0,
  saved: SMALL,
  failed: 0,
});
const pristine = `${small.state}.pristine`;
await withDb(small.state, async (c) => {
  await c.run('CREATE SCHEMA peer');
  await c.run(
    'CREATE TABLE peer.hashes AS SELECT id, hash(id, email, plan, amount, updated_at) AS h FROM src.events',
  );
});
// Best of 3 initial syncs, each from the state before the first.
await withDb(small.state, async (c) => c.run('CHECKPOINT'));
copyFileSync(small.state, pristine);
await withDb(pristine, async (c) => {
  await c.run('DROP TABLE sync.events');
  await c.run(`DELETE FROM _ebb.tracked`);
  await c.run('CHECKPOINT');
});
for (let i = 1; i < N; i++) {
  const p = { work: mkdtempSync(join(tmpdir(), 'ebb-detect-sync-')) };
  mkdirSync(join(p.work, 'models', 'sync'), { recursive: true });
  mkdirSync(join(p.work, 'state'), { recursive: true });
  writeFileSync(join(p.work, 'models', 'sync', 'events.star'), MODEL);
  copyFileSync(pristine, join(p.work, 'state', 'ebb.duckdb'));
  const r = measured(ebbArgs(p));
  exact('initial sync', ebbResult(r.stdout), { status: 'ok', new: SMALL, saved: SMALL });
  if (r.ms < seed.ms) seed = r;
  rmSync(p.work, { recursive: true, force: true });
}
const rate = Math.round(SMALL / (seed.ms / 1000));
console.log(
  `initial sync of ${SMALL.toLocaleString('en-US')} rows through the script (best of ${N}): ${fmt(seed.ms)}, ${rate.toLocaleString('en-US')} rows/s   (target ≥ 150,000) ${rate >= 150_000 ? 'PASS' : 'FAIL'}, peak RSS ${seed.rssMiB.toFixed(0)} MiB`,
);

let ebbMs = Infinity;
let peerMs = Infinity;
for (let i = 0; i < N; i++) {
  const t0 = performance.now();
  exact('no-change peer', peerRun(small.state), { new: 0, changed: 0, deleted: 0 });
  peerMs = Math.min(peerMs, performance.now() - t0);
  const r = measured(ebbArgs(small));
  exact('no-change run', ebbResult(r.stdout), { status: 'ok', new: 0, changed: 0, deleted: 0, saved: 0 });
  ebbMs = Math.min(ebbMs, r.ms);
}
console.log(`no-change run, ${SMALL.toLocaleString('en-US')} rows (best of ${N}):`);
console.log(ratioLine('no-change', ebbMs, peerMs, 1.5));
rmSync(small.work, { recursive: true, force: true });

// --- 3. LARGE rows: 1% changed, 0.5% deleted, 5,000 new -------------------------------------
if (LARGE === 0) process.exit(0);
const large = await makeProject(LARGE);
// ebb's own schema first, then the delivered state seeded in SQL with ebb's own hash (as if a
// first run had delivered everything), and the peer's stored hashes of the same rows.
timeProcess(process.execPath, [EBB, 'sql', 'SELECT 1', '--project', large.work]);
await withDb(large.state, async (c) => {
  const cols = await columnsOf(c);
  await c.run('CREATE SCHEMA sync');
  await c.run(
    `CREATE TABLE sync.events AS SELECT *, ${rowHashSql(cols)} AS _ebb_hash, now() AS _ebb_saved_at, 'seed' AS _ebb_run_id FROM src.events`,
  );
  await c.run(
    `INSERT OR REPLACE INTO _ebb.tracked (model, hash_version, updated_at, unique_key) VALUES ('sync.events', ${hashVersion(version())}, now(), '["id"]')`,
  );
  await c.run('CREATE SCHEMA peer');
  await c.run(
    'CREATE TABLE peer.hashes AS SELECT id, hash(id, email, plan, amount, updated_at) AS h FROM src.events',
  );
  await c.run(`UPDATE src.events SET plan = 'changed' WHERE id % 100 = 0`);
  await c.run(`DELETE FROM src.events WHERE id % 200 = 1`);
  await c.run(
    `INSERT INTO src.events SELECT range, 'new' || range, 'free', 1.5, TIMESTAMP '2026-01-01' FROM range(${LARGE}, ${LARGE + 5000})`,
  );
  await c.run('CHECKPOINT');
});
const want = { new: 5000, changed: LARGE / 100, deleted: LARGE / 200 };
const before = `${large.state}.before`;
copyFileSync(large.state, before);
let big;
peerMs = Infinity;
for (let i = 0; i < N; i++) {
  const t0 = performance.now();
  exact('10M peer', peerRun(before), want);
  peerMs = Math.min(peerMs, performance.now() - t0);
  copyFileSync(before, large.state);
  if (existsSync(`${large.state}.wal`)) rmSync(`${large.state}.wal`);
  const r = measured(ebbArgs(large));
  exact('10M run', ebbResult(r.stdout), { status: 'ok', ...want, saved: want.new + want.changed, failed: 0 });
  if (!big || r.ms < big.ms) big = r;
}
console.log(
  `${LARGE.toLocaleString('en-US')} rows, ${want.changed.toLocaleString('en-US')} changed, ${want.deleted.toLocaleString('en-US')} deleted, ${want.new.toLocaleString('en-US')} new (ebb's script saves and deletes them all; best of ${N}):`,
);
console.log(ratioLine('10M delta', big.ms, peerMs, 3));
console.log(
  `  peak RSS ${big.rssMiB.toFixed(0)} MiB   (target < 1024 MiB) ${big.rssMiB < 1024 ? 'PASS' : 'FAIL'}`,
);
rmSync(large.work, { recursive: true, force: true });
