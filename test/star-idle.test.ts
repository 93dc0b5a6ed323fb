// A tracked script that only loops over its delta does nothing when the delta is empty, so a
// no-change run does not start its worker at all (the run costs the delta alone); any other
// script still runs every time.

import test from 'ava';
import { scanStarSql } from '../lib/runtime/star-sql.js';
import type { Model } from '../lib/project/index.js';
import { makeProject, writeFiles } from './helpers/project.js';
import { runProject } from './helpers/run.js';

const USERS = "-- @kind: table\nSELECT * FROM (VALUES (1, 'a@x'), (2, 'b@x')) t(id, email)";

function deltaOnly(source: string): boolean {
  return scanStarSql({ file: 'models/x.star', source, language: 'star' } as unknown as Model).deltaOnly;
}

test('the scan tells scripts that only loop over the delta from the others', (t) => {
  t.true(
    deltaOnly(
      '"""Sync users."""\nfor row in query("SELECT * FROM src.users"):\n    save.row(row)\nfor row in deleted():\n    save.delete(row)\n',
    ),
  );
  t.true(deltaOnly('for row in query("SELECT * FROM src.users WHERE id > ?", 3):\n    print(row)\n'));
  t.false(deltaOnly('print("hello")\nfor row in query("SELECT 1 AS id"):\n    save.row(row)\n'));
  t.false(
    deltaOnly('url = env.get("URL")\nfor row in query("SELECT 1 AS id"):\n    http.post(url, json=row)\n'),
  );
  t.false(deltaOnly('load("lib/x.star", "f")\nfor row in query("SELECT 1 AS id"):\n    f(row)\n'));
  t.false(deltaOnly('for row in query(sql):\n    save.row(row)\n'));
  t.false(deltaOnly('for row in query("SELECT 1 AS id", delta=False):\n    save.row(row)\n'));
  t.false(deltaOnly('for row in list(query("SELECT 1 AS id")):\n    save.row(row)\n'));
});

/** run runs the project in-process with EBB_DEBUG=star, keeping the trace lines of the debug channel. */
async function run(root: string) {
  const r = await runProject(root, { env: { ...process.env, EBB_DEBUG: 'star' } });
  return { ...r, traced: r.err.split('\n').filter((l) => l.startsWith('[star]')) };
}

test('a no-change run of a delta-only script does not start it; a script with top-level code runs every time', async (t) => {
  const root = makeProject({
    'models/src/users.sql': USERS,
    'models/sync/users.star':
      '# @kind: tracked\n# @unique_key: id\nfor row in query("SELECT * FROM src.users"):\n    save.row(row)\n',
    'models/sync/noisy.star':
      '# @kind: tracked\n# @unique_key: id\nprint("started")\nfor row in query("SELECT * FROM src.users"):\n    save.row(row)\n',
  });
  const first = await run(root);
  t.is(first.code, 0, first.err);
  t.like(
    first.results.find((r) => r['model'] === 'sync.users'),
    { new: 2, saved: 2 },
  );
  t.deepEqual(first.traced, []);
  const second = await run(root);
  t.is(second.code, 0, second.err);
  t.like(
    second.results.find((r) => r['model'] === 'sync.users'),
    { status: 'ok', new: 0, changed: 0, deleted: 0, saved: 0 },
  );
  t.deepEqual(second.traced, [
    '[star] sync.users: the delta is empty and the script only loops over it; not started',
  ]);
  t.is(
    second.err.split('\n').filter((l) => l.endsWith(': started')).length,
    1,
    'the script with top-level code ran again',
  );
  // A change: the delta-only script runs and sends it.
  writeFiles(root, { 'models/src/users.sql': USERS.replace("'b@x'", "'B@x'") });
  const third = await run(root);
  t.is(third.code, 0, third.err);
  t.like(
    third.results.find((r) => r['model'] === 'sync.users'),
    { changed: 1, saved: 1 },
  );
  t.deepEqual(third.traced, []);
});
