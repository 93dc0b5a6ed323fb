// What a model sees of a response the sender did not take whole: a body over the 10 MiB cap
// (r.truncated, and r.json() refusing it, naming the cap) and a redirect, which is not followed
// (its error names the Location). Real node:http sinks on port 0, models run through `ebb run`.

import test from 'ava';
import { makeProject } from './helpers/project.js';
import { runProject, linesOf } from './helpers/run.js';
import { startSink } from './helpers/sink.js';

async function run(root: string, sink: string) {
  const r = await runProject(root, { env: { ...process.env, SINK: sink } });
  return { ...r, prints: linesOf(r) };
}

const MIB = 1024 * 1024;

test('a body over 10 MiB: r.truncated is True, r.text holds the first 10 MiB, r.json() fails naming the cap', async (t) => {
  const big = JSON.stringify({ items: 'x'.repeat(11 * MIB) });
  const sink = await startSink((r) => ({ body: r.url === '/big' ? big : '{"small": 1}' }));
  t.teardown(() => sink.close());
  const root = makeProject({
    'models/api/pull.star': `# @kind: table
base = env.get("SINK", secret=False)
small = http.get(base + "/small")
print("small", small.truncated, small.json()["small"])
r = http.get(base + "/big")
print("big", r.truncated, len(r.text))
save.row({"n": 1})
r.json()
`,
  });
  const r = await run(root, sink.url);
  t.is(r.code, 1);
  t.deepEqual(r.prints, ['small False 1', `big True ${10 * MIB}`]);
  t.regex(
    String(r.results[0]!['error']),
    /models\/api\/pull\.star:8:\d+: .*the response of GET http:\/\/127\.0\.0\.1:\d+\/big is larger than the 10 MiB ebb keeps of a response body: it was cut \(r\.truncated is True\) and cannot be decoded as JSON/,
  );
});

test('a redirect is not followed, and its error names the Location (resolved against the URL)', async (t) => {
  const sink = await startSink((r) =>
    r.url === '/old' ? { status: 301, headers: { location: '/v2/items' }, body: '' } : {},
  );
  t.teardown(() => sink.close());
  const root = makeProject({
    'models/api/push.star': `# @kind: table
base = env.get("SINK", secret=False)
r = http.post(base + "/old", json={"a": 1})
print(r.status_code, r.error)
r.raise_for_status()
`,
  });
  const r = await run(root, sink.url);
  t.is(r.code, 1);
  t.is(sink.requests.length, 1);
  t.is(
    r.prints[0],
    `301 POST ${sink.url} answered 301 (a redirect to ${sink.url}/v2/items, not followed: ebb does not follow redirects, so credentials stay with the origin they were written for; send to the new URL)`,
  );
  t.regex(String(r.results[0]!['error']), /answered 301 \(a redirect to \/v2\/items, not followed\)/);
});
