// `http.post(url, json=row)` — a seed loop's call, once a request — takes a path of its own past
// the general unpacking of http.* arguments: what it sends must be what the same call sends with
// any other keyword argument beside json=, to the byte.

import test from 'ava';
import { makeProject } from './helpers/project.js';
import { runProject } from './helpers/run.js';
import { startSink } from './helpers/sink.js';

test('http.post(url, json=…) alone sends what the call with another keyword sends; json=None sends no body', async (t) => {
  const sink = await startSink();
  t.teardown(() => sink.close());
  const root = makeProject({
    'models/x/post.star':
      '# @kind: table\n# @retries: 0\n# @concurrency: 1\n' +
      `url = "${sink.url}/café/items?q=1"\n` +
      'value = {"b": [1, "é", 2.5], "a": None}\n' +
      'http.post(url, json=value)\n' +
      'http.post(url, json=value, timeout=5)\n' +
      'http.post(url, json=None)\n' +
      'http.post(url, json=None, timeout=5)\n' +
      'http.put(url, json="x")\n' +
      'http.put(url, json="x", headers=None)\n',
  });
  const ran = await runProject(root);
  t.is(ran.code, 0, ran.err);
  const seen = sink.requests.map((r) => ({
    method: r.method,
    url: r.url,
    type: r.headers['content-type'],
    key: r.headers['idempotency-key'],
    body: r.body,
  }));
  t.is(seen.length, 6);
  t.deepEqual(seen[0], seen[1]);
  t.deepEqual(seen[2], seen[3]);
  t.deepEqual(seen[4], seen[5]);
  const url = '/caf%C3%A9/items?q=1';
  t.like(seen[0], { method: 'POST', url, type: 'application/json', body: '{"a":null,"b":[1,"é",2.5]}' });
  t.like(seen[2], { method: 'POST', url, type: undefined, body: '' });
  t.like(seen[4], { method: 'PUT', url, type: 'application/json', body: '"x"' });
});
