/**
 * The dashboard over a sharded state folder (state/ebb.shard-I-of-N.duckdb files), through a real
 * server: every shard's models, runs and failures with totals and per-shard figures, the plan of
 * each shard's own keys added up, "send rejected rows again" applied in the shards that hold the
 * rows; and `ebb serve --shard I/N` running its schedules as that shard.
 */
import test from 'ava';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { serveCommand } from '../lib/commands/serve.js';
import { uiCommand } from '../lib/commands/ui.js';
import { shardOf } from '../lib/detect/shard.js';
import { Store } from '../lib/store/index.js';
import { capture, ebb, makeProject } from './helpers/project.js';
import { startSink, type Sink } from './helpers/sink.js';

const ROWS = 40;

/** Rows whose id % 5 is 3 are rejected by the API (8 of 40, in both shards of 2). */
const SYNC = (url: string) => `# @kind: tracked
# @unique_key: id
# @retries: 0

def per_record(response, rows):
    return [outcome.rejected("bad") if r.id % 5 == 3 else outcome.accepted for r in rows]

batch = []
for row in query("SELECT id FROM src.items"):
    batch.append(row)
    if len(batch) == 10:
        http.post("${url}/items", json=batch)
        save.rows(batch, outcome=per_record)
        batch = []
if batch:
    http.post("${url}/items", json=batch)
    save.rows(batch, outcome=per_record)
`;

const files = (sink: Sink) => ({
  'models/src/items.sql': `-- @kind: table\nSELECT range AS id FROM range(${ROWS})`,
  'models/sync/items.star': SYNC(sink.url),
});

/** startDashboard waits for the URL a command prints and returns its origin and token. */
async function dashboardUrl(err: () => string): Promise<{ base: string; token: string }> {
  const deadline = Date.now() + 30_000;
  let m: RegExpExecArray | null = null;
  while (!(m = /(http:\/\/127\.0\.0\.1:\d+)\/\?token=(\S+)/.exec(err()))) {
    if (Date.now() > deadline) throw new Error(err());
    await new Promise((r) => setTimeout(r, 20));
  }
  return { base: m[1]!, token: m[2]! };
}

async function rejectedIn(root: string, file: string): Promise<number> {
  const store = await Store.open({ path: join(root, 'state', file), root, readOnly: true });
  try {
    return Number(await store.scalar("SELECT count(*)::DOUBLE FROM _ebb.failures WHERE kind = 'rejected'"));
  } finally {
    store.close();
  }
}

test('ebb ui over shard files shows every shard with totals, and sends rejected rows again in the shards that hold them', async (t) => {
  const sink = await startSink();
  t.teardown(() => sink.close());
  const root = makeProject(files(sink));
  const runs = await Promise.all(
    [0, 1].map((i) => ebb(['run', '--shard', `${i}/2`, '--quiet'], { cwd: root })),
  );
  for (const r of runs) t.is(r.code, 3, r.stderr); // rows were rejected
  const rejected = Array.from({ length: ROWS }, (_, i) => i).filter((i) => i % 5 === 3);
  const inShard = (j: number) => rejected.filter((id) => shardOf([id], 2) === j).length;
  t.true(inShard(0) > 0 && inShard(1) > 0);

  const c = capture();
  const stop = new AbortController();
  const done = uiCommand({ cwd: root, port: 0, signal: stop.signal }, c.io);
  t.teardown(() => stop.abort());
  const { base, token } = await dashboardUrl(c.err);
  const auth = { authorization: `Bearer ${token}` };
  const get = async (path: string) => (await fetch(base + path, { headers: auth })).json() as Promise<any>;

  const models = await get('/api/models');
  t.is(models.unavailable, null);
  const items = models.models.find((m: { name: string }) => m.name === 'sync.items');
  t.is(items.failures, rejected.length);
  t.deepEqual(
    items.shards.map((s: { shard: string; failures: number }) => [s.shard, s.failures]),
    [
      ['0/2', inShard(0)],
      ['1/2', inShard(1)],
    ],
  );
  t.truthy(items.last_run);
  const page = await (await fetch(`${base}/`, { headers: auth })).text();
  t.regex(page, /per shard/);
  t.regex(page, /1\/2<\/span>/);

  // The runs of both shards, each with its shard.
  const history = await get('/api/runs');
  const itemRuns = history.runs.filter((r: { model: string }) => r.model === 'sync.items');
  t.deepEqual(itemRuns.map((r: { shard: string }) => r.shard).sort(), ['0/2', '1/2']);

  // A model's page: its failed rows from every shard, each in the shard of its key.
  const model = await get('/api/model/sync.items');
  t.is(model.rejected, rejected.length);
  t.is(model.failures.length, rejected.length);
  for (const f of model.failures) t.is(f.shard, `${shardOf([JSON.parse(f.key).id], 2)}/2`);
  // What the next runs would send: each shard plans its own keys (the others' are not new to it).
  const plan = await get('/api/model/sync.items/plan');
  t.like(plan.plan, { new: 0, changed: 0, deleted: 0 });

  // Send rejected rows again: cleared in each shard that holds some.
  const answer = await fetch(`${base}/api/model/sync.items/retry`, { method: 'POST', headers: auth });
  t.is(answer.status, 200);
  const body = (await answer.json()) as any;
  t.is(body.retried, rejected.length);
  t.deepEqual(body.shards, [
    { shard: '0/2', retried: inShard(0) },
    { shard: '1/2', retried: inShard(1) },
  ]);
  t.is(
    (await get('/api/model/sync.items/plan')).plan.changed +
      (await get('/api/model/sync.items/plan')).plan.new,
    rejected.length,
  );
  stop.abort();
  t.is(await done, 0);
  t.is(await rejectedIn(root, 'ebb.shard-0-of-2.duckdb'), 0);
  t.is(await rejectedIn(root, 'ebb.shard-1-of-2.duckdb'), 0);
});

test('ebb serve --shard I/N runs its schedules as that shard: its keys only, on its shard file', async (t) => {
  const sink = await startSink();
  t.teardown(() => sink.close());
  const root = makeProject({
    ...files(sink),
    'ebb.yaml': ['schedules:', '  - select: src.items sync.items', "    cron: '* * * * * *'"].join('\n'),
  });
  const c = capture();
  const stop = new AbortController();
  const done = serveCommand({ cwd: root, port: 0, signal: stop.signal, shardSpec: '1/2' }, c.io);
  t.teardown(() => stop.abort());
  await dashboardUrl(c.err);
  const deadline = Date.now() + 60_000;
  while (!/serve: ran .*: exit/.test(c.err())) {
    if (Date.now() > deadline) throw new Error(c.err());
    await new Promise((r) => setTimeout(r, 50));
  }
  stop.abort();
  t.is(await done, 0, c.err());
  t.regex(c.err(), /run as shard 1\/2/);
  t.true(existsSync(join(root, 'state', 'ebb.shard-1-of-2.duckdb')));
  t.false(existsSync(join(root, 'state', 'ebb.duckdb')));
  const ids = sink.requests.flatMap((r) => (r.json as Array<{ id: number }>).map((x) => x.id));
  const mine = Array.from({ length: ROWS }, (_, i) => i).filter((i) => shardOf([i], 2) === 1);
  t.deepEqual(
    [...new Set(ids)].sort((a, b) => a - b),
    mine,
  );
});

test('ebb serve with schedules in a sharded folder is refused at start without --shard, with the fix', async (t) => {
  const sink = await startSink();
  t.teardown(() => sink.close());
  const root = makeProject({
    ...files(sink),
    'ebb.yaml': ['schedules:', '  - select: sync.items', "    cron: '* * * * * *'"].join('\n'),
  });
  t.is((await ebb(['run', '--shard', '0/2', '--quiet'], { cwd: root })).code, 3);
  const c = capture();
  t.is(await serveCommand({ cwd: root, port: 0 }, c.io), 2);
  t.regex(c.err(), /holds shard files \(2 shards\): run each shard with --shard I\/2/);
  t.notRegex(c.err(), /the dashboard:/);
});
