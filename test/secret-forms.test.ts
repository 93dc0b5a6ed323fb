// Secrets in every form they travel in: a secret holding / + = " \ % a space and non-ASCII is
// redacted percent-encoded (params=, `+` and `%20`, upper- and lower-case hex, as the URL parser
// leaves it), base64-encoded (whole, and inside `user:secret` of Basic auth), JSON-escaped (as
// json.encode and repr print it, as an API echoes it, ASCII-only, escaped twice) — through every
// sink of text: run output (stderr and --json), _ebb.failures, _ebb.runs, status, history, the
// bytes of the state file and its WAL, ebb test --update goldens and ebb run --offline
// recordings. The forms are computed here independently of lib/secret-forms.ts.

import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyCommand } from '../lib/commands/history.js';
import { runCommand } from '../lib/commands/run.js';
import { statusCommand } from '../lib/commands/status.js';
import { testCommand } from '../lib/commands/test.js';
import { Redactor } from '../lib/runtime/secrets.js';
import { capture, makeProject } from './helpers/project.js';
import { startSink } from './helpers/sink.js';
import { withStore } from './helpers/store.js';

const SECRET = 'wJa/lr+K7=MD"EN\\G%2F é€xyz';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
/** JSON string escaping, with non-ASCII as \uXXXX (as Python's json.dumps writes it). */
const asciiJson = (s: string): string =>
  JSON.stringify(s).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** Every form of SECRET a sink must not hold, by name. */
function forms(secret: string): Record<string, string> {
  const query = new URLSearchParams({ k: secret }).toString().slice(2);
  const uri = encodeURIComponent(secret);
  const basic = b64(`user:${secret}`);
  return {
    raw: secret,
    'query (+ for space)': query,
    'query, lower-case hex': query.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    encodeURIComponent: uri,
    'encodeURIComponent, lower-case hex': uri.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    'joined into a URL by hand': new URL(`http://h/?${secret}`).search.slice(1),
    base64: b64(secret),
    'Basic user:secret': basic,
    // Its middle: what stands for the secret whatever the user name's length.
    'Basic user:secret (middle)': basic.slice(12, 40),
    'JSON-escaped': JSON.stringify(secret).slice(1, -1),
    'JSON-escaped, ASCII only': asciiJson(secret).slice(1, -1),
    'JSON-escaped twice': JSON.stringify(JSON.stringify(secret)).slice(3, -3),
  };
}

function assertClean(t: import('ava').ExecutionContext, where: string, text: string): void {
  for (const [name, form] of Object.entries(forms(SECRET))) {
    t.false(text.includes(form), `${where} holds the secret ${name}: ${form}`);
  }
}

test('the Redactor redacts each form inside text, and nothing else', (t) => {
  const r = new Redactor([SECRET]);
  for (const [name, form] of Object.entries(forms(SECRET))) {
    // The middle of a base64 text is checked for absence, below, not redacted on its own.
    if (name.endsWith('(middle)')) continue;
    const out = r.redact(`before ${form} after`);
    t.regex(out, /^before .*\*\*\*.* after$/, name);
    assertClean(t, name, out);
  }
  for (const user of ['u', 'us', 'use', 'a-longer-user']) {
    t.false(
      r.redact(`Basic ${b64(`${user}:${SECRET}`)}`).includes(b64(`${user}:${SECRET}`).slice(8, -8)),
      user,
    );
  }
  t.is(r.redact('1234 rows, 17 % done, user:pass'), '1234 rows, 17 % done, user:pass');
});

test('a secret shorter than 4 characters is not redacted (it would mangle text); add() says so, and 4 are enough', (t) => {
  const r = new Redactor();
  t.false(r.add('123'));
  t.is(r.redact('123 rows'), '123 rows');
  t.true(r.add('1234'));
  t.is(r.redact('pin=1234'), 'pin=***');
});

test('ebb run: no form of the secret reaches output, failures, runs, status, history, or the state file and its WAL', async (t) => {
  const sink = await startSink((r) => {
    const id = (r.json as { id: number }).id;
    if (id !== 2) return {};
    // An API that echoes everything back in its error: the URL, the credentials, the body,
    // the body as an ASCII-only JSON string, and the token in base64.
    const token = (r.json as { token: string }).token;
    return {
      status: 500,
      body: `${r.url} ${String(r.headers['authorization'])} ${r.body} ${asciiJson(r.body)} ${b64(token)}`,
    };
  });
  t.teardown(() => sink.close());
  const root = makeProject({
    'models/src/items.sql': '-- @kind: table\nSELECT range AS id FROM range(4)',
    'models/sync/items.star': `# @kind: tracked
# @unique_key: id
# @retries: 0
token = env.get("API_TOKEN")
print(json.encode({"t": token}))
print(repr(token))
base = env.get("SINK", secret=False)
for row in query("SELECT id FROM src.items ORDER BY id"):
    http.post(base + "/items", params={"api_key": token}, auth=("user", token), json={"id": row.id, "token": token})
    save.row(row)
`,
  });
  const env = { ...process.env, API_TOKEN: SECRET, SINK: sink.url };
  const c = capture();
  const code = await runCommand({ cwd: root, selectors: [], json: true, env }, c.io);
  t.is(code, 3, c.err()); // the model ran; one row failed
  t.true(
    sink.requests.some((r) => r.url.includes(forms(SECRET)['query (+ for space)']!)),
    'the API got the secret, percent-encoded',
  );
  t.regex(c.err(), /sync\.items: \{"t":"\*\*\*"\}/);
  t.regex(c.err(), /sync\.items: "\*\*\*"/);
  const status = capture();
  await statusCommand({ cwd: root, models: [], env }, status.io);
  const failures = capture();
  await statusCommand({ cwd: root, models: [], failures: 'sync.items', json: true, env }, failures.io);
  const history = capture();
  await historyCommand({ cwd: root, limit: 10, json: true, env }, history.io);
  const stored = await withStore(
    root,
    async (s) =>
      JSON.stringify(await s.queryJson('SELECT * FROM _ebb.failures')) +
      JSON.stringify(await s.queryJson('SELECT * FROM _ebb.runs')),
  );
  t.regex(stored, /api_key=\*\*\*/);
  t.regex(stored, /Basic dXNlcj.*\*\*\*/);
  assertClean(t, 'run output', c.err() + c.out());
  assertClean(t, 'status', status.out() + status.err());
  assertClean(t, 'status --failures', failures.out() + failures.err());
  assertClean(t, 'history', history.out() + history.err());
  assertClean(t, '_ebb.failures and _ebb.runs', stored);
  for (const file of ['ebb.duckdb', 'ebb.duckdb.wal']) {
    const path = join(root, 'state', file);
    if (!existsSync(path)) continue;
    const bytes = readFileSync(path);
    for (const [name, form] of Object.entries(forms(SECRET))) {
      t.false(bytes.includes(Buffer.from(form, 'utf8')), `${file} holds the secret ${name}`);
    }
  }
});

const OFFLINE_MODEL = `# @kind: tracked
# @unique_key: id
token = env.get("API_TOKEN")
for row in query("SELECT id FROM src.items ORDER BY id"):
    http.post("http://api.test/items", params={"api_key": token}, auth=("user", token), data={"t": token}, headers={"x-token": token})
    save.row(row)
`;

test.serial(
  'ebb test --update goldens and ebb run --offline recordings hold no form of the secret',
  async (t) => {
    const root = makeProject({
      'models/src/items.sql': '-- @kind: table\nSELECT range AS id FROM range(3)',
      'models/sync/items.star': OFFLINE_MODEL,
      'tests/sec/01_all/expect.sql': 'SELECT count(*) AS n FROM sync.items;\n',
      // A test runs with its own environment (single quotes: the value is taken as written).
      'tests/sec/env': `API_TOKEN='${SECRET}'\n`,
    });
    const env = { API_TOKEN: SECRET };
    const out = capture();
    const code = await testCommand({ cwd: root, names: [], update: true }, out.io);
    t.is(code, 0, out.err());
    const golden = readFileSync(join(root, 'tests/sec/01_all/requests.ndjson'), 'utf8');
    t.is(golden.split('\n').filter((l) => l !== '').length, 3);
    t.regex(golden, /api_key=\*\*\*/);
    assertClean(t, 'the golden', golden);

    const file = join(root, 'offline.ndjson');
    const run = capture();
    const ran = await runCommand(
      { cwd: root, selectors: [], offline: file, env: { ...process.env, ...env } },
      run.io,
    );
    t.is(ran, 0, run.err());
    const recorded = readFileSync(file, 'utf8');
    t.is(recorded.split('\n').filter((l) => l !== '').length, 3);
    assertClean(t, 'the offline recording', recorded);
    assertClean(t, 'the offline run output', run.err() + run.out());
  },
);

test('env.get of a secret shorter than 4 characters warns, naming the variable', async (t) => {
  const root = makeProject({
    'models/t/m.star': '# @kind: table\npin = env.get("PIN")\nsave.row({"n": len(pin)})\n',
  });
  const c = capture();
  const code = await runCommand(
    { cwd: root, selectors: [], json: true, env: { ...process.env, PIN: '987' } },
    c.io,
  );
  t.is(code, 0, c.err());
  t.regex(
    c.err(),
    /t\.m: warning: env\.get\("PIN"\): the value is shorter than 4 characters, too short to be redacted from output .*write secret=False if it is not one/,
  );
});

test("a body excerpt cut in the middle of a secret (…) does not show the secret's start", (t) => {
  const r = new Redactor([SECRET]);
  const cut = `POST http://h answered 500: token ${SECRET.slice(0, 9)}…`;
  t.is(r.redact(cut), 'POST http://h answered 500: token ***…');
  const encoded = `error ${encodeURIComponent(SECRET).slice(0, 12)}… and more`;
  t.is(r.redact(encoded), 'error ***… and more');
  t.is(r.redact('ok wJ…'), 'ok ***…');
  // One character tells nothing (and would match often): it stays.
  t.is(r.redact('ok w…'), 'ok w…');
});

test('raise_for_status of a body cut in the middle of an echoed secret shows none of it', async (t) => {
  const sink = await startSink((r) => ({
    status: 500,
    body: `${'x'.repeat(190)} token=${(r.json as { t: string }).t}`,
  }));
  t.teardown(() => sink.close());
  const root = makeProject({
    'models/t/m.star': `# @kind: table
r = http.post(env.get("SINK", secret=False), json={"t": env.get("API_TOKEN")})
r.raise_for_status()
`,
  });
  const c = capture();
  const code = await runCommand(
    { cwd: root, selectors: [], json: true, env: { ...process.env, API_TOKEN: SECRET, SINK: sink.url } },
    c.io,
  );
  t.is(code, 1);
  const error = String(c.json()[0]!['error']);
  t.regex(error, /answered 500: x+ token=\*\*\*…/);
  t.false(error.includes(SECRET.slice(0, 2)), error);
});
