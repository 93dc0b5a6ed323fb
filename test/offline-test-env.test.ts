/**
 * `ebb test` runs with the test's own environment — tests/NAME/env, and a step's .env over it —
 * never the project's .env nor the environment of the shell that runs it, so a golden written
 * on one machine passes on another. A value read with secret=False is shown, wherever it came
 * from (.env included); a catalog library's token is redacted in the golden. Serial: a step
 * changes the process's working folder.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from '../lib/commands/run.js';
import { testCommand } from '../lib/commands/test.js';
import { capture, makeProject } from './helpers/project.js';

const MODEL = `# @kind: tracked
# @unique_key: id
print("url", env.get("API_URL", secret=False))
for row in query("SELECT range AS id FROM range(2)"):
    http.post(env.get("API_URL", secret=False) + "/items", json=row, headers={"x-key": env.get("API_KEY")})
    save.row(row)
`;

const golden = (root: string, step: string) =>
  readFileSync(join(root, 'tests', 'items', step, 'requests.ndjson'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { url: string; headers: Record<string, string> });

test.serial(
  "ebb test reads tests/NAME/env and a step's .env, not the project's .env nor the shell's variables",
  async (t) => {
    const root = makeProject({
      '.env': 'API_URL=http://from-dotenv.test\nAPI_KEY=dotenv-key-123456\n',
      'models/sync/items.star': MODEL,
      'tests/items/env': 'API_URL=http://api.test\nAPI_KEY=test-key-123456\n',
      'tests/items/01_first/expect.sql': 'SELECT count(*) AS n FROM sync.items;\n',
      'tests/items/02_other_url/.env': 'API_URL=http://step.test\nAPI_KEY=step-key-123456\n',
      'tests/items/02_other_url/models/src/more.sql': '-- @kind: table\nSELECT 1 AS x',
    });
    const shell = { API_URL: 'http://from-shell.test', API_KEY: 'shell-key-123456' };
    const c = capture();
    t.is(await testCommand({ cwd: root, names: [], update: true, json: true, env: shell }, c.io), 0, c.err());
    t.deepEqual(
      golden(root, '01_first').map((r) => [r.url, r.headers['x-key']]),
      [
        ['http://api.test/items', '***'],
        ['http://api.test/items', '***'],
      ],
    );
    const steps = c.json().filter((l) => l['type'] === 'step');
    t.deepEqual(steps[0]!['output'], ['sync.items: url http://api.test']);
    t.deepEqual(steps[1]!['output'], ['sync.items: url http://step.test']);
    const again = capture();
    t.is(await testCommand({ cwd: root, names: [] }, again.io), 0, again.err());
  },
);

test.serial(
  'ebb run shows a value of .env read with secret=False, and redacts one read as a secret',
  async (t) => {
    const root = makeProject({
      '.env': 'API_URL=http://from-dotenv.test\nAPI_KEY=dotenv-key-123456\n',
      'models/a/show.star':
        '# @kind: table\nprint(env.get("API_URL", secret=False), env.get("API_KEY"))\nsave.row({"x": 1})\n',
    });
    const c = capture();
    t.is(await runCommand({ cwd: root, selectors: [], env: {} }, c.io), 0, c.err());
    t.regex(c.err(), /a\.show: http:\/\/from-dotenv\.test \*\*\*/);
    t.notRegex(c.err(), /dotenv-key-123456/);
  },
);

test.serial("a catalog library's token from the test's env is redacted in the golden", async (t) => {
  const root = makeProject({
    'models/sync/items.star': `# @kind: tracked
# @unique_key: email
load("@ebb/hubspot.star", "hubspot")
hubspot.upsert("contacts", query("SELECT 'a@x.org' AS email, 'A' AS firstname"), id_property="email")
`,
    'tests/items/env': 'HUBSPOT_TOKEN=pat-na1-secret-token-1234\nHUBSPOT_BASE_URL=http://hubspot.test\n',
    'tests/items/01_first/responses.json': JSON.stringify([
      {
        json_has: { objectWriteTraceId: 'ebb:0' },
        status: 200,
        body: { status: 'COMPLETE', results: [{ objectWriteTraceId: 'ebb:0' }] },
      },
    ]),
    'tests/items/01_first/expect.sql': 'SELECT count(*) AS n FROM sync.items;\n',
  });
  const c = capture();
  t.is(await testCommand({ cwd: root, names: [], update: true }, c.io), 0, c.err());
  const text = readFileSync(join(root, 'tests/items/01_first/requests.ndjson'), 'utf8');
  t.regex(text, /"authorization":"Bearer \*\*\*"/);
  t.regex(text, /http:\/\/hubspot\.test\/crm\/v3\/objects\/contacts\/batch\/upsert/);
  t.false(text.includes('secret-token'));
});

test.serial(
  "a variable the test's env does not set stops the step, naming the test's env file",
  async (t) => {
    const root = makeProject({
      '.env': 'API_URL=http://from-dotenv.test\nAPI_KEY=dotenv-key-123456\n',
      'models/sync/items.star': MODEL,
      'tests/items/env': 'API_URL=http://api.test\n',
      'tests/items/01_first/expect.sql': 'SELECT 1 AS one;\n',
    });
    const c = capture();
    t.is(await testCommand({ cwd: root, names: [], update: true }, c.io), 1);
    t.regex(
      c.err(),
      /env\.get: API_KEY is not set \(ebb looked in the test's environment \(tests\/items\/env\) and the step's \.env\)/,
    );
  },
);
