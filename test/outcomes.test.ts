// Per-record outcomes (save.rows(rows, outcome=fn)) against a real node:http sink shaped like a
// HubSpot batch endpoint: 207 with errors[] naming the refused inputs. Rejected rows are kept in
// _ebb.failures with the API's message and are not acknowledged; fn runs without blocking the
// script; an error in fn names its line; a script that reads a 500 and saves anyway gets a
// failed row, not a delivered one.

import test from 'ava';
import { retryCommand } from '../lib/commands/retry.js';
import { statusCommand } from '../lib/commands/status.js';
import { capture, makeProject, writeFiles } from './helpers/project.js';
import { runProject } from './helpers/run.js';
import { startSink, type Recorded } from './helpers/sink.js';
import { withStore } from './helpers/store.js';

interface Input {
  readonly id: number;
  readonly email: string;
}

const inputs = (r: Recorded): Input[] => (r.json as { inputs: Input[] }).inputs;

/** Answers like HubSpot's batch upsert: 207 listing each input without an "@" in its email. */
function batchApi(r: Recorded) {
  const errors = inputs(r)
    .filter((i) => !i.email.includes('@'))
    .map((i) => ({
      status: 'error',
      message: `Property values were not valid: email ${i.email}`,
      context: { id: i.id },
    }));
  return errors.length === 0
    ? { body: JSON.stringify({ status: 'COMPLETE', results: inputs(r) }) }
    : { status: 207, body: JSON.stringify({ status: 'COMPLETE', results: [], errors }) };
}

/** 10,000 rows, 1 % of them (id % 100 = 7) with an invalid email. */
const SOURCE = (
  bad = "CASE WHEN range % 100 = 7 THEN 'user' || range ELSE 'user' || range || '@example.com' END",
) => `-- @kind: table\nSELECT range AS id, ${bad} AS email FROM range(10000)`;

const SYNC = `# @kind: tracked
# @unique_key: id
# @concurrency: 8
base = env.get("SINK", secret=False)

def per_record(response, rows):
    if response.status_code != 207:
        return None
    refused = {e["context"]["id"]: e["message"] for e in response.json()["errors"]}
    return [outcome.rejected(refused[r.id]) if r.id in refused else outcome.accepted for r in rows]

batch = []
for row in query("SELECT id, email FROM src.users ORDER BY id"):
    batch.append(row)
    if len(batch) == 100:
        http.post(base + "/batch", json={"inputs": batch})
        save.rows(batch, outcome=per_record)
        batch = []
if batch:
    http.post(base + "/batch", json={"inputs": batch})
    save.rows(batch, outcome=per_record)
`;

const run = (root: string, sink: string) => runProject(root, { env: { ...process.env, SINK: sink } });

async function failures(root: string) {
  return withStore(root, async (s) =>
    (
      await s.queryJson(
        "SELECT key, kind, error, status, row_hash IS NOT NULL AS hashed FROM _ebb.failures WHERE model = 'sync.users' ORDER BY json_extract(key, '$.id')::INT",
      )
    ).map((r) => ({
      key: String(r['key']),
      kind: String(r['kind']),
      error: String(r['error']),
      status: r['status'],
      hashed: r['hashed'],
    })),
  );
}

async function stored(root: string): Promise<number[]> {
  return withStore(root, async (s) =>
    (await s.queryJson('SELECT id FROM sync.users ORDER BY id')).map((r) => Number(r['id'])),
  );
}

const BAD = [...Array(100).keys()].map((k) => k * 100 + 7);

test('10,000 rows with 1 % invalid: exactly those are rejected with the API message, none of them acknowledged', async (t) => {
  const sink = await startSink(batchApi);
  t.teardown(() => sink.close());
  const root = makeProject({ 'models/src/users.sql': SOURCE(), 'models/sync/users.star': SYNC });
  const first = await run(root, sink.url);
  t.is(sink.requests.length, 100);
  const result = first.results.find((r) => r['model'] === 'sync.users')!;
  t.like(result, { saved: 9900, failed: 0, rejected: 100 }, first.err);
  const f = await failures(root);
  t.deepEqual(
    f.map((x) => x.key),
    BAD.map((id) => JSON.stringify({ id })),
  );
  t.true(f.every((x) => x.kind === 'rejected' && x.status === 207 && x.hashed));
  t.is(f[0]!.error, 'Property values were not valid: email user7');
  const ids = await stored(root);
  t.is(ids.length, 9900);
  t.false(
    ids.some((id) => BAD.includes(id)),
    'no rejected row is acknowledged',
  );
});

test('fn never blocks the script: with responses taking 100 ms, @concurrency 16 keeps 16 requests in flight', async (t) => {
  let inFlight = 0;
  let most = 0;
  const sink = await startSink(() => {
    inFlight++;
    most = Math.max(most, inFlight);
    return { delayMs: 100 };
  });
  t.teardown(() => sink.close());
  // The sink counts a request as answered when its delay is over.
  const answered = sink.answer;
  sink.answer = (r, res, n) => {
    const a = answered(r, res, n);
    setTimeout(() => inFlight--, 100);
    return a;
  };
  const root = makeProject({
    'models/src/users.sql': '-- @kind: table\nSELECT range AS id FROM range(160)',
    'models/sync/users.star': `# @kind: tracked
# @unique_key: id
# @concurrency: 16
def fine(response, rows):
    return [outcome.accepted for _ in rows]
for row in query("SELECT id FROM src.users ORDER BY id"):
    http.post(env.get("SINK", secret=False) + "/one", json=row)
    save.row(row, outcome=fine)
`,
  });
  const r = await run(root, sink.url);
  t.is(r.code, 0, r.err);
  t.is(most, 16, `at most ${most} requests were in flight`);
  t.is((await stored(root)).length, 160);
});

test("an error raised in fn fails the model naming fn's line, and acknowledges none of that request's rows", async (t) => {
  const sink = await startSink(() => ({ status: 207, body: '{"errors": []}' }));
  t.teardown(() => sink.close());
  const root = makeProject({
    'models/src/users.sql': '-- @kind: table\nSELECT range AS id FROM range(3)',
    'models/sync/users.star': `# @kind: tracked
# @unique_key: id
def broken(response, rows):
    return [outcome.accepted for _ in rows] if response.status_code == 200 else response.json()["results"]
for row in query("SELECT id FROM src.users ORDER BY id"):
    http.post(env.get("SINK", secret=False) + "/one", json=row)
    save.row(row, outcome=broken)
`,
  });
  const r = await run(root, sink.url);
  t.is(r.code, 1);
  const result = r.results.find((x) => x['model'] === 'sync.users')!;
  t.regex(String(result['error']), /models\/sync\/users\.star:4:\d+: .*results/);
  t.deepEqual(
    await withStore(root, async (s) => s.objectType('sync', 'users')),
    undefined,
    'nothing acknowledged',
  );
});

/** errorOfFn runs four rows saved with `outcome=fn` (fn's body given) and returns the model's exit code and error. */
async function errorOfFn(body: string): Promise<{ code: number; error: string }> {
  const sink = await startSink();
  try {
    const root = makeProject({
      'models/src/users.sql': '-- @kind: table\nSELECT range AS id FROM range(4)',
      'models/sync/users.star': `# @kind: tracked
# @unique_key: id

def fn(response, rows):
    ${body}
http.post(env.get("SINK", secret=False) + "/all", json=[1])
save.rows(list(query("SELECT id FROM src.users ORDER BY id")), outcome=fn)
`,
    });
    const r = await run(root, sink.url);
    return { code: r.code, error: String(r.results.find((x) => x['model'] === 'sync.users')!['error']) };
  } finally {
    await sink.close();
  }
}

test('a list of the wrong length fails the model naming where fn is defined', async (t) => {
  const r = await errorOfFn('return [outcome.accepted]');
  t.is(r.code, 1);
  t.regex(
    r.error,
    /the outcome function defined at models\/sync\/users\.star:4:\d+ returned 1 outcome\(s\) for 4 row\(s\)/,
  );
});

test('a list holding something else than an outcome fails the model naming where fn is defined and the row', async (t) => {
  const r = await errorOfFn('return [outcome.accepted, outcome.accepted, "ok", outcome.accepted]');
  t.is(r.code, 1);
  t.regex(
    r.error,
    /the outcome function defined at models\/sync\/users\.star:4:\d+ returned a string for row 2; want outcome\.accepted/,
  );
});

test('a script that prints a header of a 500 response before save.row: the row is failed, not delivered', async (t) => {
  const sink = await startSink((r) =>
    (r.json as { id: number }).id === 1
      ? { status: 500, body: 'boom', headers: { 'x-request-id': 'req-1' } }
      : {},
  );
  t.teardown(() => sink.close());
  const root = makeProject({
    'models/src/users.sql': '-- @kind: table\nSELECT range AS id FROM range(3)',
    'models/sync/users.star': `# @kind: tracked
# @unique_key: id
# @retries: 0
for row in query("SELECT id FROM src.users ORDER BY id"):
    r = http.post(env.get("SINK", secret=False) + "/one", json=row)
    print(r.headers.get("x-request-id"))
    save.row(row)
`,
  });
  const r = await run(root, sink.url);
  t.like(
    r.results.find((x) => x['model'] === 'sync.users'),
    { status: 'ok', saved: 2, failed: 1, warning_code: 'EBB_HTTP_STATUS' },
    r.err,
  );
  t.is(r.code, 3);
  t.regex(r.err, /1 row failed to deliver/);
  t.deepEqual(await stored(root), [0, 2]);
  t.deepEqual(
    (await failures(root)).map((f) => [f.key, f.kind, f.status]),
    [['{"id":1}', 'failed', 500]],
  );
});

test('ebb retry: an unknown model or a key of the wrong shape is a usage error naming what to write', async (t) => {
  const root = makeProject({
    'models/src/users.sql': '-- @kind: table\nSELECT 1 AS a, 2 AS b',
    'models/sync/pairs.star':
      '# @kind: tracked\n# @unique_key: a, b\nfor r in query("SELECT a, b FROM src.users"):\n    save.row(r)\n',
  });
  const unknown = capture();
  t.is(await retryCommand({ cwd: root, model: 'sync.nope' }, unknown.io), 2);
  t.regex(unknown.err(), /retry: no model named sync\.nope \(models: .*sync\.pairs/);
  const plain = capture();
  t.is(await retryCommand({ cwd: root, model: 'sync.pairs', keys: ['7'] }, plain.io), 2);
  t.regex(plain.err(), /sync\.pairs's key has 2 columns \(a, b\); give each key as JSON/);
  const none = capture();
  t.is(await retryCommand({ cwd: root, model: 'sync.pairs', keys: ['{"b": 2, "a": 1}'] }, none.io), 0);
  t.regex(none.err(), /sync\.pairs: no rejected rows with these keys/);
});

test('decisions of saves at two lines, and of rows then deletions, each keep their own outcome (they share messages only when kind and line match)', async (t) => {
  // /batch answers 207 for invalid emails (id % 100 = 7); /archive answers 207 refusing ids % 100 = 9.
  // In the second run every answer is slow enough that the script ends with all its decisions
  // to make: they are made in a row, the rows' one just before the deletions' ones.
  let delayMs = 0;
  const sink = await startSink((r) => {
    if (r.url.endsWith('/batch')) return { ...batchApi(r), delayMs };
    const errors = (r.json as { ids: number[] }).ids
      .filter((id) => id % 100 === 9)
      .map((id) => ({ message: `cannot archive ${id}`, context: { id } }));
    return { status: 207, body: JSON.stringify({ errors }), delayMs };
  });
  t.teardown(() => sink.close());
  // Even batches are saved at one line (rejections from the API), odd ones at another whose
  // function fails ids % 100 = 13 as transient; then deleted() in batches with their own function.
  const sync = `# @kind: tracked
# @unique_key: id
# @concurrency: 8
base = env.get("SINK", secret=False)

def per_record(response, rows):
    refused = {e["context"]["id"]: e["message"] for e in response.json().get("errors", [])}
    return [outcome.rejected(refused[r.id]) if r.id in refused else outcome.accepted for r in rows]

def flaky(response, rows):
    return [outcome.failed("try later") if r.id % 100 == 13 else outcome.accepted for r in rows]

# One call site for rows and deletions: their decisions have the same line.
def keep(saver, rows):
    saver(rows, outcome=per_record)

batch = []
n = 0
for row in query("SELECT id, email FROM src.users ORDER BY id"):
    batch.append(row)
    if len(batch) == 100:
        http.post(base + "/batch", json={"inputs": batch})
        if n % 2 == 0:
            keep(save.rows, batch)
        else:
            save.rows(batch, outcome=flaky)
        batch = []
        n += 1
if batch:
    http.post(base + "/batch", json={"inputs": batch})
    keep(save.rows, batch)
gone = [d for d in deleted()]
for i in range(0, len(gone), 100):
    http.post(base + "/archive", json={"ids": [d.id for d in gone[i:i + 100]]})
    keep(save.delete, gone[i:i + 100])
`;
  const root = makeProject({ 'models/src/users.sql': SOURCE(), 'models/sync/users.star': sync });
  const first = await run(root, sink.url);
  t.like(
    first.results.find((r) => r['model'] === 'sync.users'),
    { saved: 9900, failed: 50, rejected: 50 },
    first.err,
  );
  const evenBatch = (id: number) => Math.floor(id / 100) % 2 === 0;
  const rejected = BAD.filter(evenBatch);
  const failed = [...Array(100).keys()].map((k) => k * 100 + 13).filter((id) => !evenBatch(id));
  let f = await failures(root);
  t.deepEqual(
    f.filter((x) => x.kind === 'rejected').map((x) => x.key),
    rejected.map((id) => JSON.stringify({ id })),
  );
  t.deepEqual(
    f.filter((x) => x.kind === 'failed').map((x) => [x.key, x.error]),
    failed.map((id) => [JSON.stringify({ id }), 'try later']),
  );
  const refusedOnce = new Set([...rejected, ...failed]);
  t.deepEqual(
    await stored(root),
    [...Array(10000).keys()].filter((id) => !refusedOnce.has(id)),
  );

  // The last 1,000 rows leave the query: their deletions are archived, those ending in 9 refused
  // (the rows that failed are sent again first, at the same line).
  writeFiles(root, { 'models/src/users.sql': SOURCE().replace('range(10000)', 'range(9000)') });
  delayMs = 30;
  const second = await run(root, sink.url);
  t.is(second.code, 3, second.err);
  f = await failures(root);
  const refusedDeletes = [...Array(10).keys()].map((k) => 9000 + k * 100 + 9);
  t.deepEqual(
    f.map((x) => [x.key, x.kind]),
    [...rejected.filter((id) => id < 9000), ...refusedDeletes]
      .sort((a, b) => a - b)
      .map((id) => [JSON.stringify({ id }), 'rejected']),
  );
  t.deepEqual(
    await stored(root),
    [...Array(9000).keys()].filter((id) => !rejected.includes(id)).concat(refusedDeletes),
  );
});

test('a save after two requests: per row the stronger outcome of the two calls wins (failed over rejected over accepted), with its message', async (t) => {
  // /a and /b answer 200; the function reads which endpoint answered and decides by the id's
  // last digit: 1 rejected by a, failed by b; 2 failed by a, rejected by b; 3 rejected by a
  // only; 4 rejected by both (a's message kept: the first of equal verdicts); the rest accepted.
  const sink = await startSink(() => ({ body: '{}' }));
  t.teardown(() => sink.close());
  const sync = `# @kind: tracked
# @unique_key: id
base = env.get("SINK", secret=False)

def decide(response, rows):
    a = response.url.endswith("/a")
    out = []
    for r in rows:
        d = r.id % 10
        if d == 1:
            out.append(outcome.rejected("a refuses") if a else outcome.failed("b later"))
        elif d == 2:
            out.append(outcome.failed("a later") if a else outcome.rejected("b refuses"))
        elif d == 3 and a:
            out.append(outcome.rejected("a refuses"))
        elif d == 4:
            out.append(outcome.rejected("a refuses" if a else "b refuses"))
        else:
            out.append(outcome.accepted)
    return out

batch = []
for row in query("SELECT id, email FROM src.users ORDER BY id"):
    batch.append(row)
    if len(batch) == 50:
        http.post(base + "/a", json={"n": len(batch)})
        http.post(base + "/b", json={"n": len(batch)})
        save.rows(batch, outcome=decide)
        batch = []
`;
  const root = makeProject({
    'models/src/users.sql': `-- @kind: table\nSELECT range AS id, 'u' || range || '@example.com' AS email FROM range(200)`,
    'models/sync/users.star': sync,
  });
  const r = await run(root, sink.url);
  t.like(
    r.results.find((x) => x['model'] === 'sync.users'),
    { saved: 120, failed: 40, rejected: 40 },
    r.err,
  );
  const want = (d: number): [string, string, string] | undefined =>
    d === 1
      ? ['failed', 'b later', '/b']
      : d === 2
        ? ['failed', 'a later', '/a']
        : d === 3
          ? ['rejected', 'a refuses', '/a']
          : d === 4
            ? ['rejected', 'a refuses', '/a']
            : undefined;
  const f = await withStore(root, async (s) =>
    (
      await s.queryJson(
        "SELECT key, kind, error, url FROM _ebb.failures WHERE model = 'sync.users' ORDER BY json_extract(key, '$.id')::INT",
      )
    ).map((x) => [
      String(x['key']),
      String(x['kind']),
      String(x['error']),
      String(x['url']).replace(/^.*\//, '/'),
    ]),
  );
  const ids = [...Array(200).keys()];
  t.deepEqual(
    f,
    ids.flatMap((id) => {
      const w = want(id % 10);
      return w === undefined ? [] : [[JSON.stringify({ id }), ...w]];
    }),
  );
  t.deepEqual(
    await stored(root),
    ids.filter((id) => want(id % 10) === undefined),
  );
});

test('at the end of the script the saves are decided as their replies come, not once the last request is over', async (t) => {
  // The sink holds the last batch's request until the first batch's outcome function has run
  // (it says so by a request of its own): decisions made only once every request is over would
  // come after it, and the sink answers it anyway after 3 s so that such a run ends.
  let held: (() => void) | undefined;
  let decidedWhileHeld = false;
  const sink = await startSink((r, res) => {
    if (r.url.endsWith('/decided')) {
      decidedWhileHeld ||= held !== undefined;
      held?.();
      return {};
    }
    if ((r.json as { first: number }).first !== 250) return {};
    const timer = setTimeout(() => held?.(), 3000);
    held = () => {
      clearTimeout(timer);
      held = undefined;
      res.end('{}');
    };
  });
  t.teardown(() => sink.close());
  const sync = `# @kind: tracked
# @unique_key: id
# @concurrency: 2
base = env.get("SINK", secret=False)

def decide(response, rows):
    if rows[0].id == 0:
        http.get(base + "/decided")
    return None

batch = []
for row in query("SELECT id, email FROM src.users ORDER BY id"):
    batch.append(row)
    if len(batch) == 50:
        http.post(base + "/batch", json={"first": batch[0].id})
        save.rows(batch, outcome=decide)
        batch = []
`;
  const root = makeProject({
    'models/src/users.sql': `-- @kind: table\nSELECT range AS id, 'u' || range || '@example.com' AS email FROM range(300)`,
    'models/sync/users.star': sync,
  });
  const r = await run(root, sink.url);
  t.like(
    r.results.find((x) => x['model'] === 'sync.users'),
    { saved: 300 },
    r.err,
  );
  t.true(decidedWhileHeld);
});
