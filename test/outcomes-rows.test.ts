// What an outcome function is given as `rows` while its save waits (lib/runtime/held-rows.ts):
// the rows are held as their pages' sources and made again for the function — equal to
// themselves and carrying the same values — except a save holding a row whose list the script
// changed, which is kept as it is (the function sees the change). Against a real node:http sink.

import test from 'ava';
import { makeProject } from './helpers/project.js';
import { runProject } from './helpers/run.js';
import { startSink } from './helpers/sink.js';
import { withStore } from './helpers/store.js';

const SOURCE = `-- @kind: table\nSELECT range AS id, 'u' || range AS email, [range] AS tags FROM range(300)`;

const SYNC = `# @kind: tracked
# @unique_key: id
# @concurrency: 4
base = env.get("SINK", secret=False)

def per_record(response, rows):
    if rows[0] != rows[0] or rows[-1] not in rows or rows[0] == rows[1]:
        fail("rows made again are not equal to themselves alone")
    return [outcome.rejected("%s %s" % (r.email, r.tags)) if r.id % 50 == 0 else outcome.accepted for r in rows]

batch = []
for row in query("SELECT id, email, tags FROM src.users ORDER BY id"):
    if row.id in (0, 50):
        row.tags.append(-1)
    batch.append(row)
    if len(batch) == 100:
        http.post(base + "/batch", json={"n": len(batch)})
        save.rows(batch, outcome=per_record)
        batch = []
`;

test('the rows an outcome function gets: made again equal, with their values; a row whose list the script changed is the row itself', async (t) => {
  const sink = await startSink(() => ({ body: '{}' }));
  t.teardown(() => sink.close());
  const root = makeProject({ 'models/src/users.sql': SOURCE, 'models/sync/users.star': SYNC });
  const r = await runProject(root, { env: { ...process.env, SINK: sink.url } });
  t.is(sink.requests.length, 3);
  t.like(
    r.results.find((x) => x['model'] === 'sync.users'),
    { saved: 294, rejected: 6 },
    r.err,
  );
  const errors = await withStore(root, async (s) =>
    (
      await s.queryJson(
        "SELECT error FROM _ebb.failures WHERE model = 'sync.users' ORDER BY json_extract(key, '$.id')::INT",
      )
    ).map((x) => String(x['error'])),
  );
  t.deepEqual(errors, ['u0 [0, -1]', 'u50 [50, -1]', 'u100 [100]', 'u150 [150]', 'u200 [200]', 'u250 [250]']);
});
