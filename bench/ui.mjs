// The dashboard's bench (issue 20 §5): on a state with 1M tracked rows, 10,000 failures and
// 1,000 model runs, the time of the first page (`ebb ui`'s first request, which also parses the
// models' DAG, then the median of 10) and of the other pages, `/metrics` of `ebb serve`
// (median of 20), and `ebb serve` idle: CPU over 10 s and RSS, from /proc, before and after
// the dashboard was read. Targets: first page < 300 ms, /metrics < 50 ms, idle < 1 % CPU and
// < 150 MiB. The state is made by a real `ebb run` (1M rows saved by a tracked model); the
// failures and past runs are then written into ebb's tables in SQL. The same state split into 4
// shard files (ebb reshard) gives the first page over a sharded folder, beside the one file's.

import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { EBB, fmt, machine, median } from './lib.mjs';

const ROWS = Number(process.env.BENCH_UI_ROWS ?? 1_000_000);
const FAILURES = 10_000;
const RUNS = 1_000;

function makeProject() {
  const root = mkdtempSync(join(tmpdir(), 'ebb-ui-bench-'));
  const files = {
    'models/src/events.sql': `SELECT range AS id, 'user' || range || '@example.com' AS email FROM range(${ROWS})`,
    'models/sync/users.star':
      '# @kind: tracked\n# @unique_key: id\nfor row in query("SELECT id, email FROM src.events"):\n    save.row(row)\n',
    'ebb.yaml': "schedules:\n  - select: sync.*\n    cron: '0 0 1 1 *'\n",
  };
  for (let i = 0; i < 8; i++)
    files[`models/mart/m${i}.sql`] = `SELECT id FROM src.events WHERE id % ${i + 2} = 0 LIMIT 10`;
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  const r = spawnSync(process.execPath, [EBB, 'run', '--quiet'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return root;
}

async function addFailuresAndRuns(statePath) {
  const db = await DuckDBInstance.create(statePath);
  const c = await db.connect();
  await c.run(`INSERT INTO _ebb.failures (model, key, change, method, url, status, error, attempts, first_failed_at, last_failed_at, run_id)
    SELECT 'sync.users', '{"id":' || i || '}', 'changed', 'POST', 'http://127.0.0.1:9/users', 500 + i % 3,
           'POST http://127.0.0.1:9 answered ' || (500 + i % 3) || ': {"error":"message ' || i % 7 || '"}', 1,
           now(), now(), 'bench' FROM range(${FAILURES}) t(i)`);
  // The request log as a long-running sync leaves it: its 1,000 newest successes and 10,000 failures.
  await c.run(`INSERT INTO _ebb.requests
    SELECT 'bench', 'sync.users', now() - INTERVAL (i) SECOND, 'POST', 'http://127.0.0.1:9/users', CASE WHEN i < 1000 THEN 200 ELSE 500 END,
           NULL, 1, i >= 1000, 12.5, '{"id":' || i || ',"email":"user' || i || '@example.com"}', repeat('x', 400)
      FROM range(11000) t(i)`);
  const have = Number((await c.runAndReadAll('SELECT count(*) FROM _ebb.runs')).getRows()[0][0]);
  await c.run(`INSERT INTO _ebb.runs (run_id, model, kind, status, rows, duration_ms, error, started_at, finished_at, details)
    SELECT 'bench-' || (i // 10), CASE WHEN i % 10 = 0 THEN 'sync.users' ELSE 'mart.m' || (i % 8) END, 'table',
           CASE WHEN i % 17 = 0 THEN 'error' ELSE 'ok' END, i * 10, 100 + i % 900, NULL,
           now() - INTERVAL (i) MINUTE, now() - INTERVAL (i) MINUTE + INTERVAL 1 SECOND,
           '{"new":1,"changed":2,"deleted":0,"saved":3,"failed":0,"unsaved":0}'
      FROM range(${RUNS - have}) t(i)`);
  const counts = (
    await c.runAndReadAll(
      'SELECT (SELECT count(*) FROM sync.users), (SELECT count(*) FROM _ebb.failures), (SELECT count(*) FROM _ebb.runs)',
    )
  )
    .getRows()[0]
    .map(Number);
  c.closeSync();
  db.closeSync();
  return counts;
}

/** start runs an ebb command that serves, and resolves with the process and its printed URL. */
function start(args, cwd, pattern) {
  const child = spawn(process.execPath, [EBB, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => {
      err += d;
      const m = pattern.exec(err);
      if (m) resolve({ child, m });
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
}

async function timed(url, headers) {
  const t0 = performance.now();
  const r = await fetch(url, { headers });
  await r.text();
  if (r.status !== 200) throw new Error(`${url}: ${r.status}`);
  return performance.now() - t0;
}

async function medianOf(n, url, headers) {
  const t = [];
  for (let i = 0; i < n; i++) t.push(await timed(url, headers));
  return median(t);
}

function procStats(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]); // utime + stime, in clock ticks (100 a second)
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
  return { cpuMs: ticks * 10, rssMiB: rss };
}

async function idle(pid, seconds) {
  const a = procStats(pid);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const b = procStats(pid);
  return { cpu: (100 * (b.cpuMs - a.cpuMs)) / (seconds * 1000), rss: b.rssMiB };
}

/**
 * shardsCase: the same state split into 4 shard files by `ebb reshard --to 4` (1M tracked rows
 * and the 10,000 failures spread by key; each file keeps the 1,000 runs, shown once), and the
 * dashboard's first page over the folder vs the same page on the one file (`one`, still up): the
 * first request of each, then `/` alternately on both, 10 times, as wall time (median) and as the
 * server process's CPU per request (from /proc: wall times lie on a loaded machine).
 */
async function shardsCase(one, oneBase, oneAuth) {
  const folder = mkdtempSync(join(tmpdir(), 'ebb-ui-bench-shards-'));
  cpSync(root, folder, { recursive: true });
  const r = spawnSync(process.execPath, [EBB, 'reshard', '--to', '4'], { cwd: folder, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  const ui4 = await start(['ui', '--port', '0'], folder, /(http:\/\/127\.0\.0\.1:\d+)\/\?token=(\S+)/);
  const [, base4, token4] = ui4.m;
  const auth4 = { authorization: `Bearer ${token4}` };
  await (await fetch(`${base4}/`)).text();
  const first4 = await timed(`${base4}/`, auth4);
  const wall = { one: [], four: [] };
  const cpu = { one: 0, four: 0 };
  for (let i = 0; i < 10; i++) {
    for (const [k, b, a, pid] of [
      ['one', oneBase, oneAuth, one.child.pid],
      ['four', base4, auth4, ui4.child.pid],
    ]) {
      const c0 = procStats(pid).cpuMs;
      wall[k].push(await timed(`${b}/`, a));
      cpu[k] += procStats(pid).cpuMs - c0;
    }
  }
  ui4.child.kill('SIGTERM');
  const shards = readdirSync(join(folder, 'state')).filter((f) => /^ebb\.shard-\d+-of-4\.duckdb$/.test(f));
  console.log(
    `ebb ui over ${shards.length} shard files (ebb reshard --to 4 of the same state; load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}):`,
  );
  console.log(`  first page ${fmt(first4)} (target < 300 ms)`);
  console.log(
    `  /: median of 10 ${fmt(median(wall.four))} vs ${fmt(median(wall.one))} on one file; ` +
      `server CPU ${fmt(cpu.four / 10)} vs ${fmt(cpu.one / 10)} a request (${(cpu.four / Math.max(cpu.one, 1)).toFixed(2)}×)`,
  );
  rmSync(folder, { recursive: true, force: true });
  return { first: first4 };
}

const root = makeProject();
const statePath = join(root, 'state', 'ebb.duckdb');
const [tracked, failures, runs] = await addFailuresAndRuns(statePath);
console.log(
  `state: ${tracked.toLocaleString()} tracked rows, ${failures.toLocaleString()} failures, ${runs.toLocaleString()} runs (${machine()}, load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')})`,
);

const ui = await start(['ui', '--port', '0'], root, /(http:\/\/127\.0\.0\.1:\d+)\/\?token=(\S+)/);
const [, base, token] = ui.m;
const auth = { authorization: `Bearer ${token}` };
// The bench's own fetch is warmed on a 401 first (loading undici here costs ~100 ms the server never spends).
await (await fetch(`${base}/`)).text();
const first = await timed(`${base}/`, auth);
const pages = {};
for (const p of [
  '/',
  '/runs',
  '/model/sync.users',
  '/model/sync.users?key=99',
  '/model/sync.users/requests',
  '/model/sync.users/requests?failed=1',
  '/api/runs',
  '/live',
]) {
  pages[p] = await medianOf(10, `${base}${p}`, auth);
}
// The next run's plan reads the tracked model's whole query (1M rows) against its table.
pages['/model/sync.users/plan'] = await medianOf(3, `${base}/model/sync.users/plan`, auth);
console.log(`ebb ui: first page ${fmt(first)} (target < 300 ms)`);
for (const [p, ms] of Object.entries(pages))
  console.log(`  ${p}: median of ${p.endsWith('/plan') ? 3 : 10} ${fmt(ms)}`);
const sharded = await shardsCase(ui, base, auth);
ui.child.kill('SIGTERM');

const serve = await start(
  ['serve', '--port', '0'],
  root,
  /the dashboard: (http:\/\/127\.0\.0\.1:\d+)\/\?token=(\S+)/,
);
const [, sbase, stoken] = serve.m;
await new Promise((r) => setTimeout(r, 2000));
await (await fetch(`${sbase}/healthz`)).text();
const metrics = await medianOf(20, `${sbase}/metrics`, {});
const before = await idle(serve.child.pid, 10);
for (let i = 0; i < 5; i++) await timed(`${sbase}/model/sync.users`, { authorization: `Bearer ${stoken}` });
const after = await idle(serve.child.pid, 10);
serve.child.kill('SIGTERM');
console.log(`ebb serve: /metrics median of 20 ${fmt(metrics)} (target < 50 ms)`);
console.log(
  `  idle 10 s: ${before.cpu.toFixed(2)} % CPU, RSS ${before.rss.toFixed(0)} MiB (targets < 1 %, < 150 MiB)`,
);
console.log(
  `  idle 10 s after 5 dashboard pages: ${after.cpu.toFixed(2)} % CPU, RSS ${after.rss.toFixed(0)} MiB`,
);
rmSync(root, { recursive: true, force: true });
const ok =
  first < 300 &&
  sharded.first < 300 &&
  metrics < 50 &&
  before.cpu < 1 &&
  after.cpu < 1 &&
  before.rss < 150 &&
  after.rss < 150;
console.log(ok ? 'targets met' : 'a target missed');
process.exit(ok ? 0 : 1);
