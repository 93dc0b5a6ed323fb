/**
 * `ebb serve`: the scheduler (no overlap, missed ticks run once, stop waits for the run), the
 * metrics in Prometheus' text format, alerts once per change of a model's health, and the whole
 * command as a process: scheduled runs happen, /metrics counts what _ebb.runs recorded, an alert
 * webhook gets one message per state change, and SIGTERM mid-run exits 0 with acks committed.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { runCommand } from '../lib/commands/run.js';
import { sqlCommand } from '../lib/commands/sql.js';
import { Alerter } from '../lib/serve/alerts.js';
import { Metrics } from '../lib/serve/metrics.js';
import { Scheduler } from '../lib/serve/scheduler.js';
import { hideSecrets } from '../lib/store/index.js';
import { capture, EBB_ARGV, makeProject } from './helpers/project.js';
import { startSink } from './helpers/sink.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the scheduler never overlaps a selection, turns ticks missed during a run into one run, and stop waits for the run', async (t) => {
  let running = 0;
  let overlaps = 0;
  let runs = 0;
  let lastEnded = 0;
  const scheduler = new Scheduler(
    [{ select: ['a.*'], every: { ms: 50, text: '50ms' }, line: 1 }],
    async () => {
      runs++;
      running++;
      if (running > 1) overlaps++;
      await sleep(230);
      running--;
      lastEnded = Date.now();
    },
  );
  scheduler.start();
  await sleep(1_000);
  const stopping = Date.now();
  await scheduler.stop();
  t.is(overlaps, 0);
  // A run every ~230 ms at most (the ticks in between are one pending run each time): about 4, never 20
  // (fewer when the machine is busy).
  t.true(runs >= 1 && runs <= 5, `${runs} runs`);
  t.true(lastEnded >= stopping - 5, 'stop waited for the run in progress');
  const after = runs;
  await sleep(200);
  t.is(runs, after, 'no run after stop');
});

test('metrics render in the Prometheus text format and count runs, model results and rows', (t) => {
  const m = new Metrics();
  m.runStarted();
  m.runEnded('ok', [
    { model: 'sync.users', status: 'ok', rows: 3, new: 2, changed: 1, saved: 3, failed: 0 },
    { model: 'mart.x', status: 'ok', rows: 10 },
  ]);
  m.runStarted();
  m.runEnded('failed', [{ model: 'sync.users', status: 'error', rows: 1, new: 4, saved: 1, failed: 3 }]);
  const families = new Map(parsePrometheusTextFormat(m.render()).map((f) => [f.name, f]));
  const value = (name: string, labels: Record<string, string>) =>
    families.get(name)?.metrics.find((s) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === v))
      ?.value;
  t.is(value('ebb_runs_total', { status: 'ok' }), '1');
  t.is(value('ebb_runs_total', { status: 'failed' }), '1');
  t.is(value('ebb_model_runs_total', { model: 'sync.users', status: 'error' }), '1');
  t.is(value('ebb_rows_total', { model: 'sync.users', kind: 'new' }), '6');
  t.is(value('ebb_rows_total', { model: 'sync.users', kind: 'failed' }), '3');
  t.is(value('ebb_run_in_progress', {}), '0');
  t.truthy(value('ebb_last_success_timestamp_seconds', { model: 'mart.x' }));
  t.is(families.get('ebb_rows_total')?.type, 'COUNTER');
});

test('request metrics count per origin and status class what a sink answered, with 429s, waits, latency and the breaker', async (t) => {
  const answered: number[] = [];
  const seen = new Set<number>();
  const sink = await startSink((r) => {
    const id = (r.json as { id: number }).id;
    // id 4 is answered 429 once (then 200); ids 5 and 15 always 500; one 404.
    const status = id === 4 && !seen.has(id) ? 429 : id % 10 === 5 ? 500 : id === 8 ? 404 : 200;
    seen.add(id);
    answered.push(status);
    return status === 429 ? { status, headers: { 'retry-after': '0' } } : { status };
  });
  const root = makeProject({
    'models/sync/items.star': [
      '# @kind: tracked',
      '# @unique_key: id',
      '# @retries: 1',
      'BASE = env.get("SINK", secret=False)',
      'for row in query("SELECT i AS id FROM range(20) t(i)"):',
      '    http.post(BASE + "/items", json={"id": row.id})',
      '    save.row(row)',
    ].join('\n'),
  });
  const m = new Metrics();
  const c = capture();
  const code = await runCommand(
    {
      cwd: root,
      selectors: [],
      quiet: true,
      env: { ...process.env, SINK: sink.url },
      onAttempt: (_model, e) => m.requests.attempt(e),
    },
    c.io,
  );
  await sink.close();
  t.is(code, 3, c.err());
  m.requests.trip({ origin: 'http://down.test', error: { code: 'EBB_HTTP_NETWORK', message: 'refused' } });
  const text = m.render();
  const families = new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]));
  const origin = new URL(sink.url).origin;
  const byClass = Object.fromEntries(
    (families.get('ebb_http_requests_total')?.metrics ?? []).map((s) => [
      `${s.labels?.['origin']} ${s.labels?.['class']}`,
      Number(s.value),
    ]),
  );
  const expected: Record<string, number> = {};
  for (const status of answered) {
    const key = `${origin} ${Math.floor(status / 100)}xx`;
    expected[key] = (expected[key] ?? 0) + 1;
  }
  t.deepEqual(byClass, expected);
  t.deepEqual(expected[`${origin} 5xx`], 4, 'ids 5 and 15, each retried once');
  const one = (name: string) => families.get(name)?.metrics[0];
  t.is(one('ebb_http_429_total')?.value, '1');
  t.is(one('ebb_http_429_total')?.labels?.['origin'], origin);
  t.true(Number(one('ebb_http_wait_seconds_total')?.value) > 0, 'the retries of 500s waited their backoff');
  const histogram = families.get('ebb_http_request_duration_seconds');
  t.is(histogram?.type, 'HISTOGRAM');
  // The parser keeps a labelled histogram's buckets only: its count is read from the text.
  const sample = histogram?.metrics[0] as unknown as { buckets: Record<string, string> };
  t.is(Number(sample.buckets['+Inf']), answered.length);
  t.is(Number(sample.buckets['30']), answered.length, 'every attempt under 30 s');
  t.true(text.includes(`ebb_http_request_duration_seconds_count{origin="${origin}"} ${answered.length}\n`));
  t.deepEqual(
    (families.get('ebb_breaker_open')?.metrics ?? []).map((s) => [s.labels?.['origin'], s.value]),
    [['http://down.test', '1']],
  );
});

async function receiver() {
  const got: Array<Record<string, unknown>> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      got.push(JSON.parse(body) as Record<string, unknown>);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { got, url, close: () => new Promise<void>((r) => server.close(() => r())) };
}

test('an alert goes out once per change of a model health, with a recovery message, and no secret', async (t) => {
  const hook = await receiver();
  const secret = 'tok/+=en"\\%é';
  const a = new Alerter(
    { webhook: hook.url, dashboardUrl: 'http://127.0.0.1:1/ui' },
    (s) => s.split(secret).join('***'),
    () => undefined,
  );
  const fail = { model: 'sync.users', status: 'error', error: `401 with token ${secret}` };
  a.observe({ model: 'sync.users', status: 'ok', saved: 2 });
  a.observe(fail);
  a.observe(fail);
  a.observe({ model: 'sync.users', status: 'ok', saved: 2 });
  a.observe({ model: 'sync.users', status: 'ok', saved: 1, failed: 2 });
  a.observe({ model: 'sync.users', status: 'ok', saved: 1, failed: 2 });
  a.stale('mart.x', 3 * 3_600_000);
  a.stale('mart.x', 4 * 3_600_000);
  await a.settled();
  await hook.close();
  t.deepEqual(
    hook.got.map((m) => [m['model'], m['health'], m['previous']]),
    [
      ['sync.users', 'failed', 'ok'],
      ['sync.users', 'ok', 'failed'],
      ['sync.users', 'rows', 'ok'],
      ['mart.x', 'stale', 'ok'],
    ],
  );
  t.regex(
    String(hook.got[0]!['text']),
    /^ebb: sync\.users failed: 401 with token \*\*\* — http:\/\/127\.0\.0\.1:1\/ui$/,
  );
  t.false(JSON.stringify(hook.got).includes(secret));
});

test('alerts and setup errors hide a project secret in every form it travels in (percent, base64, JSON)', async (t) => {
  const hook = await receiver();
  const secret = 'pw/+=x"\\%é';
  const percent = encodeURIComponent(secret);
  const basic = Buffer.from(`user:${secret}`).toString('base64');
  const json = JSON.stringify({ password: secret });
  const a = new Alerter(
    { webhook: hook.url },
    (s) => hideSecrets(s, [secret]),
    () => undefined,
  );
  a.observe({ model: 'sync.users', status: 'ok' });
  a.observe({
    model: 'sync.users',
    status: 'error',
    error: `GET /x?key=${percent} failed; Authorization: Basic ${basic}; echoed ${json}`,
  });
  await a.settled();
  await hook.close();
  t.is(hook.got.length, 1);
  const sent = `${JSON.stringify(hook.got)}\n${hook.got[0]!['text']}\n${hook.got[0]!['error']}`;
  t.regex(String(hook.got[0]!['error']), /key=\*\*\* failed; Authorization: Basic \S*\*\*\*/);
  for (const form of [secret, percent, basic, JSON.stringify(secret).slice(1, -1)])
    t.false(sent.includes(form), `the alert holds ${form}`);
  t.false(sent.includes(Buffer.from(secret).toString('base64').slice(2, 10)));
  t.is(
    hideSecrets('user bob, password pw9 refused', ['pw9']),
    'user bob, password *** refused',
    'a short one too',
  );
});

test('ebb serve runs its schedule, counts in /metrics what _ebb.runs holds, alerts once, and stops on SIGTERM mid-run with acks committed', async (t) => {
  const sink = await startSink((r) => (String(r.url).includes('/fail') ? { status: 500 } : { delayMs: 20 }));
  const hook = await receiver();
  const root = makeProject({
    'ebb.yaml': [
      'schedules:',
      '  - select: sync.users',
      "    cron: '* * * * * *'",
      'alerts:',
      '  webhook: ${HOOK_URL}',
    ].join('\n'),
    'models/sync/users.star': [
      '# @kind: tracked',
      '# @unique_key: id',
      '# @retries: 0',
      `BASE = env.get("SINK", secret=False)`,
      'for row in query("SELECT i AS id, (SELECT count(*) FROM _ebb.runs) AS runs FROM range(40) t(i)"):',
      '    http.post(BASE + ("/fail" if row.id == 7 else "/ok"), json={"id": row.id})',
      '    save.row(row)',
    ].join('\n'),
  });
  const child = spawn(process.execPath, [...EBB_ARGV, 'serve', '--port', '0'], {
    cwd: root,
    env: { ...process.env, SINK: sink.url, HOOK_URL: hook.url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const until = async (cond: () => boolean, what: string) => {
    const deadline = Date.now() + 30_000;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${stderr}`);
      await sleep(50);
    }
  };
  await until(() => /\/metrics/.test(stderr), 'the server');
  const base = /(http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(stderr)![1]!;
  await until(() => (stderr.match(/serve: ran sync\.users/g) ?? []).length >= 2, 'two runs');
  const metrics = await (await fetch(`${base}/metrics`)).text();
  const health = (await (await fetch(`${base}/healthz`)).json()) as { status: string };
  t.is(health.status, 'ok');
  // Stop while the next run sends (each request takes 20 ms at the sink).
  const before = sink.requests.length;
  await until(() => sink.requests.length > before, 'a run in progress');
  child.kill('SIGTERM');
  t.is(await exited, 0, stderr);
  await sink.close();
  await hook.close();

  const runs = (
    parsePrometheusTextFormat(metrics).find((f) => f.name === 'ebb_model_runs_total')?.metrics ?? []
  )
    .map((s) => Number(s.value))
    .reduce((a, b) => a + b, 0);
  const q = capture();
  await sqlCommand(
    {
      cwd: root,
      sql: "SELECT count(*)::INT AS n, count(*) FILTER (WHERE status = 'interrupted')::INT AS stopped FROM _ebb.runs WHERE model = 'sync.users'",
      format: 'json',
      maxRows: 10,
    },
    q.io,
  );
  const [row] = q.json() as Array<{ n: number; stopped: number }>;
  t.truthy(row, q.err());
  // /metrics was read after at least two runs; the runs after it (and the one SIGTERM stopped) came later.
  t.true(runs >= 2 && runs <= row!.n, `metrics ${runs}, _ebb.runs ${row!.n}`);
  // The scheduled runs' requests are counted too: 40 per run, id 7's answered 500.
  const requests = parsePrometheusTextFormat(metrics).find((f) => f.name === 'ebb_http_requests_total');
  const fiveHundreds = requests?.metrics.find((s) => s.labels?.['class'] === '5xx');
  t.true(Number(fiveHundreds?.value) >= 2, metrics);
  // Every 2xx acknowledged: the delivered ids are exactly the rows the model table holds (minus id 7).
  const delivered = new Set(sink.delivered.map((r) => (r.json as { id: number }).id));
  const saved = capture();
  await sqlCommand(
    { cwd: root, sql: 'SELECT count(*)::INT AS n FROM sync.users', format: 'json', maxRows: 1 },
    saved.io,
  );
  t.is((saved.json() as Array<{ n: number }>)[0]!.n, delivered.size);
  t.false(delivered.has(7));
  // One alert: rows failed (id 7) on the first run — the model ran, so its health is 'rows', not
  // 'failed'; the same state after it sends nothing more.
  t.deepEqual(
    hook.got.map((m) => m['health']),
    ['rows'],
  );
});
