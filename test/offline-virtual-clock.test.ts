/**
 * Offline runs wait no real time: `ebb test` and `ebb run --offline` give the senders a virtual
 * clock, so a Retry-After of 50 s, exponential backoff over five 500s and a rate limit of one
 * request per 10 s finish at once — in the order they would have happened. Each test has a
 * timeout far below the waits it contains: with the system clock it fails. Serial: a step
 * changes the process's working folder.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from '../lib/commands/run.js';
import { testCommand } from '../lib/commands/test.js';
import { VirtualClock } from '../lib/runtime/virtual-clock.js';
import { capture, makeProject } from './helpers/project.js';

const MODEL = `# @kind: tracked
# @unique_key: id
# @rate_limit: 1/10s
# @retries: 5
for row in query("SELECT range AS id FROM range(4)"):
    http.post("http://api.test/items", json=row)
    save.row(row)
`;

const RESPONSES = JSON.stringify([
  { json: { id: 1 }, status: 429, headers: { 'Retry-After': '50' }, times: 1 },
  { json: { id: 2 }, status: 500, times: 4 },
]);

test.serial(
  'ebb test: a Retry-After of 50 s, four 500s with backoff and 1 request per 10 s cost no real time',
  async (t) => {
    t.timeout(20_000);
    const root = makeProject({
      'models/sync/items.star': MODEL,
      'tests/waits/01_all/responses.json': RESPONSES,
      'tests/waits/01_all/expect.sql': 'SELECT count(*) AS delivered FROM sync.items;\n',
    });
    const c = capture();
    t.is(await testCommand({ cwd: root, names: [], update: true }, c.io), 0, c.err());
    const ids = readFileSync(join(root, 'tests/waits/01_all/requests.ndjson'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => (JSON.parse(l) as { body: { id: number } }).body.id);
    t.deepEqual(ids, [0, 1, 2, 3]);
    t.regex(readFileSync(join(root, 'tests/waits/01_all/expect.sql'), 'utf8'), /-- delivered\n-- 4\n/);
  },
);

test.serial('ebb run --offline: the same waits cost no real time', async (t) => {
  t.timeout(20_000);
  const root = makeProject({ 'models/sync/items.star': MODEL, 'responses.json': RESPONSES });
  const c = capture();
  const code = await runCommand(
    {
      cwd: root,
      selectors: [],
      json: true,
      env: {},
      offline: join(root, 'offline.ndjson'),
      responses: join(root, 'responses.json'),
    },
    c.io,
  );
  t.is(code, 0, c.err());
  t.like(
    c.json().find((l) => l['model'] === 'sync.items'),
    { saved: 4, failed: 0 },
  );
});

test.serial('the virtual clock fires timers in due order and moves to each due time', async (t) => {
  const clock = new VirtualClock();
  const fired: Array<[string, number]> = [];
  await new Promise<void>((done) => {
    clock.setTimeout(() => fired.push(['b', clock.now()]), 50_000);
    clock.setTimeout(() => fired.push(['a', clock.now()]), 10);
    const cancelled = clock.setTimeout(() => fired.push(['x', clock.now()]), 20);
    clock.clearTimeout(cancelled);
    clock.setTimeout(() => {
      fired.push(['c', clock.now()]);
      clock.setTimeout(() => {
        fired.push(['d', clock.now()]);
        done();
      }, 5);
    }, 50_000);
  });
  t.deepEqual(fired, [
    ['a', 10],
    ['b', 50_000],
    ['c', 50_000],
    ['d', 50_005],
  ]);
});
