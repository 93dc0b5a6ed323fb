/**
 * The Salesforce simulator behaves as Salesforce's REST API and OAuth token endpoint are
 * documented to (see test/simulators/salesforce.ts for the sources).
 */
import test from 'ava';
import { generateKeyPairSync, sign } from 'node:crypto';
import {
  JWT_BEARER,
  SALESFORCE_BATCH_MAX,
  type SalesforceOptions,
  startSalesforce,
} from './simulators/salesforce.js';

const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PUBLIC = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const OTHER = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const AUD = 'https://login.salesforce.com';

async function sim(t: { teardown(fn: () => Promise<void>): void }, options: Partial<SalesforceOptions> = {}) {
  const s = await startSalesforce({
    clientId: 'cid',
    clientSecret: 'csecret',
    refreshToken: 'rt-1',
    jwt: { publicKeyPem: PUBLIC, subject: 'sync@example.com', audience: AUD },
    ...options,
  });
  t.teardown(() => s.close());
  return s;
}

function tokenRequest(url: string, form: Record<string, string>): Promise<Response> {
  return fetch(`${url}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
}

function jwt(claims: Record<string, unknown>, key = keys.privateKey): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${enc({ alg: 'RS256' })}.${enc(claims)}`;
  return `${head}.${sign('RSA-SHA256', Buffer.from(head), key).toString('base64url')}`;
}

const upsertUrl = (base: string) => `${base}/services/data/v61.0/composite/sobjects/Contact/Ext_Id__c`;

function patch(url: string, token: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const contact = (ext: string, email: string) => ({
  attributes: { type: 'Contact' },
  Ext_Id__c: ext,
  Email: email,
});

test('client credentials, refresh token and a JWT bearer assertion each get a token the API accepts', async (t) => {
  const s = await sim(t);
  const forms = [
    { grant_type: 'client_credentials', client_id: 'cid', client_secret: 'csecret' },
    { grant_type: 'refresh_token', client_id: 'cid', client_secret: 'csecret', refresh_token: 'rt-1' },
    {
      grant_type: JWT_BEARER,
      assertion: jwt({
        iss: 'cid',
        sub: 'sync@example.com',
        aud: AUD,
        exp: Math.floor(Date.now() / 1000) + 180,
      }),
    },
  ];
  for (const form of forms) {
    const res = await tokenRequest(s.url, form);
    t.is(res.status, 200, form.grant_type);
    const body = (await res.json()) as Record<string, string>;
    t.is(body['token_type'], 'Bearer');
    t.is(body['instance_url'], s.url);
    t.false('expires_in' in body, 'Salesforce does not say when a token expires');
    const api = await patch(upsertUrl(s.url), body['access_token']!, { allOrNone: false, records: [] });
    t.is(api.status, 200);
  }
  t.deepEqual(s.grants, ['client_credentials', 'refresh_token', JWT_BEARER]);
});

test('refused grants answer 400 with an OAuth error and no token', async (t) => {
  const s = await sim(t);
  const exp = Math.floor(Date.now() / 1000) + 180;
  const cases: [Record<string, string>, string][] = [
    [{ grant_type: 'client_credentials', client_id: 'cid', client_secret: 'wrong' }, 'invalid_client'],
    [{ grant_type: 'refresh_token', client_id: 'cid', refresh_token: 'stale' }, 'invalid_grant'],
    [
      {
        grant_type: JWT_BEARER,
        assertion: jwt({ iss: 'cid', sub: 'sync@example.com', aud: AUD, exp }, OTHER),
      },
      'invalid_grant',
    ],
    [
      {
        grant_type: JWT_BEARER,
        assertion: jwt({ iss: 'cid', sub: 'sync@example.com', aud: AUD, exp: 1000 }),
      },
      'invalid_grant',
    ],
    [
      { grant_type: JWT_BEARER, assertion: jwt({ iss: 'other', sub: 'sync@example.com', aud: AUD, exp }) },
      'invalid_client_id',
    ],
    [{ grant_type: 'password', username: 'u', password: 'p' }, 'unsupported_grant_type'],
  ];
  for (const [form, error] of cases) {
    const res = await tokenRequest(s.url, form);
    t.is(res.status, 400);
    const body = (await res.json()) as { error: string; error_description: string; access_token?: string };
    t.is(body.error, error);
    t.is(typeof body.error_description, 'string');
    t.is(body.access_token, undefined);
  }
  t.deepEqual(s.grants, []);
});

test('an expired or unknown token gets 401 INVALID_SESSION_ID', async (t) => {
  const s = await sim(t);
  const token = s.issueToken();
  t.is((await patch(upsertUrl(s.url), token, { records: [] })).status, 200);
  s.expireTokens();
  const res = await patch(upsertUrl(s.url), token, { records: [contact('1', 'a@x.io')] });
  t.is(res.status, 401);
  t.deepEqual(await res.json(), [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
  t.is((await patch(upsertUrl(s.url), 'made-up', { records: [] })).status, 401);
  t.is(s.records('Contact').size, 0);
});

test('an upsert answers in request order, creating then updating, with per-record errors beside successes', async (t) => {
  const s = await sim(t, { invalid: (r) => !String(r['Email']).includes('@') });
  const token = s.issueToken();
  const res = await patch(upsertUrl(s.url), token, {
    allOrNone: false,
    records: [contact('1', 'a@x.io'), contact('2', 'broken'), contact('3', 'c@x.io')],
  });
  t.is(res.status, 200);
  const body = (await res.json()) as {
    id?: string;
    success: boolean;
    created?: boolean;
    errors: { statusCode: string; message: string; fields: string[] }[];
  }[];
  t.deepEqual(
    body.map((r) => [r.success, r.created]),
    [
      [true, true],
      [false, undefined],
      [true, true],
    ],
  );
  t.deepEqual(body[1]!.errors, [
    {
      statusCode: 'INVALID_EMAIL_ADDRESS',
      message: 'Email: invalid email address: broken',
      fields: ['Email'],
    },
  ]);
  t.deepEqual([...s.records('Contact').keys()], ['1', '3']);
  const again = await patch(upsertUrl(s.url), token, {
    records: [{ ...contact('1', 'new@x.io'), FirstName: 'Ann' }],
  });
  const second = (await again.json()) as { id: string; created: boolean }[];
  t.false(second[0]!.created);
  t.is(second[0]!.id, body[0]!.id ?? '(none)');
  t.like(s.records('Contact').get('1'), { Email: 'new@x.io', FirstName: 'Ann', Ext_Id__c: '1' });
});

test('allOrNone rolls back the whole request when one record fails', async (t) => {
  const s = await sim(t, { invalid: (r) => !String(r['Email']).includes('@') });
  const res = await patch(upsertUrl(s.url), s.issueToken(), {
    allOrNone: true,
    records: [contact('1', 'a@x.io'), contact('2', 'broken')],
  });
  const body = (await res.json()) as { success: boolean; errors: { statusCode: string }[] }[];
  t.deepEqual(
    body.map((r) => [r.success, r.errors[0]!.statusCode]),
    [
      [false, 'ALL_OR_NONE_OPERATION_ROLLED_BACK'],
      [false, 'INVALID_EMAIL_ADDRESS'],
    ],
  );
  t.is(s.records('Contact').size, 0);
});

test('more than 200 records are refused whole with 400 EXCEEDED_ID_LIMIT', async (t) => {
  const s = await sim(t);
  const records = Array.from({ length: SALESFORCE_BATCH_MAX + 1 }, (_, i) =>
    contact(String(i), `u${i}@x.io`),
  );
  const res = await patch(upsertUrl(s.url), s.issueToken(), { records });
  t.is(res.status, 400);
  const body = (await res.json()) as { errorCode: string }[];
  t.is(body[0]!.errorCode, 'EXCEEDED_ID_LIMIT');
  t.is(s.records('Contact').size, 0);
  const ok = await patch(upsertUrl(s.url), s.issueToken(), { records: records.slice(0, 200) });
  t.is(ok.status, 200);
  t.is(s.records('Contact').size, 200);
});

test('delete by external id removes that record (204); an unknown value is 404 NOT_FOUND', async (t) => {
  const s = await sim(t);
  const token = s.issueToken();
  await patch(upsertUrl(s.url), token, { records: [contact('1', 'a@x.io'), contact('2', 'b@x.io')] });
  const del = (v: string) =>
    fetch(`${s.url}/services/data/v61.0/sobjects/Contact/Ext_Id__c/${v}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
  t.is((await del('1')).status, 204);
  const missing = await del('1');
  t.is(missing.status, 404);
  t.deepEqual(await missing.json(), [
    { errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' },
  ]);
  t.deepEqual([...s.records('Contact').keys()], ['2']);
});

test('over the configured request limit: 403 REQUEST_LIMIT_EXCEEDED, with Sforce-Limit-Info on every answer', async (t) => {
  const s = await sim(t, { rate: { limit: 1, windowMs: 60_000 } });
  const token = s.issueToken();
  const first = await patch(upsertUrl(s.url), token, { records: [contact('1', 'a@x.io')] });
  t.is(first.headers.get('sforce-limit-info'), 'api-usage=1/1');
  const second = await patch(upsertUrl(s.url), token, { records: [contact('2', 'b@x.io')] });
  t.is(second.status, 403);
  t.deepEqual(await second.json(), [
    { message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' },
  ]);
  t.deepEqual([...s.records('Contact').keys()], ['1']);
});
