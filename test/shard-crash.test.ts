// One shard killed with SIGKILL mid-run while the others finish, then run again: nothing is lost
// (every row delivered, every shard's table complete for its keys), and the rows sent twice are
// the killed shard's only, within the crash window docs/delivery.md gives (5,000 + 2 ×
// @concurrency requests).

import test from 'ava';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { shardOf } from '../lib/detect/shard.js';
import { Store } from '../lib/store/index.js';
import { ebb, EBB_ARGV, makeProject } from './helpers/project.js';
import { startSink } from './helpers/sink.js';

const ROWS = 8_000;
const SHARDS = 4;
const KILLED = 1;
/** The crash window of docs/delivery.md, in requests (one row each here): 5,000 + 2 × @concurrency (16). */
const WINDOW = 5_000 + 2 * 16;

async function storedIds(root: string, index: number): Promise<number[]> {
  const path = join(root, 'state', `ebb.shard-${index}-of-${SHARDS}.duckdb`);
  const store = await Store.open({ path, root, readOnly: true });
  try {
    if ((await store.objectType('sync', 'items')) !== 'table') return [];
    return (await store.query('SELECT id FROM sync.items')).map((r) => Number(r['id']));
  } finally {
    store.close();
  }
}

test('kill -9 of one shard mid-run, then its rerun: nothing lost, duplicates within the window', async (t) => {
  const sink = await startSink();
  t.teardown(() => sink.close());
  // With CRAWL set, rows past the first quarter crawl, so the kill lands mid-run whatever the
  // machine's speed; the other shards run at full speed.
  const root = makeProject({
    'models/src/items.sql': `-- @kind: table\nSELECT range AS id FROM range(${ROWS})`,
    'models/sync/items.star': `# @kind: tracked
# @unique_key: id
crawl = env.get("CRAWL", "", secret=False) != ""
for row in query("SELECT id FROM src.items ORDER BY id"):
    if crawl and row.id > ${ROWS / 4}:
        for _ in range(1000000):
            pass
    http.post("${sink.url}/items", json={"id": row.id})
    save.row(row)
`,
  });
  const sentBy = (i: number) =>
    sink.delivered.filter((r) => shardOf([(r.json as { id: number }).id], SHARDS) === i);
  const others = Promise.all(
    [0, 2, 3].map((i) => ebb(['run', '--shard', `${i}/${SHARDS}`, '--quiet'], { cwd: root })),
  );
  const child = spawn(process.execPath, [...EBB_ARGV, 'run', '--shard', `${KILLED}/${SHARDS}`, '--quiet'], {
    cwd: root,
    env: { ...process.env, CRAWL: '1' },
    stdio: 'ignore',
  });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  // Killed once past the first time-based flush of acknowledgements (2 s after its first save)
  // and well before its end.
  let firstAt: number | undefined;
  while (child.exitCode === null) {
    const n = sentBy(KILLED).length;
    if (n > 0) firstAt ??= performance.now();
    if (n >= ROWS / SHARDS / 4 && firstAt !== undefined && performance.now() - firstAt > 3000) {
      child.kill('SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await exited;
  for (const r of await others) t.is(r.code, 0, r.stderr);
  const delivered = new Set(sentBy(KILLED).map((r) => (r.json as { id: number }).id));
  const mine = Array.from({ length: ROWS }, (_, i) => i).filter((id) => shardOf([id], SHARDS) === KILLED);
  t.true(
    delivered.size > 0 && delivered.size < mine.length,
    `killed after ${delivered.size} of ${mine.length}`,
  );
  const saved = await storedIds(root, KILLED);
  t.deepEqual(
    saved.filter((id) => !delivered.has(id)),
    [],
    'the killed shard stored only rows it had delivered',
  );
  // Its rerun delivers the rest; the other shards' states are complete, a rerun of them sends nothing.
  const before = sink.requests.length;
  const rerun = await ebb(['run', '--shard', `${KILLED}/${SHARDS}`, '--json'], { cwd: root });
  t.is(rerun.code, 0, rerun.stderr);
  t.is(sink.requests.length - before, mine.length - saved.length);
  const counts = new Map<number, number>();
  for (const r of sink.delivered) {
    const id = (r.json as { id: number }).id;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  t.is(counts.size, ROWS, 'every row delivered');
  const twice = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
  t.deepEqual(
    twice.filter((id) => shardOf([id], SHARDS) !== KILLED),
    [],
    'only the killed shard sent rows twice',
  );
  t.true(twice.length <= WINDOW, `${twice.length} rows sent twice`);
  for (let i = 0; i < SHARDS; i++) {
    const ids = await storedIds(root, i);
    t.deepEqual(
      ids.filter((id) => shardOf([id], SHARDS) !== i),
      [],
      `shard ${i} holds only its keys`,
    );
  }
  t.is((await Promise.all([0, 1, 2, 3].map((i) => storedIds(root, i)))).flat().length, ROWS);
});
