// Change-detection benchmarks (issue: Starlark models and change detection).
// 1. No-change run of a tracked model over 1M source rows (`ebb run` as a whole process)
//    vs a plain @duckdb/node-api script doing the equivalent hash + anti-join on the same
//    data. Target: ≤ 1.5×.
// 2. 10M source rows with 1% changed: the run's seconds and peak RSS. Target: < 1 GiB.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { EBB, REPO, fmt, machine, timeProcess } from './lib.mjs';

const { rowHashSql } = await import(join(REPO, 'dist', 'lib', 'detect', 'canonical.js'));

const SMALL = Number(process.env.BENCH_DETECT_ROWS ?? 1_000_000);
const LARGE = Number(process.env.BENCH_DETECT_LARGE_ROWS ?? 10_000_000);

const MODEL = `# @kind: tracked
# @unique_key: id
for row in query("SELECT * FROM src.events"):
    save.row(row)
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
  for (let i = 0; i < prepared.columnCount; i++) cols.push({ name: prepared.columnName(i), type: prepared.columnType(i) });
  prepared.destroySync();
  return cols;
}

function makeProject(rows) {
  const work = mkdtempSync(join(tmpdir(), 'ebb-detect-'));
  mkdirSync(join(work, 'models', 'sync'), { recursive: true });
  writeFileSync(join(work, 'models', 'sync', 'events.star'), MODEL);
  return { work, state: join(work, 'state', 'ebb.duckdb'), rows };
}

/** peakRss runs a command and returns its wall time and peak RSS (from the kernel's rusage). */
function measured(args) {
  const py = `import resource, subprocess, sys, time
t0 = time.time()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
t = time.time() - t0
if r.returncode != 0:
    sys.stderr.write(r.stderr.decode()); sys.exit(r.returncode)
print(t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)`;
  const r = spawnSync('python3', ['-c', py, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed:\n${r.stderr}`);
  const [secs, kb] = r.stdout.trim().split(/\s+/).map(Number);
  return { ms: secs * 1000, rssMiB: kb / 1024 };
}

const ebbRun = (p) => [process.execPath, EBB, 'run', 'sync.events', '--project', p.work];

// --- 1. no-change run over SMALL rows -------------------------------------------------
const small = makeProject(SMALL);
mkdirSync(join(small.work, 'state'), { recursive: true });
await withDb(small.state, async (c) => {
  await c.run('CREATE SCHEMA src');
  await c.run(sourceSql(SMALL));
});
const seed = measured(ebbRun(small));
const peerScript = join(REPO, 'bench', 'peer-antijoin.mjs');
// The peer keeps its own (id, hash) table with the same hash, built once like ebb's first run.
await withDb(small.state, async (c) => {
  await c.run(`CREATE SCHEMA IF NOT EXISTS peer`);
  await c.run(`CREATE OR REPLACE TABLE peer.hashes AS SELECT id, ${rowHashSql(await columnsOf(c), 'q')} AS h FROM src.events AS q`);
});
const N = 3;
let ebbMs = Infinity;
let peerMs = Infinity;
for (let i = 0; i < N; i++) {
  peerMs = Math.min(peerMs, timeProcess(process.execPath, [peerScript, small.state]).ms);
  const r = timeProcess(process.execPath, [EBB, 'run', 'sync.events', '--project', small.work, '--json']);
  if (!/"new":0,"changed":0,"deleted":0/.test(r.stdout)) throw new Error(`no-change run found changes: ${r.stdout}`);
  ebbMs = Math.min(ebbMs, r.ms);
}
console.log(`detect: ${machine()}`);
console.log(`initial sync of ${SMALL.toLocaleString('en-US')} rows through the script (save.row each): ${fmt(seed.ms)} (${Math.round(SMALL / (seed.ms / 1000)).toLocaleString('en-US')} rows/s), peak RSS ${seed.rssMiB.toFixed(0)} MiB`);
console.log(`no-change run, ${SMALL.toLocaleString('en-US')} rows (best of ${N}):`);
console.log(`  ebb run                     ${fmt(ebbMs)}`);
console.log(`  same hash + anti-join peer  ${fmt(peerMs)}`);
const ratio = ebbMs / peerMs;
console.log(`  ratio ebb/peer     ${ratio.toFixed(2)}×   (target ≤ 1.50×) ${ratio <= 1.5 ? 'PASS' : 'FAIL'}`);
rmSync(small.work, { recursive: true, force: true });

// --- 2. LARGE rows, 1% changed ---------------------------------------------------------
if (LARGE === 0) process.exit(0);
const large = makeProject(LARGE);
mkdirSync(join(large.work, 'state'), { recursive: true });
await withDb(large.state, async (c) => {
  await c.run('CREATE SCHEMA src');
  await c.run(sourceSql(LARGE));
});
// Seed the delivered state in SQL (as if a first run had delivered everything), through
// ebb's own schema and hash so the run below sees exactly the 1% that changed.
spawnSync(process.execPath, [EBB, 'validate', '--project', large.work], { stdio: 'ignore' });
timeProcess(process.execPath, [EBB, 'sql', 'SELECT 1', '--project', large.work]);
await withDb(large.state, async (c) => {
  const cols = await columnsOf(c);
  await c.run('CREATE SCHEMA IF NOT EXISTS sync');
  await c.run(`CREATE TABLE sync.events AS SELECT *, ${rowHashSql(cols)} AS _ebb_hash, now() AS _ebb_saved_at, 'seed' AS _ebb_run_id FROM src.events`);
  await c.run(`INSERT OR REPLACE INTO _ebb.tracked VALUES ('sync.events', 1, now())`);
  await c.run(`UPDATE src.events SET plan = 'changed' WHERE id % 100 = 0`);
});
const big = measured([...ebbRun(large)]);
console.log(`${LARGE.toLocaleString('en-US')} source rows, 1% changed (${(LARGE / 100).toLocaleString('en-US')} rows sent and saved):`);
console.log(`  ebb run            ${fmt(big.ms)}, peak RSS ${big.rssMiB.toFixed(0)} MiB   (target < 1024 MiB) ${big.rssMiB < 1024 ? 'PASS' : 'FAIL'}`);
rmSync(large.work, { recursive: true, force: true });
