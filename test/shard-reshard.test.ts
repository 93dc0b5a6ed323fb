// ebb reshard through the CLI: 4 shards synced part of the rows (some rejected by the API, some
// failed), resharded into 3: the next runs of the 3 shards send exactly what was never
// delivered — the new rows and the failed ones — never a delivered row, and the rejected rows
// stay held back, each failure entry (with its row_hash) in the shard its key belongs to. Also
// 3 → 1 (one unsharded state), a crash after the journal finished by the next reshard, and
// the refusals: a shard file in use (exit 75), a missing shard.

import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shardOf } from '../lib/detect/shard.js';
import { Store } from '../lib/store/index.js';
import { ebb, EBB_ARGV, makeProject, writeFiles } from './helpers/project.js';
import { startHeldServer } from './helpers/held-server.js';
import { startSink, type Sink } from './helpers/sink.js';

/** Rows whose id % 50 is 7 are rejected by the API, 13 fail (transient); the rest are accepted. */
const SYNC = (url: string) => `# @kind: tracked
# @unique_key: id
# @retries: 0

def per_record(response, rows):
    return [outcome.rejected("bad") if r.id % 50 == 7 else outcome.failed("later") if r.id % 50 == 13 else outcome.accepted for r in rows]

batch = []
for row in query("SELECT id, name FROM src.items"):
    batch.append(row)
    if len(batch) == 50:
        http.post("${url}/items", json=batch)
        save.rows(batch, outcome=per_record)
        batch = []
if batch:
    http.post("${url}/items", json=batch)
    save.rows(batch, outcome=per_record)
`;

const source = (rows: number) =>
  `-- @kind: table\nSELECT range AS id, 'item ' || range AS name FROM range(${rows})`;

function sentIds(sink: Sink, from = 0): number[] {
  return sink.requests.slice(from).flatMap((r) => (r.json as Array<{ id: number }>).map((x) => x.id));
}

async function readState<T>(root: string, file: string, fn: (s: Store) => Promise<T>): Promise<T> {
  const store = await Store.open({ path: join(root, 'state', file), root, readOnly: true });
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

async function runShards(root: string, count: number): Promise<void> {
  const runs = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      ebb(['run', '--shard', `${i}/${count}`, '--quiet'], { cwd: root }),
    ),
  );
  // Exit 3: rows failed or were rejected (expected here).
  for (const r of runs) if (r.code !== 3 && r.code !== 0) throw new Error(r.stderr);
}

test('reshard 4 → 3 after a partial sync: the next runs send exactly what was never delivered', async (t) => {
  const sink = await startSink();
  t.teardown(() => sink.close());
  const root = makeProject({
    'models/src/items.sql': source(1200),
    'models/src/ids.sql': '-- @kind: view\nSELECT id FROM src.items',
    'models/sync/items.star': SYNC(sink.url),
  });
  await runShards(root, 4);
  t.is(sentIds(sink).length, 1200);
  // A temporary file a crashed reshard left behind is replaced, not trusted.
  writeFileSync(join(root, 'state', 'ebb.shard-1-of-3.duckdb.reshard'), 'left by a crash');
  const re = await ebb(['reshard', '--to', '3', '--json'], { cwd: root });
  t.is(re.code, 0, re.stderr);
  const report = JSON.parse(re.stdout) as { models: Array<{ rows: number[] }>; failures: number };
  const accepted = 1200 - 2 * 24; // 24 rejected and 24 failed among 1,200
  t.is(
    report.models[0]!.rows.reduce((a, b) => a + b, 0),
    accepted,
  );
  t.is(report.failures, 48);
  t.regex(re.stderr, /Resharded from 4 shards to 3 shards/);
  const files = readdirSync(join(root, 'state')).filter((f) => f.includes('.duckdb') && !f.endsWith('.json'));
  t.deepEqual(files.filter((f) => f.endsWith('.duckdb')).sort(), [
    'ebb.shard-0-of-3.duckdb',
    'ebb.shard-1-of-3.duckdb',
    'ebb.shard-2-of-3.duckdb',
  ]);
  t.is(files.filter((f) => f.endsWith('.before-reshard')).length, 4);
  // Each new shard holds its keys' rows and failures (rejected ones with their row_hash).
  for (let i = 0; i < 3; i++) {
    const { ids, failures, items } = await readState(root, `ebb.shard-${i}-of-3.duckdb`, async (s) => ({
      ids: (await s.query('SELECT id FROM sync.items')).map((r) => Number(r['id'])),
      // Tables and views of other models are copied whole (the next run rebuilds them anyway).
      items: Number(await s.scalar('SELECT count(*)::DOUBLE FROM src.ids')),
      failures: await s.query(`SELECT key, kind, row_hash IS NOT NULL AS hashed FROM _ebb.failures`),
    }));
    t.deepEqual(
      ids.filter((id) => shardOf([id], 3) !== i),
      [],
    );
    t.is(items, 1200);
    for (const f of failures) {
      const id = (JSON.parse(String(f['key'])) as { id: number }).id;
      t.is(shardOf([id], 3), i, `failure of ${id} in shard ${i}`);
      t.is(f['kind'], id % 50 === 7 ? 'rejected' : 'failed');
      if (f['kind'] === 'rejected') t.true(f['hashed'] as boolean);
    }
  }
  // ebb status --check looks at every shard: failures are pending.
  const check = await ebb(['status', '--check'], { cwd: root });
  t.is(check.code, 1);
  t.regex(check.stderr, /shard 2\/3 /);
  // More rows, then the 3 shards: exactly the new rows and the failed ones are sent.
  writeFiles(root, { 'models/src/items.sql': source(1500) });
  const before = sink.requests.length;
  await runShards(root, 3);
  const sent = sentIds(sink, before).sort((a, b) => a - b);
  const want = Array.from({ length: 1500 }, (_, i) => i).filter((id) => id >= 1200 || id % 50 === 13);
  t.deepEqual(sent, want);
  // An old count is refused now.
  const old = await ebb(['run', '--shard', '0/4'], { cwd: root });
  t.is(old.code, 2);
  t.regex(old.stderr, /holds the state of 3 shards/);
  // 3 → 1: one unsharded state, and an unsharded run sends only the failed rows again.
  t.is((await ebb(['reshard', '--to', '1'], { cwd: root })).code, 0);
  t.true(existsSync(join(root, 'state', 'ebb.duckdb')));
  const mark = sink.requests.length;
  const plain = await ebb(['run', '--quiet'], { cwd: root });
  t.is(plain.code, 3, plain.stderr);
  t.deepEqual(
    sentIds(sink, mark).sort((a, b) => a - b),
    Array.from({ length: 1500 }, (_, i) => i).filter((id) => id % 50 === 13),
  );
});

test('reshard refuses a shard file in use, a missing shard, and finishes a reshard a crash interrupted', async (t) => {
  const sink = await startSink();
  t.teardown(() => sink.close());
  const root = makeProject({ 'models/src/items.sql': source(100), 'models/sync/items.star': SYNC(sink.url) });
  await runShards(root, 2);
  // A run in progress holds its shard file: reshard is refused (state busy) and changes nothing.
  const api = await startHeldServer();
  t.teardown(() => api.close());
  const { url, holding, release } = api;
  writeFiles(root, {
    'models/ops/hold.star': `# @shards: all\nhttp.get("${url}/").raise_for_status()\nsave.row({"ok": True})\n`,
  });
  const held = spawn(process.execPath, [...EBB_ARGV, 'run', '--shard', '1/2', 'ops.hold', '--quiet'], {
    cwd: root,
    stdio: 'ignore',
  });
  const done = new Promise<number | null>((r) => held.on('exit', r));
  await holding;
  const busy = await ebb(['reshard', '--to', '3'], { cwd: root });
  release();
  t.is(busy.code, 75);
  t.regex(busy.stderr, /ebb\.shard-1-of-2\.duckdb is in use by another ebb process/);
  t.is(await done, 0);
  t.deepEqual(
    readdirSync(join(root, 'state')).filter((f) => f.endsWith('.reshard')),
    [],
  );
  // A crash after the journal was written: runs are refused until a reshard finishes it.
  writeFiles(root, { 'models/ops/hold.star': 'save.row({"ok": True})\n' });
  const state = join(root, 'state');
  renameSync(join(state, 'ebb.shard-0-of-2.duckdb'), join(state, 'ebb.shard-0-of-1.duckdb.reshard'));
  writeFileSync(
    join(state, 'ebb.reshard.json'),
    JSON.stringify({
      from: 2,
      to: 1,
      sources: [join(state, 'ebb.shard-1-of-2.duckdb')],
      targets: [{ tmp: join(state, 'ebb.shard-0-of-1.duckdb.reshard'), path: join(state, 'ebb.duckdb') }],
    }),
  );
  const refused = await ebb(['run'], { cwd: root });
  t.is(refused.code, 2);
  t.regex(refused.stderr, /a reshard of .* did not finish.*run ebb reshard --to N again/s);
  const finish = await ebb(['reshard', '--to', '1'], { cwd: root });
  t.is(finish.code, 0, finish.stderr);
  t.regex(finish.stderr, /Finished an interrupted reshard/);
  t.true(existsSync(join(state, 'ebb.duckdb')));
  t.false(existsSync(join(state, 'ebb.reshard.json')));
  // A missing shard is refused (its delivered rows would be sent again).
  renameSync(join(state, 'ebb.duckdb'), join(state, 'ebb.shard-0-of-3.duckdb'));
  const missing = await ebb(['reshard', '--to', '2'], { cwd: root });
  t.is(missing.code, 2);
  t.regex(missing.stderr, /lacks shard 1, 2/);
});

test('reshard places each failure by its key read back as the column type: a composite key with a timestamp', async (t) => {
  const sink = await startSink();
  t.teardown(() => sink.close());
  // Rows whose n % 10 is 3 fail (transient): their entries hold the key as the script saw it.
  const sync = `# @kind: tracked
# @unique_key: account, day
# @retries: 0

def per_record(response, rows):
    return [outcome.failed("later") if r.n % 10 == 3 else outcome.accepted for r in rows]

batch = []
for row in query("SELECT account, day, n FROM src.events"):
    batch.append(row)
    if len(batch) == 20:
        http.post("${sink.url}/events", json=batch)
        save.rows(batch, outcome=per_record)
        batch = []
if batch:
    http.post("${sink.url}/events", json=batch)
    save.rows(batch, outcome=per_record)
`;
  const root = makeProject({
    'models/src/events.sql': `-- @kind: table\nSELECT 'acct-' || (range % 7) AS account, TIMESTAMP '2024-01-01 00:00:00' + to_hours(range // 7) AS day, range AS n FROM range(210)`,
    'models/sync/events.star': sync,
  });
  await runShards(root, 2);
  t.is((await ebb(['reshard', '--to', '3'], { cwd: root })).code, 0);
  let failures = 0;
  for (let i = 0; i < 3; i++) {
    const keys = await readState(root, `ebb.shard-${i}-of-3.duckdb`, async (s) =>
      (await s.query('SELECT key FROM _ebb.failures')).map(
        (r) => JSON.parse(String(r['key'])) as { account: string; day: string },
      ),
    );
    failures += keys.length;
    // The entry holds the time as the script saw it (ISO-8601, "T"); its shard is the one of
    // DuckDB's text of the value ("2024-01-01 05:00:00"), as the run computes it.
    t.true(keys.every((k) => k.day.includes('T')));
    t.deepEqual(
      keys.filter((k) => shardOf([k.account, k.day.replace('T', ' ').replace(/Z$/, '')], 3) !== i),
      [],
      `shard ${i}`,
    );
  }
  t.is(failures, 21);
  const before = sink.requests.length;
  await runShards(root, 3);
  const sent = sink.requests.slice(before).flatMap((r) => (r.json as Array<{ n: number }>).map((x) => x.n));
  t.deepEqual(
    sent.sort((a, b) => a - b),
    Array.from({ length: 210 }, (_, i) => i).filter((n) => n % 10 === 3),
  );
});
