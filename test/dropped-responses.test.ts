// A response the script dropped — `http.post(…)` as a statement of its own, its save riding with
// it — crosses to the worker bare (its outcome without body or headers: the seed loop's main
// thread packs 100,000 of them). What the script and its saves do with responses must not
// change: a failure's record still quotes the API's answer, a response the script kept still
// reads, an outcome function still gets the body. Against a real node:http sink.

import test from 'ava';
import { makeProject } from './helpers/project.js';
import { linesOf, runProject } from './helpers/run.js';
import { startSink, type Recorded } from './helpers/sink.js';
import { withStore } from './helpers/store.js';

const SOURCE = "-- @kind: table\nSELECT range AS id, 'n' || range AS name FROM range(6)";
const id = (r: Recorded): number => Number((r.json as { id?: unknown }).id);

test('dropped, kept and outcome-read responses: failures quote the answer, kept ones read, outcome functions see the body', async (t) => {
  const sink = await startSink((r) =>
    id(r) === 3
      ? { status: 422, body: '{"message":"id 3 is refused"}', headers: { 'x-why': 'three' } }
      : { status: 201, body: `{"echo":${id(r)}}`, headers: { 'x-id': String(id(r)) } },
  );
  t.teardown(() => sink.close());
  const root = makeProject({
    'models/src/items.sql': SOURCE,
    // The seed loop: every response dropped, every save riding with its request.
    'models/sync/dropped.star':
      '# @kind: tracked\n# @unique_key: id\n# @retries: 0\n' +
      'for row in query("SELECT * FROM src.items ORDER BY id"):\n' +
      '    http.post(env.get("SINK") + "/a", json=row)\n' +
      '    save.row(row)\n',
    // The same with the response kept and read after its save.
    'models/sync/kept.star':
      '# @kind: tracked\n# @unique_key: id\n# @retries: 0\n' +
      'for row in query("SELECT * FROM src.items ORDER BY id"):\n' +
      '    r = http.post(env.get("SINK") + "/b", json=row)\n' +
      '    save.row(row)\n' +
      '    print(r.status_code, r.text, r.headers.get("x-id", r.headers.get("x-why")))\n',
    // Dropped, but read by the outcome function of the save that depends on it.
    'models/sync/outcome.star':
      '# @kind: tracked\n# @unique_key: id\n# @retries: 0\n' +
      'def decide(response, rows):\n' +
      '    print(response.status_code, response.json(), response.headers.get("x-id", "-"))\n' +
      '    return None\n' +
      'for row in query("SELECT * FROM src.items ORDER BY id"):\n' +
      '    http.post(env.get("SINK") + "/c", json=row)\n' +
      '    save.rows([row], outcome=decide)\n',
  });
  const ran = await runProject(root, { env: { ...process.env, SINK: sink.url } });
  t.is(ran.code, 3, ran.err);
  for (const m of ['sync.dropped', 'sync.kept']) {
    const r = ran.results.find((x) => x['model'] === m)!;
    t.like(r, { saved: 5, failed: 1 }, m);
  }
  t.deepEqual(linesOf(ran, 'sync.kept'), [
    '201 {"echo":0} 0',
    '201 {"echo":1} 1',
    '201 {"echo":2} 2',
    '422 {"message":"id 3 is refused"} three',
    '201 {"echo":4} 4',
    '201 {"echo":5} 5',
  ]);
  t.deepEqual(linesOf(ran, 'sync.outcome'), [
    '201 {"echo": 0} 0',
    '201 {"echo": 1} 1',
    '201 {"echo": 2} 2',
    '422 {"message": "id 3 is refused"} -',
    '201 {"echo": 4} 4',
    '201 {"echo": 5} 5',
  ]);
  const errors = await withStore(root, (s) =>
    s.queryJson(
      "SELECT model, key, status, error FROM _ebb.failures WHERE model <> 'sync.outcome' ORDER BY model",
    ),
  );
  t.is(errors.length, 2);
  const logged = await withStore(root, (s) =>
    s.queryJson(
      "SELECT response_body FROM _ebb.requests WHERE model = 'sync.dropped' AND status = 201 ORDER BY response_body",
    ),
  );
  t.deepEqual(
    logged.map((r) => r['response_body']),
    [0, 1, 2, 4, 5].map((i) => `{"echo":${i}}`),
    'the request log keeps the bodies of dropped responses (taken on the main thread)',
  );
  for (const e of errors) {
    t.like(e, { key: '{"id":3}', status: 422 });
    t.regex(String(e['error']), /id 3 is refused/, 'the failure quotes the API, from the main thread');
  }
});
