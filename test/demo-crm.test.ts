// The demo CRM API behaves like a real one: the demo relies on each of these answers.

import test from 'ava';
import { join } from 'node:path';
import { tempDir } from './helpers/project.js';
import { startCrm, type Crm } from '../lib/demo/crm-server.js';

async function call(crm: Crm, method: string, path: string, body?: unknown, token = crm.token) {
  const res = await fetch(crm.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
  };
}

test('contacts: create, conflict, invalid email, update, delete, list', async (t) => {
  const crm = await startCrm({});
  t.teardown(() => crm.close());
  t.is((await call(crm, 'POST', '/contacts', { id: 1, email: 'a@example.com' })).status, 201);
  t.is((await call(crm, 'POST', '/contacts', { id: 1, email: 'a@example.com' })).status, 409);
  const bad = await call(crm, 'POST', '/contacts', { id: 2, email: 'not-an-email' });
  t.is(bad.status, 400);
  t.regex(String(bad.body?.['message']), /invalid email/);
  t.is((await call(crm, 'PATCH', '/contacts/1', { plan: 'pro' })).status, 200);
  t.is((await call(crm, 'PATCH', '/contacts/1', { email: 'nope' })).status, 400);
  t.is((await call(crm, 'PATCH', '/contacts/9', { plan: 'pro' })).status, 404);
  const list = await call(crm, 'GET', '/contacts');
  t.deepEqual(list.body?.['results'], [{ id: 1, email: 'a@example.com', plan: 'pro' }]);
  t.is((await call(crm, 'DELETE', '/contacts/1')).status, 204);
  t.is((await call(crm, 'DELETE', '/contacts/1')).status, 404);
});

test('a wrong token is 401', async (t) => {
  const crm = await startCrm({});
  t.teardown(() => crm.close());
  t.is((await call(crm, 'GET', '/contacts', undefined, 'wrong')).status, 401);
});

test('batches above 100 inputs are 413; at most 100 are upserted', async (t) => {
  const crm = await startCrm({});
  t.teardown(() => crm.close());
  const inputs = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i + 1, properties: {} }));
  t.is((await call(crm, 'POST', '/deals/batch/upsert', { inputs: inputs(101) })).status, 413);
  t.is((await call(crm, 'POST', '/deals/batch/upsert', { inputs: inputs(100) })).status, 200);
  t.is((await call(crm, 'GET', '/deals')).body?.['count'], 100);
});

test('above the rate limit the API answers 429 with Retry-After', async (t) => {
  const crm = await startCrm({ ratePerSecond: 1 });
  t.teardown(() => crm.close());
  const answers = await Promise.all(Array.from({ length: 10 }, () => call(crm, 'GET', '/tickets')));
  const limited = answers.filter((a) => a.status === 429);
  t.true(limited.length >= 1, `statuses: ${answers.map((a) => a.status).join(',')}`);
  t.regex(limited[0]?.headers.get('retry-after') ?? '', /^\d+$/);
});

test('tickets are paged and the same on every call', async (t) => {
  const crm = await startCrm({ tickets: 250 });
  t.teardown(() => crm.close());
  const p1 = await call(crm, 'GET', '/tickets?page=1&limit=100');
  const p3 = await call(crm, 'GET', '/tickets?page=3&limit=100');
  t.is((p1.body?.['results'] as unknown[]).length, 100);
  t.is(p1.body?.['next_page'], 2);
  t.is((p3.body?.['results'] as unknown[]).length, 50);
  t.is(p3.body?.['next_page'], null);
  t.deepEqual((await call(crm, 'GET', '/tickets?page=1&limit=100')).body, p1.body);
});

test('data persists in its file between starts', async (t) => {
  const data = join(tempDir(), 'crm.json');
  const first = await startCrm({ data });
  await call(first, 'POST', '/contacts', { id: 7, email: 'x@example.com' });
  await first.close();
  const second = await startCrm({ data });
  t.teardown(() => second.close());
  t.is((await call(second, 'GET', '/contacts/7')).status, 200);
});
