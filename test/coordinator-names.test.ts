/**
 * How a project and its models are named in the coordinator: ebb.yaml's `name:` when set (so two
 * checkouts in folders named differently share budgets and locks), else the folder's name; a
 * model's lock is per shard (an unsharded run is shard 0 of 1), its rate budget is not. Checked
 * on the project file, on the names, and through `ebb run` against a real PostgreSQL holding the
 * lock the name gives.
 */
import test from 'ava';
import { basename } from 'node:path';
import { runCommand } from '../lib/commands/run.js';
import { PostgresCoordinator } from '../lib/coordinate/postgres.js';
import type { ProjectProblem } from '../lib/errors.js';
import { loadProject, parseProjectFile, projectName } from '../lib/project/index.js';
import { lockName, rateLimitKey } from '../lib/runtime/shared-run.js';
import { startPostgres, type Postgres } from './helpers/postgres.js';
import { capture, makeProject } from './helpers/project.js';
import { startSink } from './helpers/sink.js';

test('the project file names the project; a name a coordinator key cannot hold is refused at its line', (t) => {
  const problems: ProjectProblem[] = [];
  t.is(parseProjectFile('ebb.yaml', 'name: crm-sync.eu_1\n', problems).name, 'crm-sync.eu_1');
  t.deepEqual(problems, []);
  const bad = parseProjectFile('ebb.yaml', 'duckdb:\n  threads: 2\nname: crm/eu\n', problems);
  t.is(bad.name, undefined);
  t.is(problems.length, 1);
  t.like(problems[0], { code: 'EBB_PROJECT_FILE', file: 'ebb.yaml', line: 3 });
  t.regex(problems[0]!.message, /name "crm\/eu" must be letters, digits, "\.", "_" and "-"/);
  problems.length = 0;
  parseProjectFile('ebb.yaml', 'nme: crm\n', problems);
  t.regex(problems[0]!.message, /unknown key "nme".*did you mean "name"/);
});

test("a project's name is ebb.yaml's name: when set, else its folder's", (t) => {
  const named = makeProject({ 'ebb.yaml': 'name: crm\n', 'models/a.sql': 'SELECT 1 AS x' });
  const plain = makeProject({ 'models/a.sql': 'SELECT 1 AS x' });
  t.is(projectName(loadProject(named)), 'crm');
  t.is(projectName(loadProject(plain)), basename(plain));
});

test("a model's lock names its shard; its rate budget is shared by every shard", (t) => {
  t.is(lockName('crm', 'sync.users'), 'crm/sync.users/shard 0/1');
  t.is(lockName('crm', 'sync.users', { index: 2, count: 4 }), 'crm/sync.users/shard 2/4');
  t.not(
    lockName('crm', 'sync.users', { index: 1, count: 4 }),
    lockName('crm', 'sync.users', { index: 2, count: 4 }),
  );
  const root = makeProject({
    'models/sync/users.star': '# @rate_limit: 10/1s\nprint(1)\n',
    'models/sync/deals.star': '# @rate_limit: 10/1s\n# @rate_limit_key: portal-9\nprint(1)\n',
  });
  const models = new Map(loadProject(root).models.map((m) => [m.name, m]));
  t.is(rateLimitKey(models.get('sync.users')!, 'crm'), 'crm/sync.users');
  t.is(rateLimitKey(models.get('sync.deals')!, 'crm'), 'portal-9');
});

let pg: Postgres;
test.before(async () => {
  pg = await startPostgres();
});
test.after.always(async () => {
  await pg?.stop();
});

test.serial("ebb run takes the lock under ebb.yaml's name, whatever the folder is called", async (t) => {
  const sink = await startSink();
  t.teardown(() => sink.close());
  const root = makeProject({
    'ebb.yaml': 'name: crm\n',
    'models/sync/users.star': [
      '# @kind: tracked',
      '# @unique_key: id',
      'BASE = env.get("SINK", secret=False)',
      'for row in query("SELECT i AS id FROM range(5) t(i)"):',
      '    http.post(BASE + "/items", json={"id": row.id})',
      '    save.row(row)',
    ].join('\n'),
  });
  // Another process (another checkout of crm, in a folder of another name) runs sync.users.
  const other = await PostgresCoordinator.connect(pg.url);
  t.true(await other.lock('crm/sync.users/shard 0/1'));
  const env = { ...process.env, SINK: sink.url, EBB_COORDINATOR: pg.url };
  const c = capture();
  t.is(await runCommand({ cwd: root, selectors: [], json: true, env }, c.io), 1, c.err());
  const [result] = c.json();
  t.is(result?.['code'], 'EBB_MODEL_LOCKED');
  t.regex(String(result?.['error']), /lock "crm\/sync\.users\/shard 0\/1"/);
  t.is(sink.requests.length, 0);
  // Once it lets go, this checkout runs.
  await other.close();
  const again = capture();
  t.is(await runCommand({ cwd: root, selectors: [], json: true, env }, again.io), 0, again.err());
  t.is(sink.delivered.length, 5);
});
