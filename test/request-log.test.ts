/**
 * The request log (_ebb.requests): a run of a .star model against a real sink logs each attempt
 * (the failed ones of a retried request too) with its status, latency and bodies, cut at 4 KiB
 * and redacted of a secret holding / + = " \ % in every form; a run logs its first 1,000 failed
 * attempts; pruning keeps the newest 200 successes per model and every logged failure younger
 * than the project file's `requests.keep_days`.
 */
import test from 'ava';
import { runCommand } from '../lib/commands/run.js';
import { parseProjectFile } from '../lib/project/index.js';
import { join } from 'node:path';
import { Redactor } from '../lib/redact.js';
import { KEEP_OK, loggedBody, MAX_LOGGED_BODY, RequestLog } from '../lib/runtime/request-log.js';
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
    t.is(String(a[0]!['request_body']), `{"i":${KEEP_OK + 9}}`, 'the newest success stays');
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

test('the first 1,000 failed attempts of a run are logged, in one batch as soon as there are 1,000; the rest are not', async (t) => {
  const root = makeProject({});
  const statements: string[] = [];
  const store = await Store.open({
    path: join(root, 'state', 'ebb.duckdb'),
    root,
    debug: { any: true, enabled: (s) => s === 'sql', log: (_s, line) => void statements.push(line) },
  });
  t.teardown(() => store.close());
  const lane = new SerialLane();
  const log = new RequestLog({
    store,
    model: 'sync.items',
    runId: 'r1',
    redactor: new Redactor(),
    lane,
    warn: (m) => t.fail(m),
  });
  const attempt = (i: number, status: number) =>
    log.attempt({
      request: {
        method: 'POST',
        url: `http://h/items/${i}`,
        headers: {},
        body: new Uint8Array(30).fill(120),
        timeoutMs: 1000,
      },
      origin: 'http://h',
      attempt: 1,
      startedAt: 0,
      tokenAt: null,
      durationMs: 1,
      waitedMs: 0,
      status,
      errorCode: null,
      response: { status, headers: {}, body: new TextEncoder().encode('{"error":"no"}') },
      error: null,
    });
  const inserts = () => statements.filter((l) => /INSERT INTO _ebb\.requests/.test(l)).length;
  for (let i = 0; i < 999; i++) attempt(i, 500);
  attempt(5000, 201);
  await lane.idle();
  t.is(inserts(), 0, '999 failures wait');
  for (let i = 999; i < 3_000; i++) attempt(i, 500);
  await lane.idle();
  t.is(inserts(), 1, 'written at the 1,000th');
  await log.close();
  t.is(inserts(), 2, 'then the success at the end, and no more failures');
  // Closed once: the run's end and its cleanup both call close (star-runner.ts).
  const prunes = () => statements.filter((l) => /DELETE FROM _ebb\.requests/.test(l)).length;
  const pruned = prunes();
  t.true(pruned > 0);
  await log.close();
  t.is(prunes(), pruned, 'a second close neither writes nor prunes again');
  const failed = await store.query(
    `SELECT min(url) AS lo, max(url) AS hi, count(*)::INTEGER AS n FROM _ebb.requests WHERE failed`,
  );
  t.deepEqual(failed, [{ lo: 'http://h/items/0', hi: 'http://h/items/999', n: 1000 }]);
  t.is((await store.query(`SELECT count(*)::INTEGER AS n FROM _ebb.requests WHERE NOT failed`))[0]!['n'], 1);
});

test("a failure's logged body is at most 4 KiB of its own bytes, never a view holding a larger buffer", (t) => {
  const socketRead = Buffer.alloc(64 * 1024, 'y');
  const small = socketRead.subarray(100, 114);
  const kept = loggedBody(small, false);
  t.is(kept.bytes.buffer.byteLength, 14, 'copied out of the 64 KiB read');
  t.deepEqual([...kept.bytes], [...small]);
  t.false(kept.cut);
  const whole = new Uint8Array(20);
  t.is(loggedBody(whole, true).bytes, whole, 'a body that is its whole buffer is not copied');
  t.true(loggedBody(whole, true).cut);
  const cut = loggedBody(Buffer.alloc(10_000, 'z'), false);
  t.is(cut.bytes.length, MAX_LOGGED_BODY);
  t.is(cut.bytes.buffer.byteLength, MAX_LOGGED_BODY, 'a cut body is a copy, not a view of the whole');
  t.true(cut.cut);
});
