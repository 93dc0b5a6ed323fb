/**
 * `ebb serve` with a coordinator (EBB_COORDINATOR, a real PostgreSQL): it connects at start — an
 * unreachable coordinator stops the start —, and its scheduled runs take the model's lock and
 * draw its @rate_limit from the shared budget as `ebb run` does: a model another process runs is
 * refused (EBB_MODEL_LOCKED) until that process lets go, then the next scheduled run sends.
 */
import test from 'ava';
import pgDriver from 'pg';
import { serveCommand } from '../lib/commands/serve.js';
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

async function until(what: () => boolean, err: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!what()) {
    if (Date.now() > deadline) throw new Error(err());
    await new Promise((r) => setTimeout(r, 50));
  }
}

test.serial('scheduled runs take the model lock and its rate budget from the coordinator', async (t) => {
  const sink = await startSink();
  t.teardown(() => sink.close());
  const root = makeProject({
    'ebb.yaml': ['name: crm', 'schedules:', '  - select: sync.items', "    cron: '* * * * * *'"].join('\n'),
    'models/sync/items.star': [
      '# @kind: tracked',
      '# @unique_key: id',
      '# @rate_limit: 50/1s',
      'BASE = env.get("SINK", secret=False)',
      'for row in query("SELECT i AS id FROM range(5) t(i)"):',
      '    http.post(BASE + "/items", json={"id": row.id})',
      '    save.row(row)',
    ].join('\n'),
  });
  // Another process (a container of the same project) runs sync.items.
  const other = await PostgresCoordinator.connect(pg.url);
  t.teardown(() => other.close());
  t.true(await other.lock('crm/sync.items/shard 0/1', { group: 'crm/sync.items', count: 1 }));
  const c = capture();
  const stop = new AbortController();
  const env = { ...process.env, SINK: sink.url, EBB_COORDINATOR: pg.url };
  const done = serveCommand({ cwd: root, port: 0, signal: stop.signal, env }, c.io);
  t.teardown(() => stop.abort());
  await until(() => /serve: ran sync\.items: exit 1/.test(c.err()), c.err);
  t.regex(c.err(), /sharing limits and locks through EBB_COORDINATOR/);
  t.regex(c.err(), /another ebb process is running sync\.items with the same coordinator/);
  t.is(sink.requests.length, 0);
  // Once it lets go, the next scheduled run sends, drawing from the budget crm/sync.items.
  await other.unlock('crm/sync.items/shard 0/1');
  await until(() => /serve: ran sync\.items: exit 0/.test(c.err()), c.err);
  stop.abort();
  t.is(await done, 0, c.err());
  t.is(sink.delivered.length, 5);
  const client = new pgDriver.Client({ connectionString: pg.url });
  await client.connect();
  t.teardown(() => client.end());
  const budget = await client.query('SELECT interval_ms FROM ebb_rate_limits WHERE key = $1', [
    'crm/sync.items',
  ]);
  // 50/1s: a slot every 20 ms (and the GCRA's slack), leased from PostgreSQL.
  const interval = Number(budget.rows[0]?.interval_ms);
  t.true(interval >= 20 && interval < 20.5, `${interval} ms`);
});

test.serial('an unreachable coordinator stops ebb serve at start', async (t) => {
  const root = makeProject({ 'models/raw/x.sql': 'SELECT 1 AS a' });
  const c = capture();
  const env = { ...process.env, EBB_COORDINATOR: 'postgres://ebb@127.0.0.1:1/ebb' };
  t.is(await serveCommand({ cwd: root, port: 0, env }, c.io), 1);
  t.regex(c.err(), /error: coordinator: cannot create the coordinator tables/);
  t.notRegex(c.err(), /the dashboard:/);
});
