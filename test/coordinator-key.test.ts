/**
 * The coordinator set by the project file alone (`coordinator:` in ebb.yaml, its password from
 * .env), against a real PostgreSQL: two processes of the same model take its lock through it — the
 * second refuses (EBB_MODEL_LOCKED) — and its rate budget lives there; EBB_COORDINATOR wins over
 * the key; an unreachable key stops `ebb run` and `ebb serve` naming the file's line; and the
 * password reaches no output, no `_ebb` table and no byte of the state file.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pgDriver from 'pg';
import { serveCommand } from '../lib/commands/serve.js';
import { startPostgres, type Postgres } from './helpers/postgres.js';
import { capture, ebb, EBB_ARGV, makeProject, ndjson, started } from './helpers/project.js';
import { startSink } from './helpers/sink.js';
import { withStore } from './helpers/store.js';

let pg: Postgres;
test.before(async () => {
  pg = await startPostgres();
});
test.after.always(async () => {
  await pg?.stop();
});

/** The password of the key's URL (trust authentication ignores it; what matters is where it goes). */
const PASSWORD = 'pg-Pass-7e1c9a';

function syncModel(rows: number, extra: string[]): string {
  return [
    '# @kind: tracked',
    '# @unique_key: id',
    '# @retries: 0',
    ...extra,
    'BASE = env.get("SINK", secret=False)',
    `for row in query("SELECT i AS id FROM range(${rows}) t(i)"):`,
    '    http.post(BASE + "/items", json={"id": row.id})',
    '    save.row(row)',
  ].join('\n');
}

/** Every `_ebb` table of a state, as text. */
async function ebbTables(root: string): Promise<string> {
  return withStore(root, async (store) => {
    const tables = await store.queryJson(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = '_ebb'",
    );
    let text = '';
    for (const { table_name } of tables) {
      const rows = await store.queryJson(`SELECT t::VARCHAR AS r FROM _ebb."${String(table_name)}" t`);
      text += rows.map((r) => String(r['r'])).join('\n');
    }
    return text;
  });
}

test.serial(
  'the key alone: the same model started twice refuses through it; the password is nowhere',
  async (t) => {
    let secondDone = false;
    const sink = await startSink(() => ({ delayMs: secondDone ? 0 : 200 }));
    t.teardown(() => sink.close());
    const rows = 200;
    const root = makeProject({
      'ebb.yaml': `name: keyed\ncoordinator: postgres://postgres:\${PG_PASSWORD}@127.0.0.1:${pg.port}/postgres\n`,
      '.env': `PG_PASSWORD=${PASSWORD}\n`,
      'models/sync/users.star': syncModel(rows, ['# @concurrency: 2', '# @rate_limit: 1000/1s']),
    });
    const env = { ...process.env, SINK: sink.url, EBB_COORDINATOR: undefined };
    const first = started(t, [...EBB_ARGV, 'run'], { cwd: root, env });
    while (sink.requests.length === 0) await new Promise((r) => setTimeout(r, 50));
    // Another state file of the same project: only the coordinator can tell it runs elsewhere.
    const second = await ebb(['run', '--json', '--state', join(root, 'state', 'two.duckdb')], {
      cwd: root,
      env,
    });
    secondDone = true;
    t.is(second.code, 1, second.stderr);
    const [result] = ndjson(second.stdout);
    t.is(result?.['code'], 'EBB_MODEL_LOCKED');
    t.regex(
      String(result?.['error']),
      /another ebb process is running sync\.users with the same coordinator/,
    );
    t.is(await first.exited, 0, first.output());
    t.is(sink.delivered.length, rows);
    // The budget of @rate_limit was drawn from the coordinator's table.
    const client = new pgDriver.Client({ connectionString: pg.url });
    await client.connect();
    t.teardown(() => client.end());
    const budget = await client.query('SELECT key FROM ebb_rate_limits WHERE key = $1', ['keyed/sync.users']);
    t.is(budget.rowCount, 1);
    // The password: in no output, no _ebb table, no byte of either state file.
    for (const text of [first.output(), second.stdout, second.stderr]) t.false(text.includes(PASSWORD), text);
    t.false((await ebbTables(root)).includes(PASSWORD));
    for (const file of ['ebb.duckdb', 'two.duckdb'])
      t.false(readFileSync(join(root, 'state', file)).includes(Buffer.from(PASSWORD)), file);
  },
);

test.serial(
  'EBB_COORDINATOR wins over the key; an unreachable key fails the run naming its line',
  async (t) => {
    const sink = await startSink();
    t.teardown(() => sink.close());
    const root = makeProject({
      // Port 1: nothing listens there.
      'ebb.yaml': `coordinator: postgres://postgres:\${PG_PASSWORD}@127.0.0.1:1/postgres\n`,
      '.env': `PG_PASSWORD=${PASSWORD}\n`,
      'models/sync/users.star': syncModel(3, []),
    });
    const alone = await ebb(['run'], { cwd: root, env: { SINK: sink.url, EBB_COORDINATOR: undefined } });
    t.is(alone.code, 1, alone.stderr);
    t.regex(alone.stderr, /coordinator: cannot .*the coordinator set by ebb\.yaml:1 \(coordinator:\)/);
    t.false(alone.stderr.includes(PASSWORD) || alone.stdout.includes(PASSWORD));
    t.is(sink.requests.length, 0);
    const over = await ebb(['run'], { cwd: root, env: { SINK: sink.url, EBB_COORDINATOR: pg.url } });
    t.is(over.code, 0, over.stderr);
    t.is(sink.delivered.length, 3);
  },
);

test.serial('ebb serve connects to the key at start and says where it came from', async (t) => {
  const yaml = (port: number) =>
    `coordinator: postgres://postgres:\${PG_PASSWORD}@127.0.0.1:${port}/postgres\n`;
  const files = { '.env': `PG_PASSWORD=${PASSWORD}\n`, 'models/raw/x.sql': 'SELECT 1 AS a' };
  const env = { ...process.env, EBB_COORDINATOR: undefined };
  const down = capture();
  const unreachable = makeProject({ ...files, 'ebb.yaml': yaml(1) });
  t.is(await serveCommand({ cwd: unreachable, port: 0, env }, down.io), 1);
  t.regex(down.err(), /error: coordinator: cannot .*set by ebb\.yaml:1 \(coordinator:\)/);
  t.notRegex(down.err(), /the dashboard:/);
  const up = capture();
  const stop = new AbortController();
  const done = serveCommand(
    { cwd: makeProject({ ...files, 'ebb.yaml': yaml(pg.port) }), port: 0, signal: stop.signal, env },
    up.io,
  );
  while (!/the dashboard:/.test(up.err())) await new Promise((r) => setTimeout(r, 50));
  stop.abort();
  t.is(await done, 0, up.err());
  t.regex(up.err(), /sharing limits and locks through ebb\.yaml:1 \(coordinator:\)/);
  for (const text of [down.err(), up.err(), up.out()]) t.false(text.includes(PASSWORD));
});
