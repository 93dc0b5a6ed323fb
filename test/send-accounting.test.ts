// Run accounting of tracked models: rows the script did not acknowledge are `unsaved`, not
// failures (exit 0, said in the human line); a model failing half-way reports the
// acknowledgements it made, not rows: null. (ebb run --offline commits nothing because it
// runs on a scratch copy of the state: see offline-run.test.ts.)

import test from 'ava';
import { makeProject } from './helpers/project.js';
import { runProject } from './helpers/run.js';
import { withStore } from './helpers/store.js';

const ITEMS = "-- @kind: table\nSELECT range AS id, 'item ' || range AS name FROM range(10)";

const run = (root: string, env: Record<string, string> = {}) =>
  runProject(root, { env: { ...process.env, ...env } });

test('rows the script does not acknowledge are unsaved, not failed: exit 0, and the human line says they come back', async (t) => {
  const root = makeProject({
    'models/src/items.sql': ITEMS,
    'models/sync/items.star':
      '# @kind: tracked\n# @unique_key: id\nfor row in query("SELECT * FROM src.items"):\n    if row.id % 2 == 0:\n        save.row(row)\n',
  });
  const r = await run(root);
  t.is(r.code, 0, r.err);
  t.like(r.results[1], { status: 'ok', rows: 5, saved: 5, failed: 0, unsaved: 5 });
  t.regex(r.err, /5 rows were not acknowledged by the script \(save\.row\); they come back next run/);
  const runs = await withStore(root, (s) =>
    s.queryJson("SELECT status, details FROM _ebb.runs WHERE model = 'sync.items'"),
  );
  t.like(JSON.parse(String(runs[0]!['details'])), { failed: 0, unsaved: 5 });
});

test('a tracked model failing half-way reports the acknowledgements it made', async (t) => {
  const root = makeProject({
    'models/src/items.sql': ITEMS,
    'models/sync/items.star':
      '# @kind: tracked\n# @unique_key: id\nfor row in query("SELECT * FROM src.items ORDER BY id"):\n    if row.id == 6:\n        fail("boom")\n    save.row(row)\n',
  });
  const r = await run(root);
  t.is(r.code, 1);
  t.like(r.results[1], { status: 'error', rows: 6, saved: 6, failed: 0, unsaved: 4 });
  const runs = await withStore(root, (s) =>
    s.queryJson("SELECT rows::DOUBLE AS rows FROM _ebb.runs WHERE model = 'sync.items'"),
  );
  t.deepEqual(runs, [{ rows: 6 }]);
});
