/**
 * Sharded and unsharded runs of one model through one coordinator (a real PostgreSQL): runs in
 * different state folders (two containers) have different shard locks, so the coordinator also
 * refuses the combinations that would send a key twice — an unsharded run while a shard of the
 * same project and model runs, the reverse, and shards of two counts — with EBB_SHARD_CONFLICT,
 * while shards of one count still run side by side.
 */
import test from 'ava';
import { runCommand } from '../lib/commands/run.js';
import { PostgresCoordinator } from '../lib/coordinate/postgres.js';
import { startPostgres, type Postgres } from './helpers/postgres.js';
import { capture, makeProject } from './helpers/project.js';
import { startSink } from './helpers/sink.js';

let pg: Postgres;
test.before(async () => {
  pg = await startPostgres();
});
test.after.always(async () => {
  await pg?.stop();
});

const MODEL = [
  '# @kind: tracked',
  '# @unique_key: id',
  'BASE = env.get("SINK", secret=False)',
  'for row in query("SELECT i AS id FROM range(20) t(i)"):',
  '    http.post(BASE + "/items", json={"id": row.id})',
  '    save.row(row)',
].join('\n');

test.serial(
  'a lock with a shard layout is refused while the model runs with another count, and lets go of all it took',
  async (t) => {
    const a = await PostgresCoordinator.connect(pg.url);
    const b = await PostgresCoordinator.connect(pg.url);
    t.teardown(async () => {
      await a.close();
      await b.close();
    });
    const layout = (count: number) => ({ group: 'proj/sync.users', count });
    t.true(await a.lock('proj/sync.users/shard 0/4', layout(4)));
    // Another shard of the same count runs beside it.
    t.true(await b.lock('proj/sync.users/shard 1/4', layout(4)));
    await b.unlock('proj/sync.users/shard 1/4');
    // An unsharded run, and a shard of another count, are refused with the count in use.
    t.deepEqual(await b.lock('proj/sync.users/shard 0/1', layout(1)), { counts: [4] });
    t.deepEqual(await b.lock('proj/sync.users/shard 0/3', layout(3)), { counts: [4] });
    // Another model of the project is not concerned.
    t.true(await b.lock('proj/sync.deals/shard 0/1', { group: 'proj/sync.deals', count: 1 }));
    // The refused locks were let go: once the sharded run ends, the unsharded one takes them.
    await a.unlock('proj/sync.users/shard 0/4');
    t.true(await b.lock('proj/sync.users/shard 0/1', layout(1)));
    // And now a shard is refused by the unsharded run.
    t.deepEqual(await a.lock('proj/sync.users/shard 2/4', layout(4)), { counts: [1] });
  },
);

test.serial(
  'an unsharded ebb run is refused while a shard of the model runs elsewhere, and the reverse',
  async (t) => {
    const sink = await startSink();
    t.teardown(() => sink.close());
    const files = { 'ebb.yaml': 'name: crm\n', 'models/sync/users.star': MODEL };
    // Two containers: the same project in two folders (two states), one coordinator.
    const unsharded = makeProject(files);
    const sharded = makeProject(files);
    const env = { ...process.env, SINK: sink.url, EBB_COORDINATOR: pg.url };
    const other = await PostgresCoordinator.connect(pg.url);
    t.teardown(() => other.close());

    // A worker of 4 shards runs sync.users elsewhere.
    t.true(await other.lock('crm/sync.users/shard 3/4', { group: 'crm/sync.users', count: 4 }));
    const c = capture();
    t.is(await runCommand({ cwd: unsharded, selectors: [], json: true, env }, c.io), 1, c.err());
    const [result] = c.json();
    t.is(result?.['code'], 'EBB_SHARD_CONFLICT');
    t.regex(
      String(result?.['error']),
      /another ebb process is running sync\.users with 4 shards \(--shard I\/4\) with the same coordinator, and this run is unsharded: together they would send the keys they share twice/,
    );
    t.is(sink.requests.length, 0);
    // A shard of the same count runs beside it.
    const same = capture();
    const code = await runCommand(
      { cwd: sharded, selectors: [], json: true, env, shardSpec: '0/4' },
      same.io,
    );
    t.is(code, 0, same.err());
    const sent = sink.delivered.length;
    t.true(sent > 0 && sent < 20);
    await other.unlock('crm/sync.users/shard 3/4');

    // The reverse: an unsharded run elsewhere refuses a shard.
    t.true(await other.lock('crm/sync.users/shard 0/1', { group: 'crm/sync.users', count: 1 }));
    const rev = capture();
    t.is(await runCommand({ cwd: sharded, selectors: [], json: true, env, shardSpec: '1/4' }, rev.io), 1);
    const [refused] = rev.json();
    t.is(refused?.['code'], 'EBB_SHARD_CONFLICT');
    t.regex(String(refused?.['error']), /running sync\.users unsharded .* this run is with 4 shards/);
    t.is(sink.delivered.length, sent);
    // Once it ends, the unsharded project runs as before.
    await other.unlock('crm/sync.users/shard 0/1');
    const ok = capture();
    t.is(await runCommand({ cwd: unsharded, selectors: [], json: true, env }, ok.io), 0, ok.err());
    t.is(sink.delivered.length, sent + 20);
  },
);
