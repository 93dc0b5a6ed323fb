// The project's secret that keys idempotency keys: created on first use in _ebb.project, the
// same on every later run (so a re-send after a crash carries the same key), different in a new
// state (losing the state changes the keys); ebb test's scratch state sets a fixed one.

import test from 'ava';
import { runCommand } from '../lib/commands/run.js';
import { idempotencyKey, initIdempotency } from '../lib/send/index.js';
import { join } from 'node:path';
import { projectKey, setProjectKey, Store } from '../lib/store/index.js';
import { capture, makeProject } from './helpers/project.js';
import { startSink } from './helpers/sink.js';
import { withStore } from './helpers/store.js';

test('projectKey creates 32 random bytes on first use and returns them again, after reopening too; setProjectKey replaces them', async (t) => {
  const a = makeProject({});
  const b = makeProject({});
  const first = await withStore(a, (s) => projectKey(s));
  t.is(first.length, 32);
  t.deepEqual(await withStore(a, (s) => projectKey(s)), first);
  t.notDeepEqual(await withStore(b, (s) => projectKey(s)), first);
  const rows = await withStore(a, (s) => s.queryJson('SELECT name FROM _ebb.project'));
  t.deepEqual(rows, [{ name: 'idempotency_secret' }]);
  await withStore(a, (s) => setProjectKey(s, new Uint8Array(32).fill(1)));
  t.deepEqual(await withStore(a, (s) => projectKey(s)), new Uint8Array(32).fill(1));
  // Once made, it is only read: no write transaction on the way to a run's first request.
  const readOnly = await Store.open({ path: join(a, 'state', 'ebb.duckdb'), root: a, readOnly: true });
  try {
    t.deepEqual(await projectKey(readOnly), new Uint8Array(32).fill(1));
  } finally {
    readOnly.close();
  }
});

test('the same request gets the same Idempotency-Key on every run of a state, and another in a new state', async (t) => {
  const sink = await startSink((r) => ({ status: (r.json as { id: number }).id === 1 ? 500 : 200 }));
  t.teardown(() => sink.close());
  const files = {
    'models/src/items.sql': '-- @kind: table\nSELECT range AS id FROM range(2)',
    'models/sync/items.star': `# @kind: tracked
# @unique_key: id
# @retries: 0
for row in query("SELECT id FROM src.items ORDER BY id"):
    http.post(env.get("SINK", secret=False) + "/items", json={"id": row.id})
    save.row(row)
`,
  };
  const run = async (root: string) =>
    runCommand({ cwd: root, selectors: [], env: { ...process.env, SINK: sink.url } }, capture().io);
  const keyOf1 = () =>
    sink.requests
      .filter((r) => (r.json as { id: number }).id === 1)
      .map((r) => String(r.headers['idempotency-key']));
  const root = makeProject(files);
  await run(root);
  await run(root);
  const [k1, k2] = keyOf1();
  t.regex(k1!, /^[0-9a-f]{16}$/);
  // The model's worker makes the key (http-request.ts) by the Sender's definition, with the state's secret.
  await initIdempotency();
  const secret = await withStore(root, (s) => projectKey(s));
  const sent = sink.requests.find((r) => (r.json as { id: number }).id === 1)!;
  t.is(k1, idempotencyKey(secret, 'sync.items', 'POST', `${sink.url}/items`, Buffer.from(sent.body, 'utf8')));
  t.is(k2, k1, 'the row failed and was sent again with the same key');
  await run(makeProject(files));
  t.not(keyOf1()[2], k1, 'a new state keys its requests with a new secret');
});

test('a json= body with text beyond ASCII reaches the API as its exact UTF-8, keyed by those bytes (a small body and one past 4 KB)', async (t) => {
  const sink = await startSink(() => ({ status: 200 }));
  t.teardown(() => sink.close());
  const root = makeProject({
    'models/src/items.sql':
      "-- @kind: table\nSELECT 1 AS id, 'Zoë 日本 \" \\ %' AS name UNION ALL SELECT 2, repeat('Zoë 日本 ', 1000)",
    'models/sync/items.star': `# @kind: tracked
# @unique_key: id
for row in query("SELECT id, name FROM src.items ORDER BY id"):
    http.post(env.get("SINK", secret=False) + "/items", json={"id": row.id, "name": row.name})
    save.row(row)
`,
  });
  await runCommand({ cwd: root, selectors: [], env: { ...process.env, SINK: sink.url } }, capture().io);
  t.is(sink.requests.length, 2);
  t.deepEqual(
    sink.requests.map((r) => r.json),
    [
      { id: 1, name: 'Zoë 日本 " \\ %' },
      { id: 2, name: 'Zoë 日本 '.repeat(1000) },
    ],
  );
  t.true(Buffer.byteLength(sink.requests[1]!.body) > 4096);
  await initIdempotency();
  const secret = await withStore(root, (s) => projectKey(s));
  for (const sent of sink.requests) {
    t.is(
      sent.headers['idempotency-key'],
      idempotencyKey(secret, 'sync.items', 'POST', `${sink.url}/items`, Buffer.from(sent.body, 'utf8')),
    );
  }
});

test("a model's own Idempotency-Key header is kept, and a GET carries none", async (t) => {
  const sink = await startSink(() => ({ status: 200 }));
  t.teardown(() => sink.close());
  const root = makeProject({
    'models/src/items.sql': '-- @kind: table\nSELECT range AS id FROM range(1)',
    'models/sync/items.star': `# @kind: tracked
# @unique_key: id
for row in query("SELECT id FROM src.items ORDER BY id"):
    http.get(env.get("SINK", secret=False) + "/items")
    http.post(env.get("SINK", secret=False) + "/items", json={"id": row.id}, headers={"Idempotency-Key": "mine-1"})
    save.row(row)
`,
  });
  const code = await runCommand(
    { cwd: root, selectors: [], env: { ...process.env, SINK: sink.url } },
    capture().io,
  );
  t.is(code, 0);
  t.deepEqual(
    sink.requests.map((r) => [r.method, r.headers['idempotency-key']]),
    [
      ['GET', undefined],
      ['POST', 'mine-1'],
    ],
  );
});
