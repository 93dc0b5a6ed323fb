// Models against real destinations: express with express-rate-limit (429 + Retry-After), a
// sink that resets connections and answers late, json-server as a REST API kept equal to
// the source, an API paged into a table; secrets never written anywhere; env.get's errors.

import test from 'ava';
import express from 'express';
import { rateLimit } from 'express-rate-limit';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { historyCommand } from '../lib/commands/history.js';
import { statusCommand } from '../lib/commands/status.js';
import { capture, makeProject, writeFiles } from './helpers/project.js';
import { runProject } from './helpers/run.js';
import { startSink } from './helpers/sink.js';
import { withStore } from './helpers/store.js';

const run = (root: string, env: Record<string, string>) =>
  runProject(root, { env: { ...process.env, ...env } });

async function listen(app: express.Express): Promise<{ url: string; close: () => Promise<void> }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const ITEMS = (n: number) => `-- @kind: table\nSELECT range AS id, 'item ' || range AS name FROM range(${n})`;

test('express-rate-limit: 429 with Retry-After is waited out without spending retries; nothing lost', async (t) => {
  const app = express();
  app.use(express.json());
  const got: number[] = [];
  app.use(rateLimit({ windowMs: 1000, limit: 40, standardHeaders: 'draft-7', legacyHeaders: false }));
  app.post('/items', (req, res) => {
    got.push((req.body as { id: number }).id);
    res.status(201).json({ ok: true });
  });
  const server = await listen(app);
  t.teardown(() => server.close());
  const root = makeProject({
    'models/src/items.sql': ITEMS(150),
    // No retries at all: only Retry-After waits, which must not count as retries.
    'models/sync/items.star': `# @kind: tracked
# @unique_key: id
# @retries: 0
# @concurrency: 8
for row in query("SELECT * FROM src.items"):
    http.post(env.get("API") + "/items", json=row)
    save.row(row)
`,
  });
  const r = await run(root, { API: server.url });
  t.is(r.code, 0, r.err);
  t.like(r.results[1], { saved: 150, failed: 0 });
  t.deepEqual(
    [...new Set(got)].sort((a, b) => a - b),
    [...Array(150).keys()],
  );
});

test('resets and answers later than @timeout: everything is delivered, nothing acknowledged without a 2xx', async (t) => {
  let n = 0;
  const sink = await startSink(() => {
    n++;
    if (n % 10 === 3) return { reset: true };
    if (n % 10 === 7) return { delayMs: 1500 };
    return {};
  });
  t.teardown(() => sink.close());
  const N = 300;
  const root = makeProject({
    'models/src/items.sql': ITEMS(N),
    'models/sync/items.star': `# @kind: tracked
# @unique_key: id
# @timeout: 500ms
# @retries: 8
# @concurrency: 16
for row in query("SELECT * FROM src.items"):
    http.post(env.get("SINK") + "/items", json=row)
    save.row(row)
`,
  });
  let r = await run(root, { SINK: sink.url });
  // A run may leave some rows failed (every attempt unlucky): they come back next time.
  for (let i = 0; i < 3 && r.code !== 0; i++) r = await run(root, { SINK: sink.url });
  t.is(r.code, 0, r.err);
  const delivered = new Set(sink.delivered.map((x) => (x.json as { id: number }).id));
  const saved = await withStore(root, async (s) =>
    (await s.queryJson('SELECT id::DOUBLE AS id FROM sync.items')).map((x) => Number(x['id'])),
  );
  t.is(saved.length, N);
  t.deepEqual(
    saved.filter((id) => !delivered.has(id)),
    [],
    'every acknowledged row was answered 2xx',
  );
  t.true(sink.requests.length > N, 'some requests were retried');
});

test('json-server as a REST destination: POST new, PATCH changed, DELETE deleted; its data equals the source after each run', async (t) => {
  const require = createRequire(import.meta.url);
  const jsonServer = require('json-server') as {
    create: () => express.Express;
    router: (db: object) => express.RequestHandler & {
      db: { getState: () => { items: Array<{ id: number; name: string; tier: string }> } };
    };
    defaults: (o: object) => express.RequestHandler[];
  };
  const app = jsonServer.create();
  const router = jsonServer.router({ items: [] });
  app.use(jsonServer.defaults({ logger: false }));
  app.use(router);
  const server = await listen(app);
  t.teardown(() => server.close());
  const source = (rows: Array<[number, string, string]>) =>
    `-- @kind: table\nSELECT * FROM (VALUES ${rows.map(([i, n, tier]) => `(${i}, '${n}', '${tier}')`).join(', ')}) t(id, name, tier)`;
  const root = makeProject({
    'models/src/items.sql': source([
      [1, 'a', 'free'],
      [2, 'b', 'pro'],
      [3, 'c', 'free'],
    ]),
    'models/sync/items.star': `# @kind: tracked
# @unique_key: id
api = env.get("API") + "/items"
for row in query("SELECT id, name, tier FROM src.items"):
    if row.change == "new":
        http.post(api, json=row)
    else:
        http.patch(api + "/" + str(row.id), json={"name": row.name, "tier": row.tier})
    save.row(row)
for gone in deleted():
    http.delete(api + "/" + str(gone.id))
    save.delete(gone)
`,
  });
  const data = () =>
    router.db
      .getState()
      .items.map((x) => ({ ...x }))
      .sort((a, b) => a.id - b.id);
  let r = await run(root, { API: server.url });
  t.is(r.code, 0, r.err);
  t.deepEqual(data(), [
    { id: 1, name: 'a', tier: 'free' },
    { id: 2, name: 'b', tier: 'pro' },
    { id: 3, name: 'c', tier: 'free' },
  ]);

  writeFiles(root, {
    'models/src/items.sql': source([
      [1, 'a', 'pro'],
      [3, 'c', 'free'],
      [4, 'd', 'free'],
    ]),
  });
  r = await run(root, { API: server.url });
  t.is(r.code, 0, r.err);
  t.like(r.results[1], { new: 1, changed: 1, deleted: 1, saved: 2, failed: 0 });
  t.deepEqual(data(), [
    { id: 1, name: 'a', tier: 'pro' },
    { id: 3, name: 'c', tier: 'free' },
    { id: 4, name: 'd', tier: 'free' },
  ]);
});

test('forward direction: a table model pages through an API with http.get(params=) and saves the rows', async (t) => {
  const app = express();
  const seen: string[] = [];
  app.get('/people', (req, res) => {
    seen.push(String(req.query['page']));
    const page = Number(req.query['page']);
    const size = Number(req.query['size']);
    const all = Array.from({ length: 23 }, (_v, i) => ({ id: i + 1, name: `p${i + 1}`, score: (i + 1) / 2 }));
    res.json({
      data: all.slice((page - 1) * size, page * size),
      next: page * size < all.length ? page + 1 : null,
    });
  });
  const server = await listen(app);
  t.teardown(() => server.close());
  const root = makeProject({
    'models/raw/people.star': `# @kind: table
page = 1
while page != None:
    r = http.get(env.get("API") + "/people", params={"page": page, "size": 5}, headers={"Accept": "application/json"})
    body = r.json()
    for p in body["data"]:
        save.row(p)
    page = body["next"]
`,
  });
  const r = await run(root, { API: server.url });
  t.is(r.code, 0, r.err);
  t.deepEqual(seen, ['1', '2', '3', '4', '5']);
  const rows = await withStore(root, (s) =>
    s.queryJson('SELECT id::DOUBLE AS id, name, score FROM raw.people ORDER BY id'),
  );
  t.is(rows.length, 23);
  t.deepEqual(rows[22], { id: 23, name: 'p23', score: 11.5 });
});

test('response text: UTF-8 bodies read as the same string, invalid bytes as U+FFFD, JSON with non-ASCII values', async (t) => {
  const bodies: Record<string, Buffer> = {
    '/json': Buffer.from(JSON.stringify({ name: 'Zoë 😀', city: '日本' }), 'utf8'),
    '/bad': Buffer.from([0x61, 0xff, 0x62, 0xc3]),
  };
  const server = createServer((req, res) => res.end(bodies[req.url ?? ''] ?? Buffer.alloc(0)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const root = makeProject({
    'models/t/m.star': `# @kind: table
j = http.get("${url}/json")
b = http.get("${url}/bad")
print(j.json()["name"], len(j.json()["name"]), j.json()["city"], j.text)
print(b.text, len(b.text), b.text == "a\ufffdb\ufffd")
save.row({"a": 1})
`,
  });
  const r = await run(root, {});
  t.is(r.code, 0, r.err);
  // len() counts UTF-8 bytes: "Zoë 😀" is 9, "a\ufffdb\ufffd" is 8.
  t.regex(r.err, /t\.m: Zoë 😀 9 日本 \{"name":"Zoë 😀","city":"日本"\}/);
  t.regex(r.err, /t\.m: a\ufffdb\ufffd 8 True/);
});

test('http arguments: a bad URL or an unencodable json= fails at the model line; a non-JSON body names the URL', async (t) => {
  const sink = await startSink(() => ({
    body: '<html>oops</html>',
    headers: { 'content-type': 'text/html', 'X-Trace': 'abc' },
  }));
  t.teardown(() => sink.close());
  const cases: Array<[string, RegExp]> = [
    [
      'http.get("ftp://example.com/x")',
      /m\.star:2:\d+: .*http\.get: "ftp:\/\/example\.com\/x" is not an http\(s\) URL/,
    ],
    ['http.get("not a url")', /m\.star:2:\d+: .*http\.get: "not a url" is not a valid URL/],
    [
      'http.post("http://127.0.0.1:1/x", json={"f": lambda: 1})',
      /m\.star:2:\d+: .*http\.post: json= cannot be encoded as JSON \(a value of type dict\)/,
    ],
    ['http.post("http://127.0.0.1:1/x", json={}, body="x")', /json=, data= and body= are alternatives/],
    [
      `r = http.get("${sink.url}/page")\nprint(r.headers["x-trace"], r.status_code, r.ok)\nr.json()`,
      /the response of GET http:\/\/127\.0\.0\.1:\d+\/page \(status 200\) is not JSON/,
    ],
  ];
  for (const [code, want] of cases) {
    const root = makeProject({ 'models/t/m.star': `# @kind: table\n${code}\nsave.row({"a": 1})\n` });
    const r = await run(root, {});
    t.is(r.code, 1, code);
    t.regex(String(r.results[0]!['error']), want, code);
    if (code.includes('x-trace')) t.regex(r.err, /t\.m: abc 200 True/);
  }
});

test('secrets from env.get never reach failures, history, logs, prints or errors (header, URL, body)', async (t) => {
  const TOKEN = 'tok-9f8e7d6c5b4a';
  const sink = await startSink((r) =>
    (r.json as { id: number } | undefined)?.id === 2
      ? { status: 401, body: `bad token ${String(r.headers['authorization'])} for ${r.url} with ${r.body}` }
      : {},
  );
  t.teardown(() => sink.close());
  const root = makeProject({
    'models/src/items.sql': ITEMS(4),
    'models/sync/items.star': `# @kind: tracked
# @unique_key: id
token = env.get("API_TOKEN")
for row in query("SELECT * FROM src.items"):
    print("sending with", token)
    http.post("${sink.url}/items?key=" + token, json={"id": row.id, "secret": token}, headers={"Authorization": "Bearer " + token})
    save.row(row)
`,
  });
  writeFileSync(join(root, '.env'), `API_TOKEN=${TOKEN}\n`);
  const r = await run(root, {});
  t.is(r.code, 3);
  t.true(
    sink.requests.some((x) => x.url.includes(TOKEN) && x.body.includes(TOKEN)),
    'the secret was sent to the API',
  );
  const st = capture();
  await statusCommand({ cwd: root, models: [] }, st.io);
  const fl = capture();
  await statusCommand({ cwd: root, models: [], failures: 'sync.items', json: true }, fl.io);
  const hist = capture();
  await historyCommand({ cwd: root, limit: 10, json: true }, hist.io);
  const stored = await withStore(
    root,
    async (s) =>
      JSON.stringify(await s.queryJson('SELECT * FROM _ebb.failures')) +
      JSON.stringify(await s.queryJson('SELECT * FROM _ebb.runs')),
  );
  t.regex(stored, /bad token Bearer \*\*\* for \/items\?key=\*\*\* with .*\*\*\*/);
  for (const [where, text] of [
    ['run output', r.err + r.out],
    ['status', st.out() + st.err()],
    ['failures', fl.out()],
    ['history', hist.out()],
    ['state', stored],
  ] as const) {
    t.false(text.includes(TOKEN), `${where} shows the secret`);
  }
  t.regex(r.err, /sending with \*\*\*/);
  t.false(
    readFileSync(join(root, 'state', 'ebb.duckdb')).includes(Buffer.from(TOKEN)),
    'the state file holds the secret',
  );
});

test('env.get of a missing variable names it and where ebb looked; env.get(name, None) allows it', async (t) => {
  const root = makeProject({
    'models/t/m.star': '# @kind: table\nx = env.get("EBB_TEST_NOT_SET_ANYWHERE")\nsave.row({"x": x})\n',
  });
  const r = await run(root, {});
  t.is(r.code, 1);
  t.regex(
    String(r.results[0]!['error']),
    /m\.star:2:\d+: .*env\.get: EBB_TEST_NOT_SET_ANYWHERE is not set \(ebb looked in the environment and .*\.env, which does not exist\)/,
  );
  writeFiles(root, {
    'models/t/m.star':
      '# @kind: table\nx = env.get("EBB_TEST_NOT_SET_ANYWHERE", None)\nsave.row({"x": x == None})\n',
  });
  const ok = await run(root, {});
  t.is(ok.code, 0, ok.err);
});
