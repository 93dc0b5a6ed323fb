/**
 * OAuth 2.0 tokens (lib/send/oauth.ts, token-cache.ts, jwt.ts) against the Salesforce
 * simulator's token endpoint and a plain token server on port 0: each grant, one fetch per run,
 * a refresh before expiry (on an injected clock, no waiting), one refresh after a 401, refresh
 * token rotation, and tokens that never show in printed forms or errors.
 */
import test from 'ava';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { privateKeyFromPem } from '../lib/send/jwt.js';
import { type OAuthGrant, requestToken } from '../lib/send/oauth.js';
import { OAuthError } from '../lib/send/oauth-error.js';
import { TokenCache } from '../lib/send/token-cache.js';
import { JWT_BEARER, startSalesforce } from './simulators/salesforce.js';

const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PUBLIC = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const AUD = 'https://login.salesforce.com';

/** keyFile writes the test private key to a temp file, removed after the test. */
function keyFile(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'ebb-oauth-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'key.pem');
  writeFileSync(path, PRIVATE);
  return path;
}

async function salesforce(t: { teardown(fn: () => Promise<void>): void }) {
  const s = await startSalesforce({
    clientId: 'cid',
    clientSecret: 'csecret',
    refreshToken: 'rt-1',
    jwt: { publicKeyPem: PUBLIC, subject: 'sync@example.com', audience: AUD },
  });
  t.teardown(() => s.close());
  return s;
}

/** upsert sends one record with the given Authorization header and returns the status. */
async function upsert(base: string, authorization: string): Promise<{ status: number }> {
  const res = await fetch(`${base}/services/data/v61.0/composite/sobjects/Contact/Ext_Id__c`, {
    method: 'PATCH',
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON.stringify({ records: [{ attributes: { type: 'Contact' }, Ext_Id__c: '1', Email: 'a@x.io' }] }),
  });
  await res.arrayBuffer();
  return { status: res.status };
}

test('each grant gets a token from the Salesforce token endpoint that its API accepts', async (t) => {
  const s = await salesforce(t);
  const grants: OAuthGrant[] = [
    { kind: 'client_credentials', clientId: 'cid', clientSecret: 'csecret' },
    { kind: 'client_credentials', clientId: 'cid', clientSecret: 'csecret', clientAuth: 'basic' },
    { kind: 'refresh_token', clientId: 'cid', clientSecret: 'csecret', refreshToken: 'rt-1' },
    {
      kind: 'jwt_bearer',
      clientId: 'cid',
      subject: 'sync@example.com',
      audience: AUD,
      privateKeyPem: PRIVATE,
    },
    // A key kept in an env value, its newlines written as \n.
    {
      kind: 'jwt_bearer',
      clientId: 'cid',
      subject: 'sync@example.com',
      audience: AUD,
      privateKeyPem: PRIVATE.replace(/\n/g, '\\n'),
    },
    // The key in a file.
    {
      kind: 'jwt_bearer',
      clientId: 'cid',
      subject: 'sync@example.com',
      audience: AUD,
      privateKeyFile: keyFile(t),
    },
  ];
  for (const grant of grants) {
    const { token } = await requestToken(`${s.url}/services/oauth2/token`, grant);
    t.is(token.instanceUrl, s.url);
    t.is(token.expiresAt, undefined, 'Salesforce gives no expires_in: the token lasts until a 401');
    t.is((await upsert(s.url, token.authorization())).status, 200);
  }
  t.deepEqual(s.grants, [
    'client_credentials',
    'client_credentials',
    'refresh_token',
    JWT_BEARER,
    JWT_BEARER,
    JWT_BEARER,
  ]);
  const missing = join(tmpdir(), 'ebb-no-such-key.pem');
  const err = await t.throwsAsync(
    requestToken(`${s.url}/services/oauth2/token`, {
      kind: 'jwt_bearer',
      clientId: 'cid',
      subject: 'x',
      audience: AUD,
      privateKeyFile: missing,
    }),
    { instanceOf: OAuthError },
  );
  t.is(err!.message, `cannot read the JWT private key file ${missing} (ENOENT): check the path`);
});

test('the cache fetches once for many users, and once again after the session expires (401)', async (t) => {
  const s = await salesforce(t);
  const secrets: string[] = [];
  const cache = new TokenCache({
    tokenUrl: `${s.url}/services/oauth2/token`,
    grant: {
      kind: 'jwt_bearer',
      clientId: 'cid',
      subject: 'sync@example.com',
      audience: AUD,
      privateKeyPem: PRIVATE,
    },
    onSecret: (v) => secrets.push(v),
  });
  const [a, b] = await Promise.all([cache.get(), cache.get()]);
  t.is(a, b);
  t.is(cache.fetches, 1);
  t.deepEqual(secrets, [a!.value()]);
  const sends = await Promise.all([1, 2, 3].map(() => cache.authorized((auth) => upsert(s.url, auth))));
  t.deepEqual(
    sends.map((r) => r.status),
    [200, 200, 200],
  );
  t.is(cache.fetches, 1);
  s.expireTokens();
  const after = await Promise.all([1, 2, 3].map(() => cache.authorized((auth) => upsert(s.url, auth))));
  t.deepEqual(
    after.map((r) => r.status),
    [200, 200, 200],
    'each request that met the 401 was sent once more, with the new token',
  );
  t.is(cache.fetches, 2, 'three requests refused together caused one new token request');
  t.is(s.grants.length, 2);
  t.is(secrets.length, 2);
});

/** A plain token server: counts grants, answers expires_in, rotates refresh tokens when asked. */
async function tokenServer(t: { teardown(fn: () => Promise<void>): void }, rotate = false) {
  const seen: URLSearchParams[] = [];
  let n = 0;
  let refresh = 'r0';
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      seen.push(form);
      if (form.get('grant_type') === 'refresh_token' && form.get('refresh_token') !== refresh) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'invalid_grant', error_description: 'refresh token revoked' }));
        return;
      }
      n++;
      if (rotate) refresh = `r${n}`;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          access_token: `tok-${n}`,
          token_type: 'bearer',
          expires_in: 3600,
          ...(rotate ? { refresh_token: refresh } : {}),
        }),
      );
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  t.teardown(() => new Promise<void>((ok) => server.close(() => ok())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token`, seen };
}

test('a token is refreshed a margin before it expires, on the cache clock', async (t) => {
  const server = await tokenServer(t);
  let clock = 1_000_000;
  const cache = new TokenCache({
    tokenUrl: server.url,
    grant: { kind: 'client_credentials', clientId: 'id', clientSecret: 'sec', scope: 'crm.write' },
    refreshMarginMs: 60_000,
    request: { now: () => clock },
  });
  const first = await cache.get();
  t.is(first.value(), 'tok-1');
  t.is(first.authorization(), 'Bearer tok-1');
  t.is(first.expiresAt, 1_000_000 + 3_600_000);
  clock += 3_600_000 - 60_001;
  t.is((await cache.get()).value(), 'tok-1', 'still more than the margin left');
  clock += 2;
  t.is((await cache.get()).value(), 'tok-2', 'within the margin: a new token');
  t.is(cache.fetches, 2);
  t.deepEqual(
    server.seen.map((f) => [f.get('grant_type'), f.get('client_id'), f.get('scope')]),
    [
      ['client_credentials', 'id', 'crm.write'],
      ['client_credentials', 'id', 'crm.write'],
    ],
  );
});

test('a rotated refresh token is the one used for the next refresh', async (t) => {
  const server = await tokenServer(t, true);
  let clock = 0;
  const secrets: string[] = [];
  const cache = new TokenCache({
    tokenUrl: server.url,
    grant: { kind: 'refresh_token', clientId: 'id', refreshToken: 'r0' },
    request: { now: () => clock },
    onSecret: (v) => secrets.push(v),
  });
  t.is((await cache.get()).value(), 'tok-1');
  clock += 3_600_000;
  t.is((await cache.get()).value(), 'tok-2');
  t.deepEqual(
    server.seen.map((f) => f.get('refresh_token')),
    ['r0', 'r1'],
  );
  t.deepEqual(secrets, ['tok-1', 'r1', 'tok-2', 'r2']);
});

test('a second 401 in a row is returned, not retried again', async (t) => {
  const server = await tokenServer(t);
  const cache = new TokenCache({
    tokenUrl: server.url,
    grant: { kind: 'client_credentials', clientId: 'i', clientSecret: 's' },
  });
  const auths: string[] = [];
  const res = await cache.authorized(async (auth) => {
    auths.push(auth);
    return { status: 401 };
  });
  t.is(res.status, 401);
  t.deepEqual(auths, ['Bearer tok-1', 'Bearer tok-2']);
  t.is(cache.fetches, 2);
});

test('a refused grant is EBB_OAUTH naming the endpoint and the OAuth error, with no secret in it; it is not cached', async (t) => {
  const server = await tokenServer(t, true);
  const cache = new TokenCache({
    tokenUrl: `${server.url}?tenant=abc`,
    grant: {
      kind: 'refresh_token',
      clientId: 'id',
      clientSecret: 'very-secret-1',
      refreshToken: 'stale-refresh',
    },
  });
  const err = await t.throwsAsync(cache.get(), { instanceOf: OAuthError });
  t.is(err!.code, 'EBB_OAUTH');
  t.is(err!.oauthError, 'invalid_grant');
  t.is(err!.status, 400);
  t.true(
    err!.message.startsWith(
      `${server.url} refused the refresh_token grant (HTTP 400, invalid_grant: refresh token revoked)`,
    ),
  );
  for (const secret of ['very-secret-1', 'stale-refresh', 'tenant=abc'])
    t.false(err!.message.includes(secret));
  await t.throwsAsync(cache.get(), { instanceOf: OAuthError });
  t.is(cache.fetches, 2, 'a failed fetch is tried again on the next use');
});

test('an endpoint that is down, or answers without a token, is EBB_OAUTH saying so', async (t) => {
  const server = await tokenServer(t);
  const down = server.url.replace(/:\d+\//, ':1/');
  const grant: OAuthGrant = { kind: 'client_credentials', clientId: 'i', clientSecret: 's' };
  const e1 = await t.throwsAsync(requestToken(down, grant), { instanceOf: OAuthError });
  t.regex(e1!.message, /^token request to http:\/\/127\.0\.0\.1:1\/oauth\/token got no answer/);
  const plain = createServer((_req, res) => res.end('{"hello":"world"}'));
  await new Promise<void>((ok) => plain.listen(0, '127.0.0.1', ok));
  t.teardown(() => new Promise<void>((ok) => plain.close(() => ok())));
  const url = `http://127.0.0.1:${(plain.address() as AddressInfo).port}/token`;
  const e2 = await t.throwsAsync(requestToken(url, grant), { instanceOf: OAuthError });
  t.regex(e2!.message, /answered 200 without an access_token/);
});

test('a token prints, logs and encodes as a placeholder; only value() gives it', async (t) => {
  const server = await tokenServer(t);
  const { token } = await requestToken(server.url, {
    kind: 'client_credentials',
    clientId: 'i',
    clientSecret: 's',
  });
  t.is(token.value(), 'tok-1');
  for (const shown of [
    String(token),
    `${token}`,
    JSON.stringify(token),
    inspect(token),
    inspect({ token }),
  ]) {
    t.false(shown.includes('tok-1'), shown);
  }
});

test('a private key that is not a PEM RSA key is EBB_OAUTH without quoting the key', (t) => {
  const garbage = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC-not-a-key';
  const err = t.throws(() => privateKeyFromPem(garbage), { instanceOf: OAuthError });
  t.false(err!.message.includes('MIIEvQ'));
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  });
  t.throws(() => privateKeyFromPem(ec.toString()), {
    message: /is ec an RSA key|not an RSA key|RS256 needs RSA/,
  });
});
