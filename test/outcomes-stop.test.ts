// Ctrl-C during a sync whose saves have an outcome function: requests the stop kept from being
// sent decide nothing — their saves are dropped unacknowledged, never recorded as failures (the
// function here would call a reply without a status a failure) — and the next run sends the rest.

import test from 'ava';
import { spawn } from 'node:child_process';
import { EBB_ARGV, ebb, makeProject } from './helpers/project.js';
import { startSink } from './helpers/sink.js';
import { withStore } from './helpers/store.js';

const ROWS = 3000;

test('Ctrl-C with outcome functions: exit 130, no failure recorded for requests never sent; the next run sends the rest', async (t) => {
  const sink = await startSink(() => ({ delayMs: 5 }));
  t.teardown(() => sink.close());
  const root = makeProject({
    'models/src/items.sql': `-- @kind: table\nSELECT range AS id FROM range(${ROWS})`,
    'models/sync/items.star': `# @kind: tracked
# @unique_key: id
# @concurrency: 16
def strict(response, rows):
    if response.status_code == None:
        return [outcome.failed("never answered") for _ in rows]
    return None
for row in query("SELECT id FROM src.items ORDER BY id"):
    http.post(env.get("SINK", secret=False) + "/items", json=row)
    save.row(row, outcome=strict)
`,
  });
  const child = spawn(process.execPath, [...EBB_ARGV, 'run'], {
    cwd: root,
    env: { ...process.env, SINK: sink.url },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setInterval(() => {
    if (sink.requests.length >= 300 && child.exitCode === null && !child.killed) {
      clearInterval(timer);
      child.kill('SIGINT');
    }
  }, 2);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearInterval(timer);
  t.is(code, 130, stderr);
  t.true(sink.requests.length < ROWS, 'stopped before the end');
  const failures = await withStore(root, async (s) =>
    Number(await s.scalar('SELECT count(*)::DOUBLE FROM _ebb.failures')),
  );
  t.is(failures, 0, 'no failure recorded for a request the stop kept from being sent');
  const done = await ebb(['run'], { cwd: root, env: { SINK: sink.url } });
  t.is(done.code, 0, done.stderr);
  const ids = new Set(sink.delivered.map((r) => (r.json as { id: number }).id));
  t.is(ids.size, ROWS, 'every row delivered over the two runs');
  t.is(
    await withStore(root, async (s) => Number(await s.scalar('SELECT count(*)::DOUBLE FROM sync.items'))),
    ROWS,
  );
});
