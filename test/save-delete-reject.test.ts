/**
 * save.delete of a list of deleted() rows is one save: the batch's deletions are acknowledged
 * only if the request they depend on got a 2xx, without the script waiting for it; and
 * save.reject(row, message) records a row the script refused itself, without a request, as
 * rejected — held back until it changes, like a row the API refused.
 */
import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { retryCommand } from '../lib/commands/retry.js';
import { runCommand } from '../lib/commands/run.js';
import { capture, makeProject } from './helpers/project.js';
import { startSink } from './helpers/sink.js';
import { withStore } from './helpers/store.js';

async function run(root: string, sink: string) {
  const c = capture();
  const code = await runCommand({ cwd: root, selectors: [], json: true, env: { SINK: sink } }, c.io);
  return { code, err: c.err(), result: c.json().find((l) => l['model'] === 'sync.items') ?? {} };
}

const ids = (root: string) =>
  withStore(root, async (s) =>
    (await s.queryJson('SELECT id::INT AS id FROM sync.items ORDER BY id')).map((r) => Number(r['id'])),
  );

test('save.delete(list) acknowledges a batch of deletions when its request got a 2xx, and none when it failed', async (t) => {
  let failing = false;
  const sink = await startSink(() => (failing ? { status: 500 } : {}));
  t.teardown(() => sink.close());
  const model = (n: number) => `# @kind: tracked
# @unique_key: id
# @retries: 0
for row in query("SELECT range AS id FROM range(${n})"):
    http.post(env.get("SINK", secret=False) + "/up", json=row)
    save.row(row)
gone = list(deleted())
if gone:
    http.post(env.get("SINK", secret=False) + "/delete", json={"ids": [r.id for r in gone]})
    save.delete(gone)
`;
  const root = makeProject({ 'models/sync/items.star': model(10) });
  t.true((await run(root, sink.url)).code === 0);
  writeFileSync(join(root, 'models/sync/items.star'), model(6));
  failing = true;
  const failed = await run(root, sink.url);
  t.like(failed.result, { failed: 4 }, failed.err);
  t.deepEqual(await ids(root), [...Array(10).keys()], 'no deletion acknowledged');
  failing = false;
  const done = await run(root, sink.url);
  t.is(done.code, 0, done.err);
  t.deepEqual(
    sink.requests.filter((r) => r.url === '/delete').map((r) => r.json),
    [{ ids: [6, 7, 8, 9] }, { ids: [6, 7, 8, 9] }],
  );
  t.deepEqual(await ids(root), [0, 1, 2, 3, 4, 5]);
});

test('save.reject records a row as rejected without a request; it is held back until it changes', async (t) => {
  const sink = await startSink();
  t.teardown(() => sink.close());
  const model = (limit: number) => `# @kind: tracked
# @unique_key: id
for row in query("SELECT range AS id, repeat('x', CAST(range * ${limit} AS INT)) AS payload FROM range(3)"):
    if len(row.payload) > 1000:
        save.reject(row, "payload over 1000 bytes")
        continue
    http.post(env.get("SINK", secret=False) + "/up", json={"id": row.id})
    save.row(row)
`;
  const root = makeProject({ 'models/sync/items.star': model(600) });
  const first = await run(root, sink.url);
  t.is(first.code, 3, first.err);
  t.like(first.result, { saved: 2, rejected: 1, failed: 0 });
  const failures = await withStore(root, (s) =>
    s.queryJson("SELECT key, kind, error FROM _ebb.failures WHERE model = 'sync.items'"),
  );
  t.deepEqual(failures, [{ key: '{"id":2}', kind: 'rejected', error: 'payload over 1000 bytes' }]);
  t.is(sink.requests.length, 2);
  const rerun = await run(root, sink.url);
  t.like(rerun.result, { saved: 0, rejected: 0 }, rerun.err);
  writeFileSync(join(root, 'models/sync/items.star'), model(400));
  const changed = await run(root, sink.url);
  t.is(changed.code, 0, changed.err);
  t.like(changed.result, { saved: 2, rejected: 0 }, 'rows 1 and 2 changed; 2 is sent now');
  t.deepEqual(await ids(root), [0, 1, 2]);
});

test('a rejected deletion is held back: deleted() leaves it out until ebb retry gives it back', async (t) => {
  const sink = await startSink();
  t.teardown(() => sink.close());
  const model = (ids: string) => `# @kind: tracked
# @unique_key: id
for row in query("SELECT unnest(${ids}) AS id"):
    http.post(env.get("SINK", secret=False) + "/up", json=row)
    save.row(row)
for row in deleted():
    if row.id == 3:
        save.reject(row, "owner still has deals")
        continue
    http.post(env.get("SINK", secret=False) + "/delete", json=row)
    save.delete(row)
`;
  const root = makeProject({ 'models/sync/items.star': model('[1, 2, 3, 4]') });
  t.is((await run(root, sink.url)).code, 0);
  writeFileSync(join(root, 'models/sync/items.star'), model('[1, 2]'));
  const first = await run(root, sink.url);
  t.is(first.code, 3, first.err);
  t.like(first.result, { deleted: 2, rejected: 1 });
  t.deepEqual(await ids(root), [1, 2, 3], 'the refused deletion keeps its row');
  const deletes = () => sink.requests.filter((r) => r.url === '/delete').map((r) => r.json);
  t.deepEqual(deletes(), [{ id: 4 }]);
  const rerun = await run(root, sink.url);
  t.is(rerun.code, 0, rerun.err);
  t.like(rerun.result, { deleted: 0, rejected: 0 }, 'held back, not refused again');
  const held = await withStore(root, (s) =>
    s.queryJson("SELECT key, kind FROM _ebb.failures WHERE model = 'sync.items'"),
  );
  t.deepEqual(held, [{ key: '{"id":3}', kind: 'rejected' }], 'the entry stays while held back');
  t.is(await retryCommand({ cwd: root, model: 'sync.items' }, capture().io), 0);
  const again = await run(root, sink.url);
  t.is(again.code, 3, again.err);
  t.like(again.result, { deleted: 1, rejected: 1 }, 'after ebb retry, deleted() gives the row again');
  t.deepEqual(deletes(), [{ id: 4 }], 'the script refused it again, without a request');
});
