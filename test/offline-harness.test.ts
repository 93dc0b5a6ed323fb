// `ebb test` end to end on a project whose tracked model POSTs each new or changed row and
// DELETEs removed keys: goldens written by --update and then passing, a model change failing
// with a diff that names the test, step, request and field, a responses.json 500 making the
// next step send that row again, step files not leaking, and no request leaving the process
// (the model's URL is a real sink that must see nothing). The tests are serial: a step changes the
// process's working folder while it runs.

import test from 'ava';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { testCommand } from '../lib/commands/test.js';
import {
  REPO,
  TSX_IMPORT,
  capture,
  ebb,
  makeProject,
  ndjson,
  writeFiles,
  EBB_ARGV,
} from './helpers/project.js';

interface Sink {
  readonly url: string;
  readonly requests: string[];
  close(): Promise<void>;
}

/** sink is a destination that must see no request: it records any that reaches it. */
async function sink(): Promise<Sink> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const model = (url: string) => `# @kind: tracked
# @unique_key: id
# @retries: 0
for row in query("SELECT id, email FROM src.users"):
    http.post("${url}/users", json=row)
    save.row(row)
for row in deleted():
    http.delete("${url}/users/" + str(row.id))
    save.delete(row)
`;

const csv = (rows: Array<[number, string]>) =>
  'id,email\n' + rows.map(([id, e]) => `${id},${e}`).join('\n') + '\n';

function project(url: string, tests: Record<string, string>): string {
  return makeProject({
    'models/src/users.sql': `SELECT * FROM read_csv('extracts/users.csv')\n`,
    'models/sync/users.star': model(url),
    'extracts/users.csv': csv([
      [1, 'a@x.org'],
      [2, 'b@x.org'],
    ]),
    ...tests,
  });
}

/** The two-step test: an initial sync of three users, then one changed, one new, one removed. */
const TWO_STEPS = {
  'tests/users/01_initial/extracts/users.csv': csv([
    [1, 'a@x.org'],
    [2, 'b@x.org'],
    [3, 'c@x.org'],
  ]),
  'tests/users/02_changes/extracts/users.csv': csv([
    [1, 'a2@x.org'],
    [3, 'c@x.org'],
    [4, 'd@x.org'],
  ]),
};

async function ebbTest(
  root: string,
  args: { names?: string[]; update?: boolean; json?: boolean; env?: NodeJS.ProcessEnv } = {},
) {
  const out = capture();
  const code = await testCommand(
    { cwd: root, names: args.names ?? [], update: args.update, json: args.json, env: args.env ?? {} },
    out.io,
  );
  return { code, out: out.out(), err: out.err(), json: args.json ? out.json() : [] };
}

function golden(root: string, test: string, step: string): Array<Record<string, unknown>> {
  return readFileSync(join(root, 'tests', test, step, 'requests.ndjson'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** snapshot of every project file outside tests/: path → content hash. */
function files(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(root, p)] = createHash('md5').update(readFileSync(p)).digest('hex');
    }
  };
  walk(root);
  for (const k of Object.keys(out)) if (k.startsWith('tests')) delete out[k];
  return out;
}

test.serial(
  'a two-step test: --update writes the goldens, then it passes; steps share the state; nothing leaves the process',
  async (t) => {
    const api = await sink();
    try {
      const root = project(api.url, TWO_STEPS);
      const before = files(root);
      const first = await ebbTest(root, { update: true });
      t.is(first.code, 0, first.err);
      t.regex(first.err, /UPDATE +users\/01_initial +3 requests/);
      t.regex(first.err, /UPDATE +users\/02_changes +3 requests/);

      // Step 1: every user, in key order although 16 requests may be in flight at once.
      const step1 = golden(root, 'users', '01_initial');
      t.deepEqual(
        step1.map((r) => [r['method'], r['url'], r['body']]),
        [
          ['POST', `${api.url}/users`, { id: 1, email: 'a@x.org' }],
          ['POST', `${api.url}/users`, { id: 2, email: 'b@x.org' }],
          ['POST', `${api.url}/users`, { id: 3, email: 'c@x.org' }],
        ],
      );
      t.regex(String((step1[0]!['headers'] as Record<string, string>)['idempotency-key']), /^[0-9a-f]+$/);
      // Step 2 starts from what step 1 acknowledged: only the delta is sent.
      t.deepEqual(
        golden(root, 'users', '02_changes').map((r) => [r['method'], r['url'], r['body']]),
        [
          ['POST', `${api.url}/users`, { id: 1, email: 'a2@x.org' }],
          ['POST', `${api.url}/users`, { id: 4, email: 'd@x.org' }],
          ['DELETE', `${api.url}/users/2`, undefined],
        ],
      );

      const again = await ebbTest(root, { json: true });
      t.is(again.code, 0, again.err);
      t.regex(again.err, /PASS +users\/01_initial +3 requests/);
      t.regex(again.err, /PASS +users\/02_changes +3 requests/);
      t.regex(again.err, /1 test \(2 steps\): 1 passed, 0 failed/);
      t.deepEqual(
        again.json.map((j) => [j['type'], j['step'] ?? j['test'], j['status']]),
        [
          ['step', '01_initial', 'pass'],
          ['step', '02_changes', 'pass'],
          ['test', 'users', 'pass'],
        ],
      );
      t.deepEqual(api.requests, [], 'no request reached the network');
      t.deepEqual(files(root), before, 'the project is unchanged: no state, no shadowed file');
      t.false(existsSync(join(root, 'state')));
    } finally {
      await api.close();
    }
  },
);

test.serial(
  'a model change that alters one field of one request fails with a diff naming it; --update makes it pass',
  async (t) => {
    const root = project('http://api.test', TWO_STEPS);
    t.is((await ebbTest(root, { update: true })).code, 0);
    writeFileSync(
      join(root, 'models/src/users.sql'),
      `SELECT id, CASE WHEN id = 2 THEN 'b2@x.org' ELSE email END AS email FROM read_csv('extracts/users.csv')\n`,
    );
    const failed = await ebbTest(root, { json: true });
    t.is(failed.code, 1);
    t.regex(failed.err, /FAIL +users\/01_initial +3 requests/);
    t.regex(failed.err, /request 2, body\.email: expected "b@x\.org", got "b2@x\.org"/);
    // The idempotency key follows from the body, so it differs too; nothing else does.
    const step1 = failed.json.find((j) => j['step'] === '01_initial')!;
    t.deepEqual(
      (step1['differences'] as Array<Record<string, unknown>>).map((d) => [d['request'], d['path']]),
      [
        [2, 'body.email'],
        [2, 'headers.idempotency-key'],
      ],
    );
    t.regex(failed.err, /PASS +users\/02_changes/);
    t.regex(failed.err, /1 test \(2 steps\): 0 passed, 1 failed/);
    t.is(failed.json.at(-1)!['status'], 'fail');

    t.is((await ebbTest(root, { update: true })).code, 0);
    const fixed = await ebbTest(root);
    t.is(fixed.code, 0, fixed.err);
    t.deepEqual(golden(root, 'users', '01_initial')[1]!['body'], { id: 2, email: 'b2@x.org' });
  },
);

test.serial(
  'a responses.json 500 leaves that row unacknowledged and failed; the next step sends it again',
  async (t) => {
    const three = csv([
      [1, 'a@x.org'],
      [2, 'b@x.org'],
      [3, 'c@x.org'],
    ]);
    const root = project('http://api.test', {
      'tests/retry/01_down/extracts/users.csv': three,
      'tests/retry/01_down/responses.json': JSON.stringify([
        {
          method: 'POST',
          url: 'http://api.test/users',
          json: { id: 2 },
          status: 500,
          body: { error: 'down' },
        },
      ]),
      'tests/retry/01_down/expect.sql': [
        'SELECT id FROM sync.users ORDER BY id;',
        '',
        'SELECT model, key, change, method, status FROM _ebb.failures;',
        '',
      ].join('\n'),
      'tests/retry/02_up/extracts/users.csv': three,
      'tests/retry/02_up/expect.sql':
        'SELECT count(*) AS failures FROM _ebb.failures;\n\nSELECT id FROM sync.users ORDER BY id;\n',
    });
    const updated = await ebbTest(root, { update: true });
    t.is(updated.code, 0, updated.err);
    t.deepEqual(
      golden(root, 'retry', '01_down').map((r) => (r['body'] as { id: number }).id),
      [1, 2, 3],
    );
    t.deepEqual(
      golden(root, 'retry', '02_up').map((r) => [r['method'], r['body']]),
      [['POST', { id: 2, email: 'b@x.org' }]],
    );
    t.is(
      readFileSync(join(root, 'tests/retry/01_down/expect.sql'), 'utf8'),
      [
        'SELECT id FROM sync.users ORDER BY id;',
        '-- expect:',
        '-- id',
        '-- 1',
        '-- 3',
        '',
        'SELECT model, key, change, method, status FROM _ebb.failures;',
        '-- expect:',
        '-- model,key,change,method,status',
        '-- sync.users,"{""id"":2}",new,POST,500',
        '',
      ].join('\n'),
    );
    t.regex(
      readFileSync(join(root, 'tests/retry/02_up/expect.sql'), 'utf8'),
      /-- failures\n-- 0\n\nSELECT id FROM sync.users ORDER BY id;\n-- expect:\n-- id\n-- 1\n-- 2\n-- 3\n/,
    );
    const again = await ebbTest(root);
    t.is(again.code, 0, again.err);
  },
);

test.serial('files of a step do not leak into the next step nor into the project', async (t) => {
  const root = project('http://api.test', {
    'tests/leak/01_shadowed/extracts/users.csv': csv([[7, 'g@x.org']]),
    'tests/leak/01_shadowed/extracts/extra.csv': 'x\n1\n',
    'tests/leak/01_shadowed/expect.sql': 'SELECT id FROM src.users;\n-- expect:\n-- id\n-- 7\n',
    'tests/leak/02_project/requests.ndjson': '',
    'tests/leak/02_project/expect.sql': [
      'SELECT id FROM src.users ORDER BY id;',
      '-- expect:',
      '-- id',
      '-- 1',
      '-- 2',
      '',
      `SELECT count(*) AS n FROM glob('extracts/*');`,
      '-- expect:',
      '-- n',
      '-- 1',
      '',
    ].join('\n'),
  });
  const before = files(root);
  const r = await ebbTest(root, { update: true });
  t.is(r.code, 0, r.err);
  // Step 2 reads the project's two users: the shadowed user 7 is deleted, users 1 and 2 are new.
  t.deepEqual(
    golden(root, 'leak', '02_project').map((x) => [x['method'], x['url']]),
    [
      ['POST', 'http://api.test/users'],
      ['POST', 'http://api.test/users'],
      ['DELETE', 'http://api.test/users/7'],
    ],
  );
  const check = await ebbTest(root);
  t.is(check.code, 0, check.err);
  t.deepEqual(files(root), before);
  t.false(existsSync(join(root, 'extracts', 'extra.csv')));
  t.true(statSync(join(root, 'tests/leak/01_shadowed/extracts/users.csv')).isFile());
});

test.serial(
  'a step without a golden file fails and says how to write it; a failing model fails its step',
  async (t) => {
    const root = project('http://api.test', { 'tests/new/01_a/extracts/users.csv': csv([[1, 'a@x.org']]) });
    const r = await ebbTest(root);
    t.is(r.code, 1);
    t.regex(r.err, /FAIL +new\/01_a +1 request/);
    t.regex(
      r.err,
      /tests\/new\/01_a\/requests\.ndjson does not exist: run ebb test --update to write it from this run \(1 request\)/,
    );
    writeFiles(root, {
      'models/sync/users.star': 'for row in query("SELECT id FROM src.users"):\n    fail("boom")\n',
    });
    const broken = await ebbTest(root, { update: true });
    t.is(broken.code, 1);
    t.regex(broken.err, /sync\.users failed: .*boom/);
  },
);

test.serial(
  "retries (500s, a 429 with Retry-After) neither reorder nor repeat lines; secrets from the test's env file and env.get are redacted",
  async (t) => {
    const rows = Array.from({ length: 20 }, (_, i): [number, string] => [i + 1, `u${i + 1}@x.org`]);
    const root = makeProject({
      'tests/flaky/env': 'API_TOKEN=tok-very-secret-123\nCI_TOKEN=ci-token-abcdef\n',
      'models/src/users.sql': `SELECT * FROM read_csv('extracts/users.csv')\n`,
      'models/sync/users.star': `# @kind: tracked
# @unique_key: id
token = env.get("API_TOKEN")
for row in query("SELECT id, email FROM src.users"):
    http.post("http://api.test/users", json=row, headers={"authorization": "Bearer " + token, "x-ci": env.get("CI_TOKEN")})
    save.row(row)
`,
      'extracts/users.csv': csv(rows),
      'tests/flaky/01_all/responses.json': JSON.stringify([
        { json: { id: 3 }, status: 500, times: 2 },
        { json: { id: 7 }, status: 429, headers: { 'retry-after': '1' }, times: 1 },
      ]),
      'tests/flaky/01_all/expect.sql':
        'SELECT count(*) AS delivered FROM sync.users;\n\nSELECT count(*) AS failures FROM _ebb.failures;\n',
    });
    const first = await ebbTest(root, { update: true });
    t.is(first.code, 0, first.err);
    const lines = golden(root, 'flaky', '01_all');
    t.deepEqual(
      lines.map((r) => (r['body'] as { id: number }).id),
      rows.map(([id]) => id),
    );
    t.true(lines.every((r) => (r['headers'] as Record<string, string>)['authorization'] === 'Bearer ***'));
    t.true(lines.every((r) => (r['headers'] as Record<string, string>)['x-ci'] === '***'));
    const text = readFileSync(join(root, 'tests/flaky/01_all/requests.ndjson'), 'utf8');
    t.false(text.includes('tok-very-secret') || text.includes('ci-token'));
    t.regex(
      readFileSync(join(root, 'tests/flaky/01_all/expect.sql'), 'utf8'),
      /-- delivered\n-- 20\n[^]*-- failures\n-- 0\n/,
    );
    const again = await ebbTest(root);
    t.is(again.code, 0, again.err);
  },
);

test.serial(
  'the CLI: ebb test exits 0 when all pass, 1 on a failure, 2 for an unknown test; --responses needs --offline',
  async (t) => {
    const root = project('http://api.test', {
      'tests/ok/01_a/requests.ndjson': '',
      'tests/ok/01_a/extracts/users.csv': 'id,email\n',
      'tests/bad/01_a/requests.ndjson': '',
    });
    const ok = await ebb(['test', 'ok', '--json'], { cwd: root });
    t.is(ok.code, 0, ok.stderr);
    t.deepEqual(
      ndjson(ok.stdout).map((j) => [j['type'], j['status']]),
      [
        ['step', 'pass'],
        ['test', 'pass'],
      ],
    );
    const bad = await ebb(['test'], { cwd: root });
    t.is(bad.code, 1);
    t.regex(bad.stderr, /FAIL +bad\/01_a +2 requests, 0 expected/);
    t.regex(bad.stderr, /request 1 was made but not expected: \{"method":"POST"/);
    t.regex(bad.stderr, /PASS +ok\/01_a +0 requests/);
    const unknown = await ebb(['test', 'okk'], { cwd: root });
    t.is(unknown.code, 2);
    t.regex(unknown.stderr, /no test "okk" .*did you mean "ok"/);
    const usage = await ebb(['run', '--responses', 'r.json'], { cwd: root });
    t.is(usage.code, 2);
    t.regex(usage.stderr, /offline/);
  },
);

test('Ctrl-C stops ebb test after the step that runs, removes its scratch state and exits 130', async (t) => {
  const name = `slow_${process.pid}_${Date.now()}`;
  const root = makeProject({
    // 2 requests a second over 60 rows: the step would take half a minute.
    'models/sync/slow.star': `# @kind: tracked
# @unique_key: id
# @rate_limit: 2/1s
for row in query("SELECT range AS id FROM range(60)"):
    http.post("http://api.test/x", json=row)
    save.row(row)
`,
    [`tests/${name}/01_a/requests.ndjson`]: '',
    [`tests/${name}/02_b/requests.ndjson`]: '',
  });
  const child = spawn(process.execPath, [...EBB_ARGV, 'test'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const scratch = () => readdirSync(tmpdir()).filter((f) => f.startsWith(`ebb-test-${name}-`));
  // Wait (bounded) until the step's scratch state exists, then interrupt.
  for (let i = 0; i < 600 && scratch().length === 0; i++) await new Promise((r) => setTimeout(r, 100));
  t.is(scratch().length, 1, 'the step started');
  child.kill('SIGINT');
  t.is(await exited, 130, stderr);
  t.regex(stderr, /Stopping after the current step/);
  t.notRegex(stderr, /02_b/);
  t.deepEqual(scratch(), []);
});

test('an SQL model reading a URL fails in ebb test instead of letting DuckDB download httpfs or fetch the file', async (t) => {
  const api = await sink();
  try {
    const root = makeProject({
      'models/src/remote.sql': `SELECT * FROM read_csv('${api.url}/users.csv')\n`,
      'tests/remote/01_a/requests.ndjson': '',
    });
    const r = await ebbTest(root);
    t.is(r.code, 1);
    t.regex(r.err, /src\.remote failed: .*requires the extension httpfs/);
    t.notRegex(r.err, /download/i);
    t.deepEqual(api.requests, []);
  } finally {
    await api.close();
  }
});

test("a step can replace a model and the .env; the next step has the project's again", async (t) => {
  const v2 = model('http://api.test')
    .replace('/users"', '/v2/users"')
    .replace('json=row)', 'json=row, headers={"x-token": env.get("TOKEN")})')
    .replace('# @retries: 0\n', '# @retries: 0\nprint("token starts", env.get("TOKEN")[:5])\n');
  const root = project('http://api.test', {
    '.env': 'TOKEN=project-token-1\n',
    'tests/swap/01_v2/models/sync/users.star': v2,
    'tests/swap/01_v2/.env': 'TOKEN=step-token-22\n',
    'tests/swap/02_v1/extracts/users.csv': csv([
      [1, 'a@x.org'],
      [2, 'b@x.org'],
      [3, 'c@x.org'],
    ]),
  });
  const r = await ebbTest(root, { update: true });
  t.is(r.code, 0, r.err);
  const step1 = golden(root, 'swap', '01_v2');
  t.deepEqual(
    step1.map((x) => [x['url'], (x['headers'] as Record<string, string>)['x-token']]),
    [
      ['http://api.test/v2/users', '***'],
      ['http://api.test/v2/users', '***'],
    ],
  );
  t.deepEqual(
    golden(root, 'swap', '02_v1').map((x) => [x['url'], (x['headers'] as Record<string, string>)['x-token']]),
    [['http://api.test/users', undefined]],
  );
  const again = await ebbTest(root, { json: true });
  t.is(again.code, 0, again.err);
  t.deepEqual(again.json[0]!['output'], ['sync.users: token starts step-']);
  t.is(readFileSync(join(root, '.env'), 'utf8'), 'TOKEN=project-token-1\n');
  t.is(readFileSync(join(root, 'models/sync/users.star'), 'utf8'), model('http://api.test'));
});
