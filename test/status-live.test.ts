/**
 * Watching a run from another process: `ebb run` publishes its status beside the state while it
 * holds it; `ebb status` shows it (DuckDB lets no one else open the file), read-only commands
 * wait for the state up to --wait and then exit 75 (EX_TEMPFAIL); `ebb status --check` fails for
 * monitors when failures are pending or a scheduled model is overdue; the --json summary carries
 * the row totals.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Schedule } from '../lib/project/index.js';
import { RunStatusWriter, type RunStatus } from '../lib/run/index.js';
import type { ProgressSnapshot } from '../lib/run/index.js';
import { SERIES_POINTS } from '../lib/run/status-file.js';
import { overdueModels } from '../lib/serve/overdue.js';
import { ebb, EBB_ARGV, makeProject, tempDir } from './helpers/project.js';
import { startSink } from './helpers/sink.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function syncProject(extra: Record<string, string> = {}) {
  return makeProject({
    'models/sync/users.star': [
      '# @kind: tracked',
      '# @unique_key: id',
      '# @retries: 0',
      '# @concurrency: 2',
      'BASE = env.get("SINK", secret=False)',
      'for row in query("SELECT i AS id FROM range(200) t(i)"):',
      '    http.post(BASE + ("/fail" if row.id % 50 == 3 else "/ok"), json={"id": row.id})',
      '    save.row(row)',
    ].join('\n'),
    ...extra,
  });
}

test('while a run holds the state: ebb status shows its progress, ebb sql waits then exits 75; after it, --check fails on pending failures', async (t) => {
  // After its first 20 requests the sink holds its answers until the test has seen the run
  // hold the state: on a loaded machine the run must not end before `ebb sql` starts.
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const sink = await startSink((r, res, n) => {
    if (String(r.url).includes('/fail')) return { status: 500 };
    if (n <= 20) return { delayMs: 20 };
    void released.then(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  const root = syncProject();
  const env = { SINK: sink.url };
  const child = spawn(process.execPath, [...EBB_ARGV, 'run', '--json'], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  t.teardown(async () => {
    release();
    child.kill('SIGKILL');
    await sink.close();
  });
  const statusFile = join(root, 'state', 'ebb.duckdb.run.json');
  const deadline = Date.now() + 30_000;
  let published: RunStatus | undefined;
  while (Date.now() < deadline) {
    if (existsSync(statusFile)) {
      published = JSON.parse(readFileSync(statusFile, 'utf8')) as RunStatus;
      if (published.current !== null && published.current.done > 0) break;
    }
    await sleep(50);
  }
  t.is(published?.current?.model, 'sync.users');
  t.is(published?.current?.total, 200);
  t.is(published?.finished, false);

  const status = await ebb(['status', '--wait', '0s'], { cwd: root, env });
  t.is(status.code, 0, status.stderr);
  t.regex(status.stdout, /running {4}ebb run \(pid \d+\)/);
  t.regex(status.stdout, /now {6}sync\.users {2}[\d,]+\/200 rows, \d+ in flight/);
  const sql = await ebb(['sql', 'SELECT 1', '--wait', '300ms'], { cwd: root, env });
  t.is(sql.code, 75, sql.stderr);
  t.regex(sql.stderr, /waiting up to 300ms for the state: ebb run, PID \d+, since .*, on model sync\.users/);
  t.regex(sql.stderr, /is in use by another ebb process/);
  release();

  t.is(await exited, 3); // the model ran; rows failed
  const done = JSON.parse(readFileSync(statusFile, 'utf8')) as RunStatus;
  t.true(done.finished);
  t.deepEqual(
    done.models.map((m) => [m.model, m['failed']]),
    [['sync.users', 4]],
  );
  const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
  t.like(summary, { summary: true, failed: 4, rejected: 0, unsaved: 0 });

  const check = await ebb(['status', '--check'], { cwd: root, env });
  t.is(check.code, 1);
  // The model ran (its rows failed, it did not): one thing needs attention, the pending rows.
  t.regex(check.stderr, /CHECK failed: 1 thing needs attention/);
  t.regex(check.stderr, /sync\.users: 4 failed rows pending/);
});

test('status --check passes on a healthy project and fails on a scheduled model that never succeeded', async (t) => {
  const root = makeProject({
    'ebb.yaml': 'schedules:\n  - select: raw.a\n    every: 1h\n',
    'models/raw/a.sql': 'SELECT 1 AS x',
    'models/raw/b.sql': 'SELECT 2 AS x',
  });
  const before = await ebb(['status', '--check'], { cwd: root });
  t.is(before.code, 1);
  t.regex(before.stderr, /raw\.a: scheduled, never succeeded/);
  t.notRegex(before.stderr, /raw\.b/);
  t.is((await ebb(['run'], { cwd: root })).code, 0);
  const after = await ebb(['status', '--check'], { cwd: root });
  t.is(after.code, 0, after.stderr);
  t.regex(after.stderr, /CHECK ok/);
});

test('a scheduled model is overdue once its last success is older than the tick before last', (t) => {
  const every: Schedule = { select: ['a'], every: { ms: 60_000, text: '1m' }, line: 1 };
  const cron: Schedule = { select: ['b'], cron: '0 * * * *', line: 2 };
  const now = new Date('2026-12-05T12:30:00Z');
  const members = (s: Schedule) => s.select;
  const last = new Map([
    ['a', new Date('2026-12-05T12:28:30Z')], // within 2 minutes: fine
    ['b', new Date('2026-12-05T10:59:00Z')], // before 11:00, the tick before last: overdue
  ]);
  t.deepEqual(
    overdueModels([every, cron], members, last, now).map((o) => o.model),
    ['b'],
  );
  last.set('a', new Date('2026-12-05T12:27:59Z'));
  last.set('b', new Date('2026-12-05T11:00:01Z'));
  t.deepEqual(
    overdueModels([every, cron], members, last, now).map((o) => o.model),
    ['a'],
  );
});

test("the status file carries the current model's attempts, 429s, waits and latency, and a series of what each interval met", (t) => {
  const statePath = join(tempDir(), 'ebb.duckdb');
  let snapshot: ProgressSnapshot = {
    model: 'sync.users',
    done: 10,
    total: 100,
    requests: 10,
    inFlight: 4,
    failed: 0,
    elapsedMs: 1000,
    http: { attempts: 12, tooMany: 2, waitedMs: 1500, latencyMs: 600 },
  };
  const writer = new RunStatusWriter(statePath, 'ebb run');
  const read = () => JSON.parse(readFileSync(`${statePath}.run.json`, 'utf8')) as RunStatus;
  writer.watch(() => snapshot);
  snapshot = { ...snapshot, http: { attempts: 20, tooMany: 5, waitedMs: 4500, latencyMs: 1400 } };
  writer.watch(() => snapshot); // each write publishes a point
  const status = read();
  t.like(status.current, { attempts: 20, too_many: 5, waited_ms: 4500, latency_ms: 70 });
  t.deepEqual(
    status.series.map((p) => [p.model, p.attempts, p.too_many, p.waited_ms, p.latency_ms]),
    [
      ['sync.users', 12, 2, 1500, 50],
      ['sync.users', 8, 3, 3000, 100],
    ],
  );
  // A new model starts its own totals; an interval without attempts has no latency.
  snapshot = {
    ...snapshot,
    model: 'sync.orders',
    http: { attempts: 0, tooMany: 0, waitedMs: 0, latencyMs: 0 },
  };
  writer.watch(() => snapshot);
  t.deepEqual(read().series.at(-1)!.latency_ms, null);
  t.is(read().current!.latency_ms, null);
  for (let i = 0; i < SERIES_POINTS + 5; i++) writer.watch(() => snapshot);
  t.is(read().series.length, SERIES_POINTS, 'bounded');
  writer.finish();
  t.true(read().finished);
});
