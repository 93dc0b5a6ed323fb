// The idempotency secret of a sharded state folder: every shard file takes the folder's one
// (state/ebb.idempotency-secret), so a row that failed in old shard j and moved to another shard
// by ebb reshard is re-sent under the Idempotency-Key its first attempt carried; every new file
// keeps the run history of every old shard; shard files that made secrets of their own (an
// earlier ebb) are resharded with a warning counting the rows whose key changes.

import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { shardOf } from '../lib/detect/shard.js';
import { projectKey, setProjectKey, Store } from '../lib/store/index.js';
import { ebb, makeProject } from './helpers/project.js';
import { startSink, type Sink } from './helpers/sink.js';

const ROWS = 40;

const project = (sink: Sink) =>
  makeProject({
    'models/src/items.sql': `-- @kind: table\nSELECT range AS id FROM range(${ROWS})`,
    'models/sync/items.star': [
      '# @kind: tracked',
      '# @unique_key: id',
      '# @retries: 0',
      'for row in query("SELECT id FROM src.items"):',
      `    http.post("${sink.url}/items", json={"id": row.id})`,
      '    save.row(row)',
    ].join('\n'),
  });

async function runShards(root: string, count: number): Promise<Array<number | null>> {
  const runs = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      ebb(['run', '--shard', `${i}/${count}`, '--quiet'], { cwd: root }),
    ),
  );
  return runs.map((r) => r.code);
}

async function withState<T>(root: string, file: string, fn: (s: Store) => Promise<T>): Promise<T> {
  const store = await Store.open({ path: join(root, 'state', file), root });
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

const keyOf = (sink: Sink, id: number, from = 0): string[] =>
  sink.requests
    .slice(from)
    .filter((r) => (r.json as { id: number }).id === id)
    .map((r) => String(r.headers['idempotency-key']));

/** A sink answering 500 for the rows whose id % 5 is 3 (8 rows, in both of 2 shards) until heal(). */
async function failingUntilHealed(t: {
  teardown(fn: () => void): void;
}): Promise<{ sink: Sink; heal: () => void }> {
  let healthy = false;
  const sink = await startSink((r) =>
    (r.json as { id: number }).id % 5 === 3 && !healthy ? { status: 500 } : {},
  );
  t.teardown(() => void sink.close());
  return { sink, heal: () => (healthy = true) };
}

test('a row that failed in old shard j is re-sent after ebb reshard with the Idempotency-Key of its first attempt', async (t) => {
  // Rows whose id % 5 is 3 fail (500) until the reshard: 8 rows, in both old shards.
  const { sink, heal } = await failingUntilHealed(t);
  const root = project(sink);
  t.deepEqual(await runShards(root, 2), [3, 3]);
  const failed = Array.from({ length: ROWS }, (_, i) => i).filter((i) => i % 5 === 3);
  // Some of them come from old shard 1, whose own secret would have differed from shard 0's.
  t.true(failed.some((id) => shardOf([id], 2) === 1));
  t.true(failed.some((id) => shardOf([id], 2) === 1 && shardOf([id], 3) !== 1));
  const first = new Map(failed.map((id) => [id, keyOf(sink, id)]));
  for (const keys of first.values()) t.is(keys.length, 1);
  // Both shard files took the folder's secret.
  const secret = readFileSync(join(root, 'state', 'ebb.idempotency-secret'), 'utf8').trim();
  t.regex(secret, /^[0-9a-f]{64}$/);
  for (const i of [0, 1])
    t.is(
      Buffer.from(await withState(root, `ebb.shard-${i}-of-2.duckdb`, projectKey)).toString('hex'),
      secret,
    );

  const re = await ebb(['reshard', '--to', '3', '--json'], { cwd: root });
  t.is(re.code, 0, re.stderr);
  t.is(JSON.parse(re.stdout).rekeyed, 0);
  t.notRegex(re.stderr, /warning/);
  heal();
  const before = sink.requests.length;
  t.deepEqual(await runShards(root, 3), [0, 0, 0]);
  // Exactly the failed rows are sent again, each under the key of its first attempt.
  t.is(sink.requests.length - before, failed.length);
  for (const id of failed) t.deepEqual(keyOf(sink, id, before), first.get(id), `row ${id}`);
});

test('every new shard file keeps the run history of every old shard, each run once', async (t) => {
  const sink = await startSink();
  t.teardown(() => sink.close());
  const root = project(sink);
  t.deepEqual(await runShards(root, 2), [0, 0]);
  const runsIn = (file: string) =>
    withState(root, file, async (s) =>
      (await s.query('SELECT run_id, model FROM _ebb.runs ORDER BY ALL')).map(
        (r) => `${r['run_id']} ${r['model']}`,
      ),
    );
  const old = [
    ...(await runsIn('ebb.shard-0-of-2.duckdb')),
    ...(await runsIn('ebb.shard-1-of-2.duckdb')),
  ].sort();
  t.is(old.length, 4); // two models, two shards
  t.is((await ebb(['reshard', '--to', '3'], { cwd: root })).code, 0);
  for (const i of [0, 1, 2]) t.deepEqual(await runsIn(`ebb.shard-${i}-of-3.duckdb`), old);
  // Resharding again copies each run once, not once per file that holds it.
  t.is((await ebb(['reshard', '--to', '2'], { cwd: root })).code, 0);
  for (const i of [0, 1]) t.deepEqual(await runsIn(`ebb.shard-${i}-of-2.duckdb`), old);
});

test('shard files with secrets of their own are resharded with a warning counting the rows whose key changes', async (t) => {
  const { sink, heal } = await failingUntilHealed(t);
  const root = project(sink);
  t.deepEqual(await runShards(root, 2), [3, 3]);
  // As an ebb before the folder's secret made them: shard 1 keyed with a secret of its own.
  await withState(root, 'ebb.shard-1-of-2.duckdb', (s) => setProjectKey(s, new Uint8Array(32).fill(7)));
  const failedIn = (j: number) =>
    Array.from({ length: ROWS }, (_, i) => i).filter((i) => i % 5 === 3 && shardOf([i], 2) === j);
  const [kept, changed] = failedIn(0).length >= failedIn(1).length ? [0, 1] : [1, 0];
  const re = await ebb(['reshard', '--to', '3', '--json'], { cwd: root });
  t.is(re.code, 0, re.stderr);
  t.is(JSON.parse(re.stdout).rekeyed, failedIn(changed).length);
  t.regex(
    re.stderr,
    new RegExp(
      `warning: .*different idempotency secrets.*: ${failedIn(changed).length} failed or rejected rows are sent again under new Idempotency-Keys`,
    ),
  );
  // The new files hold the secret of the most failures, and the folder's secret file says the same.
  const want = Buffer.from(
    await withState(root, `ebb.shard-${kept}-of-2.duckdb.before-reshard`, projectKey),
  ).toString('hex');
  for (const i of [0, 1, 2])
    t.is(Buffer.from(await withState(root, `ebb.shard-${i}-of-3.duckdb`, projectKey)).toString('hex'), want);
  t.true(existsSync(join(root, 'state', 'ebb.idempotency-secret')));
  t.is(readFileSync(join(root, 'state', 'ebb.idempotency-secret'), 'utf8').trim(), want);
});
