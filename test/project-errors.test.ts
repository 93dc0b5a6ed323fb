import test from 'ava';
import { runCommand } from '../lib/commands/run.js';
import { ProjectError } from '../lib/errors.js';
import { loadProject } from '../lib/project/index.js';
import { capture, makeProject } from './helpers/project.js';

function problems(files: Record<string, string>): string[] {
  const root = makeProject(files);
  try {
    loadProject(root);
  } catch (err) {
    if (err instanceof ProjectError)
      return err.problems.map((p) => `${p.file}${p.line ? ':' + p.line : ''}: ${p.message}`);
    throw err;
  }
  return [];
}

test('model names come from paths', (t) => {
  const root = makeProject({
    'models/mart/customers.sql': 'SELECT 1',
    'models/top.sql': 'SELECT 1',
    'models/sync/users.star': '# @kind: table\n',
  });
  const p = loadProject(root);
  t.deepEqual(
    p.models.map((m) => [m.name, m.schema, m.table, m.language, m.file]),
    [
      ['mart.customers', 'mart', 'customers', 'sql', 'models/mart/customers.sql'],
      ['sync.users', 'sync', 'users', 'star', 'models/sync/users.star'],
      ['top', 'main', 'top', 'sql', 'models/top.sql'],
    ],
  );
});

test('a misspelt directive is an error with file:line and a suggestion', (t) => {
  t.deepEqual(problems({ 'models/a/b.sql': '-- @kind: merge\n-- @uniqe_key: id\nSELECT 1 AS id' }), [
    'models/a/b.sql:2: unknown directive @uniqe_key; did you mean @unique_key? (known: @kind, @unique_key, @rate_limit, @rate_limit_key, @concurrency, @retries, @timeout, @max_steps, @shards)',
    'models/a/b.sql:1: @kind: merge needs @unique_key (the column or columns that identify a row), e.g. -- @unique_key: id',
  ]);
});

test('bad values, missing required directives and bad names are all reported together', (t) => {
  const found = problems({
    'models/a/kind.sql': '-- @kind: tabel\nSELECT 1',
    'models/a/merge.sql': '-- @kind: merge\nSELECT 1',
    'models/a/bad-name.sql': 'SELECT 1',
    'models/1a/x.sql': 'SELECT 1',
    'models/a/malformed.sql': '-- @kind table\nSELECT 1',
    'models/a/late.sql': 'SELECT 1\n-- @kind: view\n',
    'models/a/twice.sql': '-- @kind: table\n-- @kind: view\nSELECT 1',
    'models/s/tr.star': '# @kind: tracked\n# @rate_limit: fast\n',
    'models/a/sqlsend.sql': '-- @concurrency: 4\nSELECT 1',
    'models/a/deep/x.sql': 'SELECT 1',
  });
  t.deepEqual(found.sort(), [
    'models/1a/x.sql: "1a" cannot be a model name part: use letters, digits and _ and do not start with a digit',
    'models/a/bad-name.sql: "bad-name" cannot be a model name part: use letters, digits and _ and do not start with a digit',
    'models/a/deep/x.sql: models can be one folder deep at most (models/<schema>/<table>.sql); move this file up',
    'models/a/kind.sql:1: bad value "tabel" for @kind: use one of view, table, append, merge, tracked',
    "models/a/late.sql:2: directive @kind comes after the model's code and would be ignored; move it to the comment block at the top of the file",
    'models/a/malformed.sql:1: malformed directive "@kind table": write it as -- @name: value',
    'models/a/merge.sql:1: @kind: merge needs @unique_key (the column or columns that identify a row), e.g. -- @unique_key: id',
    'models/a/sqlsend.sql:1: @concurrency configures HTTP sending and only applies to .star models',
    'models/a/twice.sql:2: directive @kind is given twice (first on line 1)',
    'models/s/tr.star:1: @kind: tracked needs @unique_key (the column or columns that identify a row), e.g. # @unique_key: id',
    'models/s/tr.star:2: bad value "fast" for @rate_limit: write requests per period, e.g. 100/10s, 5/s or 600/m',
  ]);
});

test('sender directives are parsed with their units', (t) => {
  const root = makeProject({
    'models/s/u.star':
      '# @kind: tracked\n# @unique_key: id\n# @rate_limit: 100/10s\n# @concurrency: 16\n# @retries: 5\n# @timeout: 30s\n',
  });
  const m = loadProject(root).models[0]!;
  t.deepEqual(m.sender, {
    rateLimit: { requests: 100, perMs: 10_000 },
    concurrency: 16,
    retries: 5,
    timeoutMs: 30_000,
  });
  t.deepEqual(m.uniqueKey, ['id']);
});

test('a view .star model and a tracked .sql model are refused', (t) => {
  t.deepEqual(
    problems({
      'models/a/v.star': '# @kind: view\n',
      'models/a/t.sql': '-- @kind: tracked\n-- @unique_key: id\nSELECT 1 AS id',
    }).sort(),
    [
      'models/a/t.sql:1: @kind: tracked is for .star models (they send rows); use merge for an SQL model with a key',
      'models/a/v.star:1: @kind: view is for SQL models; a .star model can be table, append, merge or tracked',
    ],
  );
});

test('two files for one model are refused', (t) => {
  const found = problems({ 'models/a/x.sql': 'SELECT 1', 'models/a/x.star': '' });
  t.is(found.length, 1);
  t.regex(found[0]!, /model a\.x is also defined by models\/a\/x\.s(ql|tar)/);
});

test('a cycle is an error that prints its path', async (t) => {
  const root = makeProject({
    'models/a/one.sql': 'SELECT * FROM a.two',
    'models/a/two.sql': 'SELECT * FROM a.three',
    'models/a/three.sql': 'SELECT * FROM a.one',
  });
  const c = capture();
  const code = await runCommand({ cwd: root, selectors: [] }, c.io);
  t.is(code, 1);
  t.regex(
    c.err(),
    /dependency cycle: a\.one → a\.two → a\.three → a\.one \(→ reads from; files: models\/a\/one\.sql, models\/a\/two\.sql, models\/a\/three\.sql\)/,
  );
});

test('a run with project problems lists them all and runs nothing', async (t) => {
  const root = makeProject({
    'models/a/x.sql': '-- @kin: table\nSELECT 1',
    'models/a/y.sql': '-- @kind: nope\nSELECT 1',
  });
  const c = capture();
  const code = await runCommand({ cwd: root, selectors: [] }, c.io);
  t.is(code, 1);
  t.regex(
    c.err(),
    /2 problems in the project:\n {2}models\/a\/x\.sql:1: unknown directive @kin; did you mean @kind\?.*\n {2}models\/a\/y\.sql:1: bad value "nope"/,
  );
});

test('an SQL syntax error names the file and line and fails only that model', async (t) => {
  const root = makeProject({
    'models/a/bad.sql': '-- @kind: table\nSELECT 1\nFROM WHERE x',
    'models/a/good.sql': 'SELECT 1 AS x',
  });
  const c = capture();
  const code = await runCommand({ cwd: root, selectors: [], json: true }, c.io);
  t.is(code, 1);
  const byModel = Object.fromEntries(c.json().map((r) => [r['model'], r]));
  t.is(byModel['a.good']!['status'], 'ok');
  t.is(byModel['a.bad']!['status'], 'error');
  t.regex(String(byModel['a.bad']!['error']), /^models\/a\/bad\.sql:3: .*syntax error/);
});

test('a model that is not a SELECT is refused', async (t) => {
  const root = makeProject({ 'models/a/ins.sql': 'CREATE TABLE x AS SELECT 1' });
  const c = capture();
  await runCommand({ cwd: root, selectors: [], json: true }, c.io);
  t.regex(String(c.json()[0]!['error']), /models\/a\/ins\.sql:1: a model must be a single SELECT statement/);
});
