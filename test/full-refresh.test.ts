// `ebb run --full-refresh` records its intent before it resets anything, and each model's reset
// clears its own entry in the same transaction: a run killed in between (kill -9) leaves the
// models still to reset, and the next run that plans them finishes the refresh and says so.
// The killed state is made with the owner's own functions (intent committed, one reset done).

import test from 'ava';
import { statusCommand } from '../lib/commands/status.js';
import { pendingRefreshes, recordRefresh, resetModelState } from '../lib/store/index.js';
import { capture, makeProject } from './helpers/project.js';
import { runProject } from './helpers/run.js';
import { withStore } from './helpers/store.js';

const SENDER = (name: string) => `# @kind: tracked
# @unique_key: id
for row in query("SELECT * FROM src.users"):
    print("${name}", row.id)
    save.row(row)
`;

function project(): string {
  return makeProject({
    'models/src/users.sql': "-- @kind: table\nSELECT * FROM (VALUES (1, 'a'), (2, 'b')) t(id, name)",
    'models/sync/a.star': SENDER('a'),
    'models/sync/b.star': SENDER('b'),
  });
}

async function run(root: string, selectors: string[] = [], fullRefresh = false) {
  const r = await runProject(root, {
    selectors,
    json: false,
    ...(fullRefresh ? { fullRefresh, yes: true } : {}),
  });
  const sent = r.prints
    .filter((p) => /^sync\.\w$/.test(p.model) && /^[ab] \d$/.test(p.line))
    .map((p) => p.line);
  return { ...r, sent };
}

test('a --full-refresh completes: every row is sent again and no intent is left behind', async (t) => {
  const root = project();
  t.is((await run(root)).sent.length, 4);
  const r = await run(root, ['sync.a', 'sync.b'], true);
  t.is(r.code, 0, r.err);
  t.deepEqual(r.sent, ['a 1', 'a 2', 'b 1', 'b 2']);
  t.deepEqual(await withStore(root, pendingRefreshes), []);
  t.notRegex(r.err, /did not finish/);
});

test('a --full-refresh killed after its first reset is finished by the next run, which says so', async (t) => {
  const root = project();
  t.is((await run(root)).sent.length, 4);
  // What kill -9 leaves between the two resets: the intent, and sync.a reset.
  await withStore(root, async (store) => {
    await recordRefresh(store, ['sync.a', 'sync.b']);
    await resetModelState(store, { name: 'sync.a', schema: 'sync', table: 'a' }, true);
  });
  t.deepEqual(
    (await withStore(root, pendingRefreshes)).map((p) => p.model),
    ['sync.b'],
  );
  // ebb status says so, before the next run.
  const status = capture();
  t.is(await statusCommand({ cwd: root, models: [] }, status.io), 0);
  t.regex(
    status.out(),
    /sync\.b \(tracked\)\n.*\n  refresh    pending: a --full-refresh stopped before resetting it/,
  );
  t.notRegex(status.out(), /sync\.a \(tracked\)\n.*\n  refresh/);
  const json = capture();
  await statusCommand({ cwd: root, models: [], json: true }, json.io);
  t.deepEqual(
    json.json().map((m) => [m['model'], m['refresh_pending']]),
    [
      ['src.users', false],
      ['sync.a', false],
      ['sync.b', true],
    ],
  );
  const next = await run(root);
  t.is(next.code, 0, next.err);
  t.regex(
    next.err,
    /note: the --full-refresh asked at \S+Z did not finish \(the run was stopped\); finishing it now\nRESET sync\.b\n/,
  );
  t.notRegex(next.err, /RESET sync\.a/);
  t.deepEqual(next.sent, ['a 1', 'a 2', 'b 1', 'b 2']);
  t.deepEqual(await withStore(root, pendingRefreshes), []);
  const after = await run(root);
  t.deepEqual(after.sent, []);
  t.notRegex(after.err, /full-refresh/);
});

test('an unfinished refresh of a model outside the run is kept and named, then finished by a run that has it', async (t) => {
  const root = project();
  await run(root);
  await withStore(root, (store) => recordRefresh(store, ['sync.b']));
  const other = await run(root, ['sync.a']);
  t.is(other.code, 0, other.err);
  t.regex(other.err, /has yet to reset sync\.b; it does when a run includes it \(ebb run sync\.b\)/);
  t.deepEqual(other.sent, []);
  const b = await run(root, ['sync.b']);
  t.regex(b.err, /RESET sync\.b/);
  t.deepEqual(b.sent, ['b 1', 'b 2']);
  t.deepEqual(await withStore(root, pendingRefreshes), []);
});
