// A run killed with SIGKILL half-way: no row is recorded as delivered that the script had not
// delivered, the state opens cleanly, and the next run delivers exactly the rest.

import test from 'ava';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { makeProject, ndjson, REPO, TSX_IMPORT, writeFiles, EBB_ARGV } from './helpers/project.js';
import { withStore } from './helpers/store.js';

// Enough rows that the crawl after row 7,000 keeps the run going well past the kill at 6,000.
const ROWS = 10_000;

test('kill -9 during a tracked run loses no delivery and records none that did not happen', async (t) => {
  // The model asks an API once first: a model that has sent a request commits its
  // acknowledgements at least every 2 seconds (before that, in row groups or every 10 s).
  const api = createServer((_req, res) => res.end('{}'));
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  t.teardown(() => api.close());
  const url = `http://127.0.0.1:${(api.address() as AddressInfo).port}/`;
  const root = makeProject({
    'models/src/items.sql': `-- @kind: table\nSELECT range AS id FROM range(${ROWS})`,
    // Fast up to row 7000 (past the first batch of acknowledgements), then crawling, so the
    // kill always lands mid-run whatever the machine's speed.
    'models/sync/items.star': `# @kind: tracked
# @unique_key: id
if not http.get("${url}").ok:
    fail("the API is down")
for row in query("SELECT id FROM src.items ORDER BY id"):
    if row.id > 7000:
        for _ in range(200000):
            pass
    print("sent", row.id)
    save.row(row)
`,
  });
  const child = spawn(process.execPath, [...EBB_ARGV, 'run'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const sent = new Set<number>();
  let firstSent: number | undefined;
  let buffer = '';
  await new Promise<void>((resolve) => {
    child.stderr.on('data', (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        const m = / sent (\d+)$/.exec(line);
        if (m) sent.add(Number(m[1]));
      }
      firstSent ??= sent.size > 0 ? performance.now() : undefined;
      // Past the first time-based flush (2 s after the first save) and well before the end: kill it.
      const past = firstSent !== undefined && performance.now() - firstSent > 2500;
      if (sent.size >= 6000 && past && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
    child.on('exit', () => resolve());
  });
  t.true(sent.size >= 6000 && sent.size < ROWS, `sent ${sent.size}`);
  const saved = await withStore(root, async (s) =>
    (await s.objectType('sync', 'items')) === 'table'
      ? (await s.query('SELECT id FROM sync.items')).map((r) => Number(r['id']))
      : [],
  );
  t.true(saved.length > 0, 'some acknowledgements were stored before the kill');
  t.deepEqual(
    saved.filter((id) => !sent.has(id)),
    [],
    'every saved row had been sent',
  );
  // The next run delivers exactly what was not acknowledged.
  writeFiles(root, {
    'models/sync/items.star':
      '# @kind: tracked\n# @unique_key: id\nsave.rows(list(query("SELECT id FROM src.items")))\n',
  });
  const rerun = spawn(process.execPath, [...EBB_ARGV, 'run', 'sync.items', '--json'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  rerun.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => rerun.on('exit', resolve));
  t.is(code, 0);
  const result = ndjson(out).pop()! as Record<string, number>;
  t.is(result['new'], ROWS - saved.length);
  t.is(result['saved'], ROWS - saved.length);
});
