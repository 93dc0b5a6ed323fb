// Key-sharded runs through the CLI (real processes, real DuckDB files, a node:http sink): four
// shards in parallel deliver every row exactly once and each keeps exactly its keys; a shard
// count that does not fit the state is refused; a .star model that is not tracked sends from
// shard 0 only; the same shard started twice refuses the second (state busy, naming the shard).

import test from 'ava';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { shardOf } from '../lib/detect/shard.js';
import { Store } from '../lib/store/index.js';
import { ebb, EBB_ARGV, makeProject, writeFiles } from './helpers/project.js';
import { startHeldServer } from './helpers/held-server.js';
import { startSink, type Sink } from './helpers/sink.js';

/** 40,000 rows by default; EBB_SLOW=1 runs the long variant. */
const ROWS = process.env['EBB_SLOW'] === '1' ? 400_000 : 40_000;

/** A project whose tracked model posts its delta to `url` in batches of 100 rows. */
function batchProject(url: string, rows: number): string {
  return makeProject({
    'models/src/items.sql': `-- @kind: table\nSELECT range AS id, 'item ' || range AS name FROM range(${rows})`,
    'models/sync/items.star': `# @kind: tracked
# @unique_key: id
batch = []
for row in query("SELECT id, name FROM src.items"):
    batch.append(row)
    if len(batch) == 100:
        http.post("${url}/items", json=batch)
        save.rows(batch)
        batch = []
if batch:
    http.post("${url}/items", json=batch)
    save.rows(batch)
`,
  });
}

/** deliveredIds counts, per id, how often the sink acknowledged it. */
function deliveredIds(sink: Sink): Map<number, number> {
  const seen = new Map<number, number>();
  for (const r of sink.delivered) {
    if (!r.url.startsWith('/items')) continue;
    for (const row of r.json as Array<{ id: number }>) seen.set(row.id, (seen.get(row.id) ?? 0) + 1);
  }
  return seen;
}

/** storedIds reads the ids a shard's state holds in sync.items (and the shard it records). */
async function storedIds(root: string, index: number, count: number): Promise<number[]> {
  const path = join(root, 'state', `ebb.shard-${index}-of-${count}.duckdb`);
  const store = await Store.open({ path, root, readOnly: true });
  try {
    return (await store.query('SELECT id FROM sync.items ORDER BY id')).map((r) => Number(r['id']));
  } finally {
    store.close();
  }
}

test('4 shards in parallel deliver every row exactly once; each shard stores exactly its keys', async (t) => {
  const sink = await startSink();
  t.teardown(() => sink.close());
  const root = batchProject(sink.url, ROWS);
  // Two by the flag, two by EBB_SHARD (the flag wins over a wrong EBB_SHARD).
  const runs = await Promise.all([
    ebb(['run', '--shard', '0/4', '--quiet'], { cwd: root, env: { EBB_SHARD: '3/4' } }),
    ebb(['run', '--shard', '1/4', '--quiet'], { cwd: root }),
    ebb(['run', '--quiet'], { cwd: root, env: { EBB_SHARD: '2/4' } }),
    ebb(['run', '--quiet'], { cwd: root, env: { EBB_SHARD: '3/4' } }),
  ]);
  for (const r of runs) t.is(r.code, 0, r.stderr);
  const seen = deliveredIds(sink);
  const ids = [...seen.keys()];
  t.is(seen.size, ROWS);
  t.deepEqual(
    [...seen.values()].filter((n) => n !== 1),
    [],
    'no row was delivered twice',
  );
  let total = 0;
  for (let i = 0; i < 4; i++) {
    const ids = await storedIds(root, i, 4);
    total += ids.length;
    t.deepEqual(
      ids.filter((id) => shardOf([id], 4) !== i),
      [],
      `shard ${i} holds only its keys`,
    );
  }
  t.is(total, ROWS);
  // ebb status and ebb plan find the shard files themselves: per shard, then the totals.
  const status = await ebb(['status', '--json', 'sync.items'], { cwd: root });
  t.is(status.code, 0, status.stderr);
  const lines = status.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  t.deepEqual(
    lines.map((l) => [l['shard'], l['delivered'], l['new']]),
    [
      ...[0, 1, 2, 3].map((i) => [`${i}/4`, ids.filter((id) => shardOf([id], 4) === i).length, 0]),
      ['total', ROWS, 0],
    ],
  );
  t.is(lines[0]!['last_status'], 'ok');
  const human = await ebb(['status'], { cwd: root });
  t.regex(human.stdout, /^State: 4 shard files \(4 shards\)/);
  t.regex(human.stdout, /sync\.items\s+total\s+-\s+40,000\s+0\s+0\s+0 \/ 0 \/ 0/);
  const one = await ebb(['status', '--json', '--shard', '2/4', 'sync.items'], { cwd: root });
  t.regex(one.stdout, /"model":"sync.items","kind":"tracked"/);
  const planned = await ebb(['plan', '--json'], { cwd: root, env: { EBB_SHARD: '' } });
  t.is(planned.code, 0, planned.stderr);
  t.regex(planned.stdout, /"model":"sync.items","shard":"total","new":0,"changed":0,"deleted":0/);
  t.is((planned.stdout.match(/"shard":"\d\/4"/g) ?? []).length, 4);
  // A second round sends nothing: each shard's state is complete for its keys.
  const before = sink.requests.length;
  const again = await Promise.all(
    [0, 1, 2, 3].map((i) => ebb(['run', '--shard', `${i}/4`, '--quiet'], { cwd: root })),
  );
  for (const r of again) t.is(r.code, 0, r.stderr);
  t.is(sink.requests.length, before);
});

test('a run whose shard does not fit the state folder is refused with the fix, and nothing is created', async (t) => {
  const sink = await startSink();
  t.teardown(() => sink.close());
  const root = batchProject(sink.url, 50);
  t.is((await ebb(['run', '--shard', '0/2', '--quiet'], { cwd: root })).code, 0);
  const other = await ebb(['run', '--shard', '0/3'], { cwd: root });
  t.is(other.code, 2);
  t.regex(other.stderr, /holds the state of 2 shards.*ebb reshard --to 3/s);
  const unsharded = await ebb(['run', '--json'], { cwd: root });
  t.is(unsharded.code, 2);
  t.regex(unsharded.stdout, /"code":"EBB_SHARD_MISMATCH"/);
  t.regex(unsharded.stderr, /run each shard with --shard I\/2/);
  const bad = await ebb(['run', '--shard', '2/2'], { cwd: root });
  t.is(bad.code, 2);
  t.regex(bad.stderr, /--shard takes I\/N/);
  const badEnv = await ebb(['run'], { cwd: root, env: { EBB_SHARD: 'x' } });
  t.is(badEnv.code, 2);
  t.regex(badEnv.stderr, /EBB_SHARD takes I\/N/);
  // An unsharded state with deliveries beside a sharded run.
  const plain = batchProject(sink.url, 50);
  t.is((await ebb(['run', '--quiet'], { cwd: plain })).code, 0);
  const sharded = await ebb(['run', '--shard', '1/2'], { cwd: plain });
  t.is(sharded.code, 2);
  t.regex(sharded.stderr, /is an unsharded state.*ebb reshard --to 2/s);
  // A shard file given as the state of an unsharded run, or renamed to another shard.
  const asState = await ebb(['run', '--state', join(root, 'state', 'ebb.shard-0-of-2.duckdb')], {
    cwd: plain,
  });
  t.is(asState.code, 2);
  t.regex(asState.stderr, /holds shard 0\/2 of a sharded state: run it with --shard 0\/2/);
  // Other commands read one shard with EBB_SHARD, and never create an unsharded state beside the shards.
  const sql = await ebb(['sql', 'SELECT count(*) AS n FROM sync.items', '--json'], { cwd: root });
  t.is(sql.code, 2);
  t.regex(sql.stderr, /is sharded \(1 shard files\): set EBB_SHARD=I\/2/);
  const inShard = await ebb(['sql', 'SELECT count(*) AS n FROM sync.items', '--json'], {
    cwd: root,
    env: { EBB_SHARD: '0/2' },
  });
  t.is(inShard.code, 0, inShard.stderr);
  t.regex(inShard.stdout, /"n":\d+/);
  t.deepEqual(
    readdirSync(join(root, 'state')).filter((f) => f.endsWith('.duckdb')),
    ['ebb.shard-0-of-2.duckdb'],
  );
});

test('a .star model that is not tracked sends from shard 0 only, unless @shards: all', async (t) => {
  const sink = await startSink();
  t.teardown(() => sink.close());
  const root = makeProject({
    'models/ops/ping.star': `http.post("${sink.url}/ping", json={})\nsave.row({"ok": True})\n`,
    'models/ops/each.star': `# @shards: all\nhttp.post("${sink.url}/each", json={})\nsave.row({"ok": True})\n`,
    'models/ops/stats.sql': `SELECT 1 AS one`,
  });
  const runs = await Promise.all(
    [0, 1, 2].map((i) => ebb(['run', '--shard', `${i}/3`, '--json'], { cwd: root })),
  );
  for (const r of runs) t.is(r.code, 0, r.stderr);
  t.is(sink.requests.filter((r) => r.url === '/ping').length, 1);
  t.is(sink.requests.filter((r) => r.url === '/each').length, 3);
  const ping = runs.map((r) => r.stdout.split('\n').find((l) => l.includes('"model":"ops.ping"'))!);
  t.regex(ping[0]!, /"rows":1/);
  t.regex(ping[1]!, /"warning_code":"EBB_SHARD_SKIPPED"/);
  t.regex(runs[2]!.stderr, /not run in shard 2\/3: a \.star model that is not tracked runs in shard 0 only/);
  // SQL models run in every shard.
  for (const r of runs) t.regex(r.stdout, /"model":"ops.stats","kind":"table","status":"ok","rows":1/);
  // A key the tracked query lacks is named as in an unsharded run, not hidden behind the shard's filter.
  writeFiles(root, {
    'models/sync/bad.star':
      '# @kind: tracked\n# @unique_key: id\nfor r in query("SELECT 1 AS one"):\n    save.row(r)\n',
  });
  const bad = await ebb(['run', '--shard', '1/3', 'sync.bad', '--json'], { cwd: root });
  t.is(bad.code, 1);
  t.regex(bad.stdout, /@unique_key column id is not in the tracked query.s result \(columns: one\)/);
});

test('the same shard started twice at once: the second refuses with state busy, naming the shard', async (t) => {
  // The first run's one request is held open until the second run has been refused.
  const held = await startHeldServer();
  t.teardown(() => held.close());
  const { url, holding, release } = held;
  const root = makeProject({
    'models/src/items.sql': `-- @kind: table\nSELECT range AS id FROM range(50)`,
    'models/sync/items.star': `# @kind: tracked\n# @unique_key: id\nhttp.post("${url}/wait", json={}).raise_for_status()\nsave.rows(list(query("SELECT id FROM src.items")))\n`,
  });
  const one = spawn(process.execPath, [...EBB_ARGV, 'run', '--shard', '1/4', '--quiet'], {
    cwd: root,
    stdio: 'ignore',
  });
  const oneDone = new Promise<number | null>((r) => one.on('exit', r));
  await holding;
  const two = await ebb(['run', '--shard', '1/4'], { cwd: root });
  // ebb status over the shards shows the running one as what its run publishes.
  const status = await ebb(['status', '--json', '--wait', '0s'], { cwd: root });
  release();
  t.is(status.code, 0, status.stderr);
  t.regex(status.stdout, /"model":"\(running\)","shard":"1\/4","last_status":"running since /);
  t.is(two.code, 75);
  t.regex(two.stderr, /ebb\.shard-1-of-4\.duckdb is in use by another ebb process \(ebb run --shard 1\/4/);
  t.is(await oneDone, 0);
  // Another shard is never held by it.
  t.is((await ebb(['run', '--shard', '2/4', '--quiet'], { cwd: root })).code, 0);
});
