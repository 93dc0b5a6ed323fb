/**
 * The dashboard under concurrent use: "send rejected rows again" (a POST that opens the state for
 * writing) while pages are read (read-only opens) in the same process. DuckDB's file lock does
 * not keep two opens of one file in one process apart, so a read beside the write could read a
 * file being rewritten (an IO error, a 500); lib/ui makes them take turns. Here a real `ebb ui`
 * answers every page 200 with the state's data (never a 500, never "busy" for its own retry)
 * while the retry runs, and the retry is applied once. The retry's write is small, so this test
 * rarely hits the collision without the turns; test/ui-state-turns.test.ts makes it happen.
 */
import test from 'ava';
import { runCommand } from '../lib/commands/run.js';
import { startUi } from './helpers/dashboard.js';
import { capture, makeProject } from './helpers/project.js';
import { startSink } from './helpers/sink.js';

const MODEL = [
  '# @kind: tracked',
  '# @unique_key: id',
  'BASE = env.get("SINK", secret=False)',
  'def per_row(response, rows):',
  '    refused = response.json().get("invalid", [])',
  '    return [outcome.rejected("invalid email") if r.id in refused else outcome.accepted for r in rows]',
  'batch = []',
  "for row in query(\"SELECT i AS id, 'user' || i || '@example.com' AS email FROM range(10000) t(i)\"):",
  '    batch.append(row)',
  '    if len(batch) == 500:',
  '        http.post(BASE + "/items", json=batch)',
  '        save.rows(batch, outcome=per_row)',
  '        batch = []',
].join('\n');

/** Rounds of rows rejected, then sent again from the dashboard while its pages are read. */
const ROUNDS = 2;

/** The pages a user might have open while someone clicks "send rejected rows again". */
const PAGES = [
  '/',
  '/api/models',
  '/runs',
  '/api/runs',
  '/model/sync.items',
  '/api/model/sync.items',
  '/model/sync.items/requests',
  '/api/model/sync.items/plan',
];

test('page reads in a loop while the retry POST runs: every answer 200 with the state read, the retry applied once', async (t) => {
  let refuse = true;
  const sink = await startSink((r) => {
    const ids = (r.json as { id: number }[]).map((x) => x.id);
    return { body: JSON.stringify({ invalid: refuse ? ids.filter((id) => id % 10 === 7) : [] }) };
  });
  t.teardown(() => sink.close());
  const root = makeProject({ 'models/sync/items.star': MODEL });
  const run = () =>
    runCommand(
      { cwd: root, selectors: [], quiet: true, env: { ...process.env, SINK: sink.url } },
      capture().io,
    );
  const ui = await startUi(root);
  t.teardown(() => ui.stop());
  const auth = { authorization: `Bearer ${ui.token}` };
  const reads: { path: string; status: number; body: string }[] = [];
  const retry = async () => {
    const res = await fetch(`${ui.base}/api/model/sync.items/retry`, { method: 'POST', headers: auth });
    return { status: res.status, body: (await res.json()) as { retried?: number; message: string } };
  };
  // A user's open pages, reloaded in a loop while another clicks "send rejected rows again".
  const underReads = async <T>(action: () => Promise<T>): Promise<T> => {
    let acting = true;
    const reader = async (first: number) => {
      for (let i = first; acting || i < first + PAGES.length; i++) {
        const path = PAGES[i % PAGES.length]!;
        const res = await fetch(ui.base + path, { headers: auth, redirect: 'manual' });
        reads.push({ path, status: res.status, body: await res.text() });
      }
    };
    const readers = Array.from({ length: 6 }, (_, i) => reader(i));
    while (reads.length < 6) await new Promise((r) => setTimeout(r, 5));
    try {
      return await action();
    } finally {
      acting = false;
      await Promise.all(readers);
    }
  };

  for (let round = 0; round < ROUNDS; round++) {
    refuse = true;
    t.is(await run(), 3, 'rows rejected');
    refuse = false;
    const done = await underReads(async () => [await retry(), await retry()]);
    t.is(done[0]!.status, 200, done[0]!.body.message);
    t.is(done[0]!.body.retried, 1000);
    t.is(done[1]!.status, 200);
    t.is(done[1]!.body.retried, 0, 'the retry was applied once');
  }

  t.true(reads.length >= ROUNDS * 6 * PAGES.length);
  for (const r of reads) {
    t.is(r.status, 200, `${r.path}: ${r.body.slice(0, 300)}`);
    if (r.path.startsWith('/api/')) t.is(JSON.parse(r.body).unavailable, null, `${r.path} read the state`);
    else t.notRegex(r.body, /held by a run|scheduled run holds/, `${r.path} read the state`);
  }

  const sent = sink.requests.length;
  t.is(await run(), 0);
  const resent = sink.requests.slice(sent).flatMap((r) => (r.json as { id: number }[]).map((x) => x.id));
  t.is(resent.length, 1000, 'the next run sends exactly the rows that were rejected');
  t.true(resent.every((id) => id % 10 === 7));
});
