/**
 * The project file (ebb.yaml): parsed with every mistake reported at its line (and a "did you
 * mean"), turned into DuckDB statements without DuckDB, and applied when the state opens —
 * settings visible through current_setting, an attached DuckDB file read by a model as a source,
 * secrets from `${VAR}`s never shown in an error, validate reporting what is missing.
 */
import test from 'ava';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { runCommand } from '../lib/commands/run.js';
import { sqlCommand } from '../lib/commands/sql.js';
import { validateCommand } from '../lib/commands/validate.js';
import type { ProjectProblem } from '../lib/errors.js';
import { parseProjectFile, projectSetup, type ProjectFile } from '../lib/project/index.js';
import { capture, makeProject, tempDir } from './helpers/project.js';

function parse(text: string): { file: ProjectFile; problems: ProjectProblem[] } {
  const problems: ProjectProblem[] = [];
  return { file: parseProjectFile('ebb.yaml', text, problems), problems };
}

const GOOD = `# settings for DuckDB
duckdb:
  threads: 3
  memory_limit: 300MB
extensions:
  - spatial
  - path: vendor/x.duckdb_extension
sources:
  crm:
    type: duckdb
    path: data/crm.duckdb
  pg:
    type: postgres
    url: "host=db user=ebb password=\${PG_PASSWORD}"
secrets:
  lake:
    type: s3
    key_id: AKIA
    secret: \${AWS_SECRET}
    region: eu-west-1
`;

test('a valid project file is read section by section, each entry with its line', (t) => {
  const { file, problems } = parse(GOOD);
  t.deepEqual(problems, []);
  t.deepEqual(file.duckdb, [
    { name: 'threads', value: 3, line: 3 },
    { name: 'memory_limit', value: '300MB', line: 4 },
  ]);
  t.deepEqual(file.extensions, [
    { name: 'spatial', line: 6 },
    { path: 'vendor/x.duckdb_extension', line: 7 },
  ]);
  t.deepEqual(
    file.sources.map((s) => [s.name, s.type, s.target, s.line]),
    [
      ['crm', 'duckdb', 'data/crm.duckdb', 9],
      ['pg', 'postgres', 'host=db user=ebb password=${PG_PASSWORD}', 12],
    ],
  );
  t.deepEqual(file.secrets[0]?.options, [
    { name: 'key_id', value: 'AKIA' },
    { name: 'secret', value: '${AWS_SECRET}' },
    { name: 'region', value: 'eu-west-1' },
  ]);
});

test('every mistake of a project file is reported at its line, with a suggestion where one is near', (t) => {
  const { problems } = parse(
    [
      'duckd:', //                       1: unknown section
      '  threads: 2',
      'sources:',
      '  crm:', //                       4
      '    type: duckbd', //             5: unknown type
      '    path: x.duckdb',
      '  main:', //                      7: reserved name
      '    type: duckdb',
      '    path: y.duckdb',
      '  pg:', //                        10
      '    type: postgres',
      '    path: nope', //               12: postgres takes url
      '  noType:', //                    13
      '    path: z.duckdb',
      'extensions:',
      '  - "bad name"', //               16
    ].join('\n'),
  );
  const got = problems.map((p) => `${p.line}: ${p.message}`);
  t.is(got.length, 7, got.join('\n'));
  t.regex(got[0]!, /^1: unknown key "duckd" in ebb\.yaml; did you mean "duckdb"\?/);
  t.regex(
    got[1]!,
    /^5: sources\.crm\.type "duckbd" is not one of duckdb, sqlite, postgres, mysql; did you mean "duckdb"\?/,
  );
  t.regex(got[2]!, /^7: sources: "main" cannot name a source/);
  t.regex(got[3]!, /^12: unknown key "path" in sources\.pg.*\(known: type, url\)/);
  t.regex(got[4]!, /^10: sources\.pg \(type postgres\) needs url/);
  t.regex(got[5]!, /^13: sources\.noType needs a type/);
  t.regex(got[6]!, /^16: an extension is a name/);
  t.true(problems.every((p) => p.code === 'EBB_PROJECT_FILE' && p.file === 'ebb.yaml'));
});

test('a file that is not YAML is reported at the line of the error', (t) => {
  const { problems } = parse('duckdb:\n  threads: 2\n   memory_limit: [1\n');
  t.true(problems.length >= 1);
  t.regex(problems[0]!.message, /^not valid YAML: /);
  t.is(problems[0]!.line, 2);
  t.notRegex(problems[0]!.message, /at line/);
});

test('the statements: settings, then extensions, secrets and sources; ${VAR}s expanded and kept as secrets', (t) => {
  const { file } = parse(GOOD);
  const setup = projectSetup('/p', file, { PG_PASSWORD: 'pa/ss+w"rd', AWS_SECRET: 's3cr3t' });
  t.deepEqual(
    setup.steps.map((s) => s.sql),
    [
      `SET "threads" = 3`,
      `SET "memory_limit" = '300MB'`,
      `LOAD "spatial"`,
      `LOAD '/p/vendor/x.duckdb_extension'`,
      `CREATE OR REPLACE TEMPORARY SECRET "lake" (TYPE "s3", KEY_ID 'AKIA', SECRET 's3cr3t', REGION 'eu-west-1')`,
      `ATTACH '/p/data/crm.duckdb' AS "crm" (READ_ONLY)`,
      `ATTACH 'host=db user=ebb password=pa/ss+w"rd' AS "pg" (TYPE postgres, READ_ONLY)`,
    ],
  );
  t.deepEqual([...setup.secrets].sort(), ['pa/ss+w"rd', 's3cr3t']);
  t.deepEqual(setup.missing, []);
  t.deepEqual(setup.steps.find((s) => s.what === 'sources.pg')?.secrets, ['pa/ss+w"rd']);
});

test('environment variables win over the file, and a ${VAR} set nowhere is reported with its line', (t) => {
  const { file } = parse(GOOD);
  const setup = projectSetup('/p', file, { EBB_DUCKDB_THREADS: '1', EBB_MEMORY_LIMIT: '1GB' });
  t.false(setup.steps.some((s) => s.what.startsWith('duckdb.')));
  t.deepEqual(setup.missing, [
    { name: 'AWS_SECRET', line: 16 },
    { name: 'PG_PASSWORD', line: 12 },
  ]);
});

async function crmDatabase(dir: string): Promise<string> {
  const path = join(dir, 'crm.duckdb');
  const db = await DuckDBInstance.create(path);
  const c = await db.connect();
  await c.run("CREATE TABLE customers AS SELECT i AS id, 'c' || i AS name FROM range(5) t(i)");
  c.closeSync();
  db.closeSync();
  return path;
}

test('a run applies the settings and reads an attached DuckDB file as a source', async (t) => {
  const dir = tempDir();
  await crmDatabase(dir);
  const root = makeProject({
    'ebb.yaml': `duckdb:\n  threads: 3\nsources:\n  crm:\n    type: duckdb\n    path: \${CRM_DIR}/crm.duckdb\n`,
    'models/raw/customers.sql': 'SELECT id, name FROM crm.main.customers',
    'models/mart/n.sql': 'SELECT count(*) AS n FROM raw.customers',
  });
  const env = { ...process.env, CRM_DIR: dir };
  const c = capture();
  t.is(await runCommand({ cwd: root, env, selectors: [] }, c.io), 0, c.err());
  const q = capture();
  await sqlCommand(
    {
      cwd: root,
      env,
      sql: "SELECT current_setting('threads')::INT AS threads, (SELECT n FROM mart.n)::INT AS n",
      format: 'json',
      maxRows: 10,
    },
    q.io,
  );
  t.deepEqual(q.json(), [{ threads: 3, n: 5 }]);
  const v = capture();
  t.is(await validateCommand({ cwd: root, env }, v.io), 0, v.err());
});

test('a setting DuckDB refuses fails at the file line with its suggestion; a secret is never in the error', async (t) => {
  const root = makeProject({
    'ebb.yaml': 'duckdb:\n  thread: 2\n',
    'models/a.sql': 'SELECT 1 AS x',
  });
  const c = capture();
  t.is(await runCommand({ cwd: root, selectors: [] }, c.io), 1);
  t.regex(c.err(), /ebb\.yaml:2: duckdb\.thread: .*unrecognized configuration parameter "thread".*"threads"/);

  const secret = 'pa/ss+w=rd"\\%é';
  const dir = tempDir();
  const root2 = makeProject({
    'ebb.yaml': `sources:\n  crm:\n    type: duckdb\n    path: ${dir}/\${CRM_FILE}\n`,
    'models/a.sql': 'SELECT 1 AS x',
  });
  const env = { ...process.env, CRM_FILE: secret };
  const r = capture();
  t.is(await runCommand({ cwd: root2, env, selectors: [] }, r.io), 1);
  t.regex(r.err(), /ebb\.yaml:2: sources\.crm: /);
  t.false(r.err().includes(secret), r.err());
  t.false(r.err().includes(encodeURIComponent(secret)), r.err());
});

test('validate reports a ${VAR} of the project file that is set nowhere, and a refused statement', async (t) => {
  const root = makeProject({
    'ebb.yaml':
      'duckdb:\n  memory_limit: lots\nsources:\n  crm:\n    type: duckdb\n    path: ${NOWHERE_SET_X}\n',
    'models/a.sql': 'SELECT 1 AS x',
  });
  const env = { ...process.env, NOWHERE_SET_X: undefined, EBB_MEMORY_LIMIT: undefined };
  const c = capture();
  t.is(await validateCommand({ cwd: root, env }, c.io), 1);
  t.regex(c.err(), /ebb\.yaml:4: \$\{NOWHERE_SET_X\} is set nowhere/);
  t.regex(c.err(), /ebb\.yaml:2: duckdb\.memory_limit: /);
  const r = capture();
  t.is(await runCommand({ cwd: root, env, selectors: [] }, r.io), 1);
  t.regex(r.err(), /ebb\.yaml:4: \$\{NOWHERE_SET_X\} is set nowhere/);
});

test('a source named like a models folder is refused', async (t) => {
  const root = makeProject({
    'ebb.yaml': 'sources:\n  raw:\n    type: duckdb\n    path: x.duckdb\n',
    'models/raw/a.sql': 'SELECT 1 AS x',
  });
  const c = capture();
  t.is(await validateCommand({ cwd: root }, c.io), 1);
  t.regex(c.err(), /ebb\.yaml:2: source "raw" has the name of the models\/raw\/ folder/);
});

test('schedules and alerts: every or cron per selection, each mistake at its line', (t) => {
  const good = parse(
    [
      'schedules:',
      '  - select: sync.*',
      '    every: 15m',
      '  - select: [raw.a, raw.b]',
      "    cron: '0 * * * *'",
      'alerts:',
      '  slack: ${SLACK_URL}',
      '  stale_after: 2h',
    ].join('\n'),
  );
  t.deepEqual(good.problems, []);
  t.deepEqual(good.file.schedules, [
    { select: ['sync.*'], every: { ms: 900_000, text: '15m' }, line: 2 },
    { select: ['raw.a', 'raw.b'], cron: '0 * * * *', line: 4 },
  ]);
  t.is(good.file.alerts?.staleAfterMs, 7_200_000);
  const setup = projectSetup('/p', good.file, {});
  t.deepEqual(setup.missing, []);
  t.deepEqual(setup.missingForServe, [{ name: 'SLACK_URL', line: 6 }]);

  const bad = parse(
    [
      'schedules:',
      '  - select: sync.*', // 2: neither every nor cron
      '  - select: raw.*',
      "    cron: '61 * * * *'", // 4
      '  - select: x',
      '    every: 10ms', // 6
      'alerts:',
      '  slak: x', // 8
    ].join('\n'),
  );
  const got = bad.problems.map((p) => `${p.line}: ${p.message}`);
  t.is(got.length, 4, got.join('\n'));
  t.regex(got[0]!, /^2: a schedule needs exactly one of every:/);
  t.regex(got[1]!, /^4: cron: "61 \* \* \* \*" is not a cron expression/);
  t.regex(got[2]!, /^6: every: "10ms" is not a duration of at least 1s/);
  t.regex(got[3]!, /^8: unknown key "slak" in alerts; did you mean "slack"\?/);
});

test('validate reports a literal env.get without a default whose variable is set nowhere, at its line', async (t) => {
  const root = makeProject({
    'models/sync/a.star': [
      '# @kind: tracked',
      '# @unique_key: id',
      'TOKEN = env.get("NOWHERE_TOKEN_Q")', // 3: required, set nowhere
      'URL = env.get("NOWHERE_URL_Q", secret=False)', // 4: required too
      'OPT = env.get("NOWHERE_OPT_Q", None)', // a default: fine
      'SET = env.get("SET_IN_DOTENV_Q")', // set in .env: fine
      '# env.get("IN_A_COMMENT_Q")',
      'for row in query("SELECT 1 AS id"):',
      '    save.row(row)',
    ].join('\n'),
    '.env': 'SET_IN_DOTENV_Q=x\n',
  });
  const env = { ...process.env, NOWHERE_TOKEN_Q: undefined, NOWHERE_URL_Q: undefined };
  const c = capture();
  t.is(await validateCommand({ cwd: root, env }, c.io), 1);
  t.regex(c.err(), /models\/sync\/a\.star:3: env\.get\("NOWHERE_TOKEN_Q"\) reads a variable set nowhere/);
  t.regex(c.err(), /models\/sync\/a\.star:4: env\.get\("NOWHERE_URL_Q"\) reads a variable set nowhere/);
  t.notRegex(c.err(), /NOWHERE_OPT_Q|SET_IN_DOTENV_Q|IN_A_COMMENT_Q/);
  const ok = capture();
  t.is(
    await validateCommand({ cwd: root, env: { ...env, NOWHERE_TOKEN_Q: 't', NOWHERE_URL_Q: 'u' } }, ok.io),
    0,
    ok.err(),
  );
});

test('a value of the project file reaches no output of a run: the run redacts it like env.get secrets', async (t) => {
  const dir = tempDir();
  await crmDatabase(dir);
  const root = makeProject({
    'ebb.yaml': 'sources:\n  crm:\n    type: duckdb\n    path: ${CRM_DIR_Q}/crm.duckdb\n',
    // secret=False: env.get itself would not redact it; the project file's use of it does.
    'models/sync/p.star': 'print("dir is " + env.get("CRM_DIR_Q", secret=False))\nsave.row({"x": 1})\n',
  });
  const c = capture();
  t.is(
    await runCommand({ cwd: root, env: { ...process.env, CRM_DIR_Q: dir }, selectors: [] }, c.io),
    0,
    c.err(),
  );
  t.regex(c.err(), /dir is \*\*\*/);
  t.false(c.err().includes(dir));
});
