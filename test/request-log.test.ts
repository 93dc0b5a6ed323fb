/**
 * The request log (_ebb.requests): a run of a .star model against a real sink logs each attempt
 * (the failed ones of a retried request too) with its status, latency and bodies, cut at 4 KiB
 * and redacted of a secret holding / + = " \ % in every form; pruning keeps the newest 1,000
 * successes per model and every failure younger than the project file's `requests.keep_days`.
 */
import test from 'ava';
import { runCommand } from '../lib/commands/run.js';
import { parseProjectFile } from '../lib/project/index.js';
import { join } from 'node:path';
import { Redactor } from '../lib/redact.js';
import { KEEP_OK, MAX_LOGGED_BODY, RequestLog } from '../lib/runtime/request-log.js';
import { SerialLane } from '../lib/runtime/serial-lane.js';
import { listRequests, pruneRequests, recordRequests, Store, type RequestEntry } from '../lib/store/index.js';
import { capture, makeProject } from './helpers/project.js';
import { startSink } from './helpers/sink.js';
import { withStore } from './helpers/store.js';

const SECRET = 'k3y/+=x"\\%2F';

test('a run logs every attempt: status, attempt, latency, bodies cut at 4 KiB, no secret in any form', async (t) => {
  const sink = await startSink((r) => {
    const id = (r.json as { id: number }).id;
    if (id === 7) return { status: 500, body: `{"error":"bad token","echo":${r.body}}` };
    if (id === 3) return { body: 'x'.repeat(6000) };
    return { body: `{"ok":${id}}` };
  });
  const root = makeProject({
    '.env': `TOKEN=${SECRET}\n`,
    'models/sync/items.star': [
      '# @kind: tracked',
      '# @unique_key: id',
      '# @retries: 1',
      'BASE = env.get("SINK", secret=False)',
      'TOKEN = env.get("TOKEN")',
      'for row in query("SELECT i AS id FROM range(12) t(i)"):',
      '    r = http.post(BASE + "/items", params={"key": TOKEN}, json={"id": row.id, "token": TOKEN})',
      '    save.row(row)',
    ].join('\n'),
  });
  const c = capture();
  const code = await runCommand(
    { cwd: root, selectors: [], json: true, env: { ...process.env, SINK: sink.url } },
    c.io,
  );
  await sink.close();
  t.is(code, 3, c.err()); // id 7 failed after its retry
  const rows = await withStore(root, (s) => listRequests(s, { model: 'SYNC.ITEMS', limit: 100 }));
  t.is(rows.length, sink.requests.length, 'one entry per attempt the sink saw');
  t.is(rows.length, 13);
  const failed = rows.filter((r) => r['failed'] === true);
  t.deepEqual(
    failed.map((r) => [r['status'], r['attempt'], r['method']]),
    [
      [500, 2, 'POST'],
      [500, 1, 'POST'],
    ],
  );
  t.regex(
    String(failed[0]!['response_body']),
    /^\{"error":"bad token","echo":\{"id":7,"token":"\*\*\*"\}\}$/,
  );
  t.regex(String(failed[0]!['url']), /\/items\?key=\*\*\*$/);
  const big = rows.find((r) => String(r['request_body']).includes('"id":3'))!;
  t.is(String(big['response_body']).length, MAX_LOGGED_BODY + 1);
  t.true(String(big['response_body']).endsWith('…'));
  t.true(rows.every((r) => typeof r['latency_ms'] === 'number' && Number(r['latency_ms']) >= 0));
  t.true(rows.every((r) => r['run_id'] === rows[0]!['run_id']));
  const ats = rows.map((r) => String(r['sent_at']));
  t.deepEqual(ats, [...ats].sort().reverse(), 'newest first');
  const text = JSON.stringify(rows);
  for (const form of [SECRET, encodeURIComponent(SECRET), JSON.stringify(SECRET).slice(1, -1)])
    t.false(text.includes(form), `the log holds ${form}`);
  t.true(
    sink.requests.some((r) => r.body.includes(JSON.stringify(SECRET).slice(1, -1))),
    'the API got it',
  );
});

function entry(model: string, at: number, failed: boolean, i: number): RequestEntry {
  return {
    runId: 'r1',
    model,
    at,
    method: 'POST',
    url: `http://api.test/x/${i}`,
    status: failed ? 503 : 200,
    error: null,
    attempt: 1,
    failed,
    latencyMs: 12.5,
    requestBody: `{"i":${i}}`,
    responseBody: null,
  };
}

test('pruning keeps the newest successes per model and every failure, for keep_days days', async (t) => {
  const root = makeProject({});
  const now = Date.now();
  const day = 86_400_000;
  await withStore(root, async (s) => {
    const entries: RequestEntry[] = [];
    for (let i = 0; i < KEEP_OK + 10; i++) entries.push(entry('a', now - 60_000 + i, false, i));
    for (let i = 0; i < 5; i++) entries.push(entry('a', now - 3 * day + i, true, 5000 + i));
    entries.push(entry('a', now - 8 * day, true, 9000), entry('a', now - 8 * day, false, 9001));
    for (let i = 0; i < 20; i++) entries.push(entry('b', now - 8 * day + i, false, i));
    await recordRequests(s, entries);
    t.is(await pruneRequests(s, 'a', KEEP_OK, 7), 12);
    const a = await listRequests(s, { model: 'a', limit: 5000 });
    t.is(a.filter((r) => r['failed'] === false).length, KEEP_OK);
    t.is(String(a[0]!['request_body']), '{"i":1009}', 'the newest success stays');
    t.is(a.filter((r) => r['failed'] === true).length, 5);
    t.false(a.some((r) => ['{"i":9000}', '{"i":9001}', '{"i":9}'].includes(String(r['request_body']))));
    t.is((await listRequests(s, { model: 'b', limit: 100 })).length, 20, "another model's log is left alone");
    const onlyFailed = await listRequests(s, { model: 'a', failedOnly: true, limit: 2 });
    t.deepEqual(
      onlyFailed.map((r) => r['request_body']),
      ['{"i":5004}', '{"i":5003}'],
    );
    t.is(await pruneRequests(s, 'b', KEEP_OK, 7), 20);
  });
});

test('requests.keep_days in ebb.yaml: a whole number of days, a bad value named at its line', (t) => {
  const problems: unknown[] = [];
  const ok = parseProjectFile('ebb.yaml', 'requests:\n  keep_days: 30\n', problems as never);
  t.deepEqual(ok.requests, { keepDays: 30 });
  t.deepEqual(problems, []);
  const bad: Array<{ line: number; message: string }> = [];
  parseProjectFile(
    'ebb.yaml',
    'duckdb:\n  threads: 2\nrequests:\n  keep_day: 3\n  keep_days: 0\n',
    bad as never,
  );
  t.deepEqual(
    bad.map((p) => [p.line, p.message]),
    [
      [4, 'unknown key "keep_day" in requests; did you mean "keep_days"? (known: keep_days)'],
      [5, 'requests.keep_days: 0 is not a whole number of days ≥ 1'],
    ],
  );
});

test('recordRequests stores every field of an entry as given, nulls included, and a batch with a bad entry not at all', async (t) => {
  const root = makeProject({});
  const at = Date.UTC(2026, 11, 6, 4, 5, 6, 789);
  const entries: RequestEntry[] = [
    {
      runId: 'r1',
      model: 'sync.items',
      at,
      method: 'POST',
      url: 'http://h/items?x=%2F',
      status: 500,
      error: 'POST http://h answered 500',
      attempt: 2,
      failed: true,
      latencyMs: 3.25,
      requestBody: '{"id":1}',
      responseBody: '{"error":"no"}',
    },
    {
      runId: 'r1',
      model: 'sync.items',
      at: at - 1000,
      method: 'GET',
      url: 'http://h/x',
      status: null,
      error: null,
      attempt: 1,
      failed: false,
      latencyMs: 0.5,
      requestBody: null,
      responseBody: null,
    },
  ];
  await withStore(root, async (s) => {
    await recordRequests(s, entries);
    await recordRequests(s, []);
    const rows = await listRequests(s, { limit: 10 });
    t.deepEqual(rows, [
      {
        run_id: 'r1',
        model: 'sync.items',
        sent_at: '2026-12-06T04:05:06.789Z',
        method: 'POST',
        url: 'http://h/items?x=%2F',
        status: 500,
        error: 'POST http://h answered 500',
        attempt: 2,
        failed: true,
        latency_ms: 3.25,
        request_body: '{"id":1}',
        response_body: '{"error":"no"}',
      },
      {
        run_id: 'r1',
        model: 'sync.items',
        sent_at: '2026-12-06T04:05:05.789Z',
        method: 'GET',
        url: 'http://h/x',
        status: null,
        error: null,
        attempt: 1,
        failed: false,
        latency_ms: 0.5,
        request_body: null,
        response_body: null,
      },
    ]);
    // An entry that cannot be appended (no run id) fails its batch, and nothing of that batch is kept.
    const bad = { ...entries[0]!, runId: null as unknown as string };
    await t.throwsAsync(recordRequests(s, [entries[1]!, bad]));
    t.is((await listRequests(s, { limit: 10 })).length, 2);
  });
});

test('failed attempts are written 5,000 a batch, or as soon as their bodies reach 8 MiB; every one is logged', async (t) => {
  const root = makeProject({});
  const statements: string[] = [];
  const store = await Store.open({
    path: join(root, 'state', 'ebb.duckdb'),
    root,
    debug: { any: true, enabled: (s) => s === 'sql', log: (_s, line) => void statements.push(line) },
  });
  t.teardown(() => store.close());
  const log = new RequestLog({
    store,
    model: 'sync.items',
    runId: 'r1',
    redactor: new Redactor(),
    lane: new SerialLane(),
    warn: (m) => t.fail(m),
  });
  const failed = (i: number, bodyBytes: number) =>
    log.attempt({
      request: {
        method: 'POST',
        url: `http://h/items/${i}`,
        headers: {},
        body: new Uint8Array(bodyBytes).fill(120),
        timeoutMs: 1000,
      },
      origin: 'http://h',
      attempt: 1,
      startedAt: 0,
      tokenAt: null,
      durationMs: 1,
      waitedMs: 0,
      status: 500,
      errorCode: null,
      response: { status: 500, headers: {}, body: new TextEncoder().encode('{"error":"no"}') },
      error: null,
    });
  const inserts = () => statements.filter((l) => /INSERT INTO _ebb\.requests/.test(l)).length;
  for (let i = 0; i < 5_100; i++) failed(i, 30);
  await log.close();
  t.is(inserts(), 2, 'small bodies: one batch of 5,000, then the rest');
  // Bodies of 4 KiB (the most kept of one) and 14 bytes: 8 MiB is reached after 2,040 of them.
  const big = new RequestLog({
    store,
    model: 'sync.big',
    runId: 'r1',
    redactor: new Redactor(),
    lane: new SerialLane(),
    warn: (m) => t.fail(m),
  });
  statements.length = 0;
  const logBig = (i: number) =>
    big.attempt({
      request: {
        method: 'POST',
        url: `http://h/big/${i}`,
        headers: {},
        body: new Uint8Array(MAX_LOGGED_BODY),
        timeoutMs: 1000,
      },
      origin: 'http://h',
      attempt: 1,
      startedAt: 0,
      tokenAt: null,
      durationMs: 1,
      waitedMs: 0,
      status: 500,
      errorCode: null,
      response: { status: 500, headers: {}, body: new TextEncoder().encode('{"error":"no"}') },
      error: null,
    });
  for (let i = 0; i < 2_100; i++) logBig(i);
  await big.close();
  t.is(inserts(), 2, 'large bodies: a batch at 8 MiB, then the rest');
  // A response's body that is a view of a larger buffer holds all of it: 1 MiB each, 8 a batch.
  const views = new RequestLog({
    store,
    model: 'sync.views',
    runId: 'r1',
    redactor: new Redactor(),
    lane: new SerialLane(),
    warn: (m) => t.fail(m),
  });
  statements.length = 0;
  for (let i = 0; i < 20; i++)
    views.attempt({
      request: { method: 'POST', url: `http://h/v/${i}`, headers: {}, timeoutMs: 1000 },
      origin: 'http://h',
      attempt: 1,
      startedAt: 0,
      tokenAt: null,
      durationMs: 1,
      waitedMs: 0,
      status: 500,
      errorCode: null,
      response: { status: 500, headers: {}, body: new Uint8Array(1024 * 1024).subarray(0, 14) },
      error: null,
    });
  await views.close();
  t.is(inserts(), 3, 'views of large buffers: 8, 8, then the rest');
  const counts = await store.query(
    `SELECT model, count(*)::INTEGER AS n FROM _ebb.requests WHERE failed GROUP BY model ORDER BY model`,
  );
  t.deepEqual(counts, [
    { model: 'sync.big', n: 2_100 },
    { model: 'sync.items', n: 5_100 },
    { model: 'sync.views', n: 20 },
  ]);
});
