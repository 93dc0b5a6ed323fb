/**
 * The project file's `coordinator:` key without a PostgreSQL: read with its line, a scheme that is
 * not postgres:// refused at its line without repeating the URL, its `${VAR}`s expanded and kept
 * as secrets, checked again once expanded; EBB_COORDINATOR winning over it; `ebb validate`
 * reporting a variable set nowhere and a bad scheme; `ebb run` stopping on them rather than
 * running without the shared limits. (test/coordinator-key.test.ts runs it against a real one.)
 */
import test from 'ava';
import { coordinatorOf } from '../lib/commands/coordinator.js';
import { runCommand } from '../lib/commands/run.js';
import { validateCommand } from '../lib/commands/validate.js';
import { ProjectError, type ProjectProblem } from '../lib/errors.js';
import { parseProjectFile, projectSetup, type ProjectFile } from '../lib/project/index.js';
import { openContext } from '../lib/run/index.js';
import { capture, makeProject } from './helpers/project.js';

function parse(text: string): { file: ProjectFile; problems: ProjectProblem[] } {
  const problems: ProjectProblem[] = [];
  return { file: parseProjectFile('ebb.yaml', text, problems), problems };
}

const KEY = 'name: crm\ncoordinator: postgres://ebb:${PG_PASSWORD}@db.internal:5432/ebb\n';

test('coordinator: is read with its line, and its ${VAR}s are expanded and kept as secrets', (t) => {
  const { file, problems } = parse(KEY);
  t.deepEqual(problems, []);
  t.deepEqual(file.coordinator, { url: 'postgres://ebb:${PG_PASSWORD}@db.internal:5432/ebb', line: 2 });
  const setup = projectSetup('/p', file, { PG_PASSWORD: 'hunter2-pw' });
  t.deepEqual(setup.coordinator, {
    url: 'postgres://ebb:hunter2-pw@db.internal:5432/ebb',
    line: 2,
    missing: [],
  });
  t.deepEqual(setup.secrets, ['hunter2-pw']);
  // Only the commands that connect need it: the state's own setup does not stop on it.
  const unset = projectSetup('/p', file, {});
  t.deepEqual(unset.missing, []);
  t.deepEqual(unset.coordinator?.missing, [{ name: 'PG_PASSWORD', line: 2 }]);
  t.is(parse('coordinator: postgresql://h/db\n').file.coordinator?.url, 'postgresql://h/db');
});

test('a coordinator: that is no PostgreSQL URL is refused at its line, without repeating it', (t) => {
  const bad = parse('duckdb:\n  threads: 2\ncoordinator: mysql://ebb:pw-in-file@db/ebb\n');
  t.is(bad.file.coordinator, undefined);
  t.is(bad.problems.length, 1);
  t.is(bad.problems[0]?.line, 3);
  t.regex(bad.problems[0]!.message, /coordinator has the scheme "mysql": .*postgres:\/\/ or postgresql:\/\//);
  t.false(bad.problems[0]!.message.includes('pw-in-file'));
  t.regex(parse('coordinator: db.internal:5432\n').problems[0]!.message, /coordinator is not a URL/);
  t.regex(parse('coordinator:\n  url: x\n').problems[0]!.message, /coordinator \(a PostgreSQL URL/);
  t.regex(parse('coordinater: postgres://h/db\n').problems[0]!.message, /did you mean "coordinator"\?/);
  // A URL that a reference supplies whole is checked once expanded.
  const { file, problems } = parse('coordinator: ${PG_URL}\n');
  t.deepEqual(problems, []);
  const setup = projectSetup('/p', file, { PG_URL: 'mysql://u:secret-pw@h/db' });
  t.regex(setup.coordinator?.problem ?? '', /coordinator has the scheme "mysql"/);
  t.false((setup.coordinator?.problem ?? '').includes('secret-pw'));
  t.is(projectSetup('/p', file, { PG_URL: 'postgres://h/db' }).coordinator?.problem, undefined);
});

test('EBB_COORDINATOR wins over coordinator:; a key whose variable is set nowhere stops the command', (t) => {
  const root = makeProject({ 'ebb.yaml': KEY, 'models/a.sql': 'SELECT 1 AS x' });
  const env = { PG_PASSWORD: 'hunter2-pw' };
  const ctx = openContext({ cwd: root, env });
  t.deepEqual(coordinatorOf(env, ctx), {
    url: 'postgres://ebb:hunter2-pw@db.internal:5432/ebb',
    from: 'ebb.yaml:2 (coordinator:)',
  });
  t.deepEqual(coordinatorOf({ ...env, EBB_COORDINATOR: 'postgres://other/db' }, ctx), {
    url: 'postgres://other/db',
    from: 'EBB_COORDINATOR (the environment)',
  });
  // The state opens without the variable (ebb status, ebb sql need no coordinator)…
  const unset = openContext({ cwd: root, env: {} });
  // …the commands that connect stop on it, unless EBB_COORDINATOR replaces the key.
  const err = t.throws(() => coordinatorOf({}, unset), { instanceOf: ProjectError });
  t.regex(err.message, /ebb\.yaml:2: \$\{PG_PASSWORD\} is set nowhere/);
  t.is(
    coordinatorOf({ EBB_COORDINATOR: 'postgres://other/db' }, unset)?.from,
    'EBB_COORDINATOR (the environment)',
  );
  t.is(
    coordinatorOf({}, openContext({ cwd: makeProject({ 'models/a.sql': 'SELECT 1 AS x' }), env: {} })),
    undefined,
  );
});

test('ebb validate reports a coordinator: variable set nowhere and a bad expanded scheme; ebb run stops on them', async (t) => {
  const root = makeProject({
    'ebb.yaml': 'name: crm\n\ncoordinator: postgres://ebb:${NOWHERE_PG_PW}@db/ebb\n',
    'models/a.sql': 'SELECT 1 AS x',
  });
  const env = { ...process.env, NOWHERE_PG_PW: undefined, EBB_COORDINATOR: undefined };
  const c = capture();
  t.is(await validateCommand({ cwd: root, env }, c.io), 1);
  t.regex(c.err(), /ebb\.yaml:3: \$\{NOWHERE_PG_PW\} is set nowhere/);
  const r = capture();
  t.is(await runCommand({ cwd: root, env, selectors: [] }, r.io), 1);
  t.regex(r.err(), /ebb\.yaml:3: \$\{NOWHERE_PG_PW\} is set nowhere/);
  t.notRegex(r.err(), /OK/);

  const whole = makeProject({ 'ebb.yaml': 'coordinator: ${SOME_PG_URL}\n', 'models/a.sql': 'SELECT 1 AS x' });
  const env2 = { ...process.env, SOME_PG_URL: 'redis://u:pw-of-redis@h:6379', EBB_COORDINATOR: undefined };
  const v = capture();
  t.is(await validateCommand({ cwd: whole, env: env2 }, v.io), 1);
  t.regex(v.err(), /ebb\.yaml:1: coordinator has the scheme "redis"/);
  const w = capture();
  t.is(await runCommand({ cwd: whole, env: env2, selectors: [] }, w.io), 1);
  t.regex(w.err(), /ebb\.yaml:1: coordinator has the scheme "redis"/);
  for (const text of [v.err(), v.out(), w.err(), w.out()]) t.false(text.includes('pw-of-redis'));
});
