/**
 * @ebb/salesforce.star through the CLI against the Salesforce simulator, authenticated with
 * ebb's oauth module: the JWT bearer flow (an RSA key in an env value) and client credentials.
 * The token is fetched once per run and once more after the session expires mid-run (a 401),
 * and appears in no output and nowhere in the state. 1 % invalid emails are rejected with
 * Salesforce's message, a rerun sends nothing, `ebb retry` sends them again, deletes remove
 * exactly the removed keys, and the simulator holds the source minus the rejected rows.
 */
import test from 'ava';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  JWT_BEARER as JWT_GRANT,
  startSalesforce,
  type SalesforceSimulator,
} from './simulators/salesforce.js';
import { acked, catalogProject, failures, run, writeCsv, type Row } from './helpers/catalog-cli.js';
import { ebb } from './helpers/project.js';

const N = process.env['EBB_SLOW'] === '1' ? 10_000 : 2_000;
const COLUMNS = ['Customer_Id__c', 'Email', 'LastName'];
const MODEL = `# @kind: tracked
# @unique_key: Customer_Id__c
load("@ebb/salesforce.star", "salesforce")
salesforce.upsert("Contact", query("SELECT Customer_Id__c, Email, LastName FROM mart.customers"), external_id="Customer_Id__c")
salesforce.delete("Contact", deleted(), external_id="Customer_Id__c")
`;

const source = (n: number): Row[] =>
  [...Array(n).keys()].map((i) => ({
    Customer_Id__c: `C${String(i).padStart(6, '0')}`,
    Email: i % 100 === 13 ? `c${i}@invalid` : `c${i}@example.com`,
    LastName: `Last ${i}`,
  }));

/**
 * A proxy in front of the simulator that expires every session just before the `nth` upsert,
 * and counts the upserts the simulator refused with 401: with @concurrency 10, an upsert already
 * on its way with the old token when the session expires is refused too (and re-sent once).
 */
async function expiringProxy(
  sim: SalesforceSimulator,
  nth: number,
): Promise<{ url: string; close: () => void; refused: () => number }> {
  let upserts = 0;
  let refused = 0;
  const target = new URL(sim.url);
  const server = createServer((req, res) => {
    if (req.method === 'PATCH' && ++upserts === nth) sim.expireTokens();
    const out = request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        if (req.method === 'PATCH' && answer.statusCode === 401) refused++;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(out);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => server.close(),
    refused: () => refused,
  };
}

/** Every file of the project's state folder, as text, to look for a token in. */
function stateText(root: string): string {
  const dir = join(root, 'state');
  return readdirSync(dir)
    .map((f) => readFileSync(join(dir, f)).toString('latin1'))
    .join('\n');
}

const AUDIENCE = 'https://login.salesforce.com';

test('Salesforce with the JWT bearer flow: one token a run, a new one once after a 401 mid-run, never shown; outcomes, rerun, retry, deletes', async (t) => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const subject = 'integration@example.com';
  let refuse = true;
  const sim = await startSalesforce({
    clientId: '3MVG9-consumer-key',
    clientSecret: 'unused-in-jwt',
    jwt: {
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      subject,
      audience: AUDIENCE,
    },
    invalid: (r) => refuse && String(r['Email']).endsWith('@invalid'),
  });
  t.teardown(() => sim.close());
  const proxy = await expiringProxy(sim, 4);
  t.teardown(() => proxy.close());
  let rows = source(N);
  const root = catalogProject(MODEL, rows, COLUMNS);
  const env = {
    SALESFORCE_INSTANCE_URL: proxy.url,
    SALESFORCE_LOGIN_URL: proxy.url,
    SALESFORCE_JWT_AUDIENCE: AUDIENCE,
    SALESFORCE_CLIENT_ID: '3MVG9-consumer-key',
    SALESFORCE_USERNAME: subject,
    SALESFORCE_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
  const invalid = rows
    .filter((r) => String(r['Email']).endsWith('@invalid'))
    .map((r) => String(r['Customer_Id__c']));
  const held = () => [...sim.records('Contact').keys()].sort();
  const keys = (rs: readonly Row[], without: readonly string[] = []) =>
    rs
      .map((r) => String(r['Customer_Id__c']))
      .filter((k) => !without.includes(k))
      .sort();

  const first = await run(root, env);
  t.is(first.code, 3, first.stderr);
  t.like(first.result, { saved: N - N / 100, rejected: N / 100, failed: 0 });
  t.deepEqual(sim.grants, [JWT_GRANT, JWT_GRANT], 'one token, and one more after the session expired');
  const f = await failures(root);
  t.deepEqual(f.map((x) => JSON.parse(x.key).Customer_Id__c).sort(), invalid);
  t.true(
    f.every(
      (x) => x.kind === 'rejected' && /^INVALID_EMAIL_ADDRESS: Email: invalid email address/.test(x.error),
    ),
  );
  t.deepEqual(held(), keys(rows, invalid));
  t.deepEqual(await acked(root, 'Customer_Id__c'), keys(rows, invalid));

  const rerun = await run(root, env);
  t.is(rerun.code, 0, rerun.stderr);
  t.like(rerun.result, { saved: 0, rejected: 0 });
  t.true(proxy.refused() >= 1, 'the expired session refused at least the upsert that expired it');
  t.is(
    sim.log.filter((l) => l.startsWith('PATCH')).length,
    N / 200 + proxy.refused(),
    'the first run sent each batch once, and each one its expired session refused once more; a rerun sends nothing',
  );

  refuse = false;
  t.is((await ebb(['retry', 'sync.dest'], { cwd: root, env })).code, 0);
  const retried = await run(root, env);
  t.is(retried.code, 0, retried.stderr);
  t.like(retried.result, { saved: N / 100, rejected: 0 });
  t.deepEqual(held(), keys(rows));

  const removed = keys(rows).filter((_k, i) => i % 400 === 5);
  rows = rows.filter((r) => !removed.includes(String(r['Customer_Id__c'])));
  writeCsv(root, rows, COLUMNS);
  const deleting = await run(root, env);
  t.is(deleting.code, 0, deleting.stderr);
  t.deepEqual(held(), keys(rows));
  t.deepEqual(await acked(root, 'Customer_Id__c'), keys(rows));

  const everything =
    [first, rerun, retried, deleting].map((r) => r.stdout + r.stderr).join('\n') + stateText(root);
  t.false(/00Dsim!/.test(everything), 'no access token in any output or in the state');
  t.false(everything.includes('BEGIN PRIVATE KEY'), 'nor the private key');
});

test("Salesforce with client credentials: a refused secret fails every request with the endpoint's message, asked once; the right one delivers", async (t) => {
  const sim = await startSalesforce({ clientId: 'cid-123456', clientSecret: 'right-secret-123' });
  t.teardown(() => sim.close());
  const rows = source(450);
  const root = catalogProject(MODEL, rows, COLUMNS);
  const env = {
    SALESFORCE_INSTANCE_URL: sim.url,
    SALESFORCE_LOGIN_URL: sim.url,
    SALESFORCE_CLIENT_ID: 'cid-123456',
    SALESFORCE_CLIENT_SECRET: 'wrong-secret-456',
  };
  const wrong = await run(root, env);
  t.is(wrong.code, 3, wrong.stderr);
  t.like(wrong.result, { saved: 0, failed: 450 });
  t.is(
    sim.log.filter((l) => l.startsWith('POST /services/oauth2/token')).length,
    1,
    'the refused grant is asked for once',
  );
  t.is(sim.log.filter((l) => l.startsWith('PATCH')).length, 0);
  const f = await failures(root);
  t.regex(
    f[0]!.error,
    /refused the client_credentials grant \(HTTP 400, invalid_client: invalid client credentials\)/,
  );
  t.false((wrong.stdout + wrong.stderr + stateText(root)).includes('wrong-secret-456'));

  const right = await run(root, { ...env, SALESFORCE_CLIENT_SECRET: 'right-secret-123' });
  t.is(right.code, 0, right.stderr);
  t.like(right.result, { saved: 450 });
  t.deepEqual(sim.grants, ['client_credentials']);
  t.is(sim.records('Contact').size, 450);
});
