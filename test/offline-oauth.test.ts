/**
 * OAuth under `ebb test` and `ebb run --offline` (no network): the token request of each grant
 * (client credentials, refresh token, Salesforce's JWT bearer) goes through the recorder like the
 * model's own requests, so it is written to the golden file and answered by `responses.json`; the
 * tokens the recorder hands out, the client secret, the refresh token and the signed JWT assertion
 * (a credential for minutes, whose `exp` would also change the golden on every run) are `***`
 * in every golden and recording, and the golden passes again unchanged.
 */
import test from 'ava';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from '../lib/commands/run.js';
import { testCommand } from '../lib/commands/test.js';
import { capture, makeProject, writeFiles } from './helpers/project.js';

/** Secrets holding / + = " \ %, each of which changes one of their encoded forms. */
const CLIENT_SECRET = 'cs/+="\\%2Fclient';
const REFRESH_TOKEN = 'rt/+="\\%2Frefresh';
const TOKEN_CC = 'tok/+="\\%2Fone';
const TOKEN_JWT = 'tok/+="\\%2Fjwt';

const PEM = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();

const MODEL = `# @kind: tracked
# @unique_key: id
cc = oauth.client_credentials(token_url="https://auth.test/oauth/token", client_id="cid", client_secret=env.get("CLIENT_SECRET"))
rt = oauth.refresh_token(token_url="https://auth.test/oauth/token", client_id="cid", refresh_token=env.get("REFRESH_TOKEN"))
jb = oauth.jwt_bearer(token_url="https://login.test/services/oauth2/token", client_id="cid", subject="u@x.io", audience="https://login.test", private_key=env.get("PRIVATE_KEY"))
for row in query("SELECT range AS id FROM range(2)"):
    http.post("https://api.test/a", json={"id": row.id}, auth=cc)
    http.post("https://api.test/b", json={"id": row.id}, auth=rt)
    http.post("https://api.test/c", json={"id": row.id}, auth=jb)
    save.row(row)
`;

const RESPONSES = [
  { url: 'https://auth.test/oauth/token', status: 200, body: { access_token: TOKEN_CC, expires_in: 3600 } },
  {
    url: 'https://login.test/*',
    status: 200,
    body: { access_token: TOKEN_JWT, instance_url: 'https://api.test', token_type: 'Bearer' },
  },
];

/** The forms of a secret a golden or a recording must not hold. */
function forms(secret: string): string[] {
  return [
    secret,
    JSON.stringify(secret).slice(1, -1),
    encodeURIComponent(secret),
    new URLSearchParams({ k: secret }).toString().slice(2),
  ];
}

function assertClean(t: import('ava').ExecutionContext, where: string, text: string): void {
  for (const secret of [CLIENT_SECRET, REFRESH_TOKEN, TOKEN_CC, TOKEN_JWT])
    for (const form of forms(secret)) t.false(text.includes(form), `${where} holds ${form}`);
  t.false(text.includes('MIIE'), `${where} holds the private key`);
  t.notRegex(text, /eyJ[\w-]+\.eyJ/, `${where} holds a JWT`);
}

function project(): string {
  // Single quotes: the test's env takes the values as written.
  return makeProject({
    'models/sync/items.star': MODEL,
    'tests/oa/env': [
      `CLIENT_SECRET='${CLIENT_SECRET}'`,
      `REFRESH_TOKEN='${REFRESH_TOKEN}'`,
      `PRIVATE_KEY="${PEM.replace(/\n/g, '\\n')}"`,
      '',
    ].join('\n'),
    'tests/oa/01_all/responses.json': JSON.stringify(RESPONSES),
    'tests/oa/01_all/expect.sql':
      'SELECT id FROM sync.items ORDER BY id;\n\nSELECT count(*) AS n FROM _ebb.failures;\n',
  });
}

test.serial(
  'ebb test: each grant asks its token endpoint once, answered by responses.json; tokens, secrets and the assertion are *** in the golden, which passes again',
  async (t) => {
    const root = project();
    const c = capture();
    t.is(await testCommand({ cwd: root, names: [], update: true }, c.io), 0, c.err());
    const golden = readFileSync(join(root, 'tests/oa/01_all/requests.ndjson'), 'utf8');
    const lines = golden
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { url: string; headers: Record<string, string>; body: unknown });
    t.deepEqual(
      lines.map((l) => l.url),
      [
        'https://auth.test/oauth/token',
        'https://api.test/a',
        'https://auth.test/oauth/token',
        'https://api.test/b',
        'https://login.test/services/oauth2/token',
        'https://api.test/c',
        'https://api.test/a',
        'https://api.test/b',
        'https://api.test/c',
      ],
      'one token request per grant, before its first use',
    );
    t.deepEqual(
      lines.filter((l) => l.url.includes('.test/oauth') || l.url.includes('oauth2')).map((l) => l.body),
      [
        'grant_type=client_credentials&client_id=cid&client_secret=***',
        'grant_type=refresh_token&refresh_token=***&client_id=cid',
        'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=***',
      ],
    );
    t.true(
      lines
        .filter((l) => l.url.startsWith('https://api.test/'))
        .every((l) => l.headers['authorization'] === 'Bearer ***'),
      golden,
    );
    assertClean(t, 'the golden', golden);
    const expect = readFileSync(join(root, 'tests/oa/01_all/expect.sql'), 'utf8');
    t.regex(expect, /-- id\n-- 0\n-- 1\n/, 'both rows delivered with the tokens');
    t.regex(expect, /-- n\n-- 0\n/, 'no failures');
    assertClean(t, 'the output', c.err() + c.out());

    const again = capture();
    t.is(await testCommand({ cwd: root, names: [] }, again.io), 0, again.err());
  },
);

test.serial(
  'ebb run --offline --responses: the recording holds the token requests, and no token, secret or assertion',
  async (t) => {
    const root = project();
    const env = {
      ...process.env,
      CLIENT_SECRET,
      REFRESH_TOKEN,
      PRIVATE_KEY: PEM,
    };
    const file = join(root, 'recorded.ndjson');
    const c = capture();
    const code = await runCommand(
      { cwd: root, selectors: [], offline: file, responses: 'tests/oa/01_all/responses.json', env },
      c.io,
    );
    t.is(code, 0, c.err());
    const recorded = readFileSync(file, 'utf8');
    t.is(recorded.trim().split('\n').length, 9);
    t.regex(recorded, /assertion=\*\*\*/);
    assertClean(t, 'the recording', recorded);
    assertClean(t, 'the output', c.err() + c.out());
  },
);

test.serial(
  "ebb test without an answer for the token endpoint: each grant asks once, gets the recorder's 200 {}, and its rows fail saying so",
  async (t) => {
    const root = project();
    writeFiles(root, {
      'tests/oa/01_all/responses.json': '[]',
      'tests/oa/01_all/expect.sql': 'SELECT key, kind, error FROM _ebb.failures ORDER BY key;\n',
    });
    const c = capture();
    t.is(await testCommand({ cwd: root, names: [], update: true }, c.io), 0, c.err());
    const golden = readFileSync(join(root, 'tests/oa/01_all/requests.ndjson'), 'utf8');
    t.deepEqual(
      golden
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { url: string }).url),
      [
        'https://auth.test/oauth/token',
        'https://auth.test/oauth/token',
        'https://login.test/services/oauth2/token',
      ],
      'one token request per grant, not one per request',
    );
    assertClean(t, 'the golden', golden);
    const expect = readFileSync(join(root, 'tests/oa/01_all/expect.sql'), 'utf8');
    t.regex(expect, /"\{""id"":0\}",failed,.*answered 200 without an access_token/);
    t.regex(expect, /"\{""id"":1\}",failed,/);
  },
);
