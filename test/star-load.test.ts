// load() in models: project-relative libraries that share the loading model's host modules.

import test from 'ava';
import { runCommand } from '../lib/commands/run.js';
import { capture, ebb, makeProject } from './helpers/project.js';
import { runProject } from './helpers/run.js';
import { withStore } from './helpers/store.js';

const run = (root: string) => runProject(root, { env: {} });

test("a model loads a project-relative library whose query and save are the model's own", async (t) => {
  const root = makeProject({
    'models/raw/src.sql': 'SELECT range AS id, range * 10 AS v FROM range(5)',
    'models/out/copy.star': `# @kind: table
load("destinations/copy.star", "copy_all")
copy_all(query("SELECT id, v FROM raw.src ORDER BY id"))
`,
    'destinations/copy.star': `load("destinations/util.star", "double")
def copy_all(rows):
    for row in rows:
        save.row({"id": row.id, "v2": double(row.v)})
    print("total", len(list(query("SELECT * FROM raw.src"))))
`,
    'destinations/util.star': 'def double(x):\n    return 2 * x\n',
  });
  const r = await run(root);
  t.is(r.code, 0, r.err);
  const rows = await withStore(root, (s) =>
    s.queryJson('SELECT id::INT AS id, v2::INT AS v2 FROM out.copy ORDER BY id'),
  );
  t.deepEqual(
    rows.map((x) => x['v2']),
    [0, 20, 40, 60, 80],
  );
});

test('a library that is missing, leaves the project or loads in a circle is an error at the load line', async (t) => {
  const root = makeProject({
    'models/a/missing.star': '# @kind: table\nload("lib/nope.star", "f")\n',
    'models/a/escape.star': '# @kind: table\n\nload("../outside.star", "f")\n',
    'models/a/cycle.star': '# @kind: table\nload("lib/x.star", "f")\n',
    'lib/x.star': 'load("lib/y.star", "g")\ndef f():\n    pass\n',
    'lib/y.star': 'load("lib/x.star", "f")\ndef g():\n    pass\n',
  });
  const r = await run(root);
  t.is(r.code, 1);
  const byModel = new Map(r.results.map((x) => [x['model'], String(x['error'])]));
  t.regex(byModel.get('a.missing') ?? '', /models\/a\/missing\.star:2:\d+: .*no such file: lib\/nope\.star/);
  t.regex(byModel.get('a.escape') ?? '', /models\/a\/escape\.star:3:\d+: .*leaves the project/);
  t.regex(byModel.get('a.cycle') ?? '', /cycle in load graph: lib\/x\.star -> lib\/y\.star -> lib\/x\.star/);
});

test('env.get(name, secret=False) is not redacted; other values are', async (t) => {
  const root = makeProject({
    'models/a/env.star':
      '# @kind: table\nprint(env.get("URL", secret=False), env.get("TOKEN"))\nsave.row({"x": 1})\n',
  });
  const c = capture();
  const code = await runCommand(
    { cwd: root, selectors: [], env: { URL: 'http://api.test', TOKEN: 's3cr3t' } },
    c.io,
  );
  t.is(code, 0, c.err());
  t.regex(c.err(), /a\.env: http:\/\/api\.test \*\*\*/);
  t.notRegex(c.err(), /s3cr3t/);
});

test('ebb run --timeout stops a runaway script like Ctrl-C: exit 124, recorded as timed out', async (t) => {
  const root = makeProject({
    'models/a/busy.star': '# @kind: table\nsave.row({"x": 1})\nwhile True:\n    pass\n',
  });
  const r = await ebb(['run', '--timeout', '1s', '--json'], { cwd: root });
  t.is(r.code, 124, r.stderr);
  t.regex(r.stderr, /Timed out after 1s/);
  const line = r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((l) => l['model'] === 'a.busy');
  t.like(line, { status: 'interrupted', code: 'EBB_TIMEOUT' });
  const bad = await ebb(['run', '--timeout', 'soon'], { cwd: root });
  t.is(bad.code, 2);
  t.regex(bad.stderr, /--timeout takes a duration/);
});

test("save.row with an empty column name is an error at the model's line, not a DuckDB parser error", async (t) => {
  const root = makeProject({ 'models/a/m.star': '# @kind: table\nsave.row({"": 2})\n' });
  const c = capture();
  t.is(await runCommand({ cwd: root, selectors: [], json: true, env: {} }, c.io), 1);
  const error = String(c.json().find((l) => l['model'] === 'a.m')?.['error']);
  t.regex(error, /models\/a\/m\.star:2:\d+: .*save\.row: a column name cannot be empty/);
  t.notRegex(error, /Parser Error/);
});
