/**
 * The `oauth` module of models: a grant made in Starlark and passed as http.*'s auth= gets a
 * token from the token endpoint when the first request needs it — once per run while it is
 * valid, again when it is about to expire — and the token is redacted wherever it would show
 * (an API echoing it back, printed by the script). A token server and an API on port 0.
 */
import test from 'ava';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runCommand } from '../lib/commands/run.js';
import { capture, makeProject } from './helpers/project.js';

interface Servers {
  readonly url: string;
  /** Token requests received: their form fields. */
  readonly grants: URLSearchParams[];
  /** Authorization headers the API received. */
  readonly seen: string[];
  close(): void;
}

const body = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve) => {
    let s = '';
    req.on('data', (d: Buffer) => (s += d.toString()));
    req.on('end', () => resolve(s));
  });

/** One server: POST /token issues tokens valid `expiresIn` seconds; POST /api echoes its Authorization. */
async function servers(expiresIn: number): Promise<Servers> {
  const grants: URLSearchParams[] = [];
  const seen: string[] = [];
  const issued = new Set<string>();
  const server = createServer(async (req, res) => {
    const text = await body(req);
    if (req.url === '/token') {
      const form = new URLSearchParams(text);
      grants.push(form);
      if (form.get('client_secret') !== 'client-secret-value') {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_client"}');
        return;
      }
      const token = `tok-${grants.length}-abcdefgh`;
      issued.add(token);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: token, token_type: 'bearer', expires_in: expiresIn }));
      return;
    }
    const auth = req.headers.authorization ?? '';
    seen.push(auth);
    const ok = issued.has(auth.replace(/^Bearer /, ''));
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ you_sent: auth }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, grants, seen, close: () => server.close() };
}

const MODEL = `# @kind: tracked
# @unique_key: id
# @concurrency: 1
auth = oauth.client_credentials(token_url=env.get("BASE", secret=False) + "/token", client_id="my-client", client_secret=env.get("CLIENT_SECRET"), scope="write")
print(auth)
for row in query("SELECT range AS id FROM range(5)"):
    r = http.post(env.get("BASE", secret=False) + "/api", json=row, auth=auth)
    if row.id == 0:
        print(r.text)
    save.row(row)
`;

async function runModel(base: string, secret = 'client-secret-value') {
  const root = makeProject({ 'models/sync/api.star': MODEL });
  const c = capture();
  const code = await runCommand(
    { cwd: root, selectors: [], json: true, env: { BASE: base, CLIENT_SECRET: secret } },
    c.io,
  );
  return { code, err: c.err(), results: c.json() };
}

test('a token valid for an hour is fetched once for the run and sent as Bearer; it is redacted where the API echoes it', async (t) => {
  const s = await servers(3600);
  t.teardown(() => s.close());
  const r = await runModel(s.url);
  t.is(r.code, 0, r.err);
  t.is(s.grants.length, 1);
  t.like(Object.fromEntries(s.grants[0]!), {
    grant_type: 'client_credentials',
    client_id: 'my-client',
    client_secret: 'client-secret-value',
    scope: 'write',
  });
  t.deepEqual(s.seen, Array(5).fill('Bearer tok-1-abcdefgh'));
  t.regex(r.err, /<oauth client_credentials http:\/\/127\.0\.0\.1:\d+\/token>/);
  t.regex(r.err, /\{"you_sent":"Bearer \*\*\*"\}/);
  t.notRegex(r.err, /tok-1-abcdefgh|client-secret-value/);
});

test('a token about to expire is fetched again before the next request', async (t) => {
  // 30 s is inside the refresh margin (a minute): every request finds its token about to expire.
  const s = await servers(30);
  t.teardown(() => s.close());
  const r = await runModel(s.url);
  t.is(r.code, 0, r.err);
  t.is(s.grants.length, 5);
  t.deepEqual(
    s.seen,
    [1, 2, 3, 4, 5].map((n) => `Bearer tok-${n}-abcdefgh`),
  );
});

test("a refused grant fails the requests with the token endpoint's message and is asked for once", async (t) => {
  const s = await servers(3600);
  t.teardown(() => s.close());
  const r = await runModel(s.url, 'a-wrong-secret-value');
  t.like(
    r.results.find((x) => x['model'] === 'sync.api'),
    { saved: 0, failed: 5 },
  );
  t.is(s.grants.length, 1);
  t.deepEqual(s.seen, []);
  t.notRegex(r.err, /a-wrong-secret-value/);
});
