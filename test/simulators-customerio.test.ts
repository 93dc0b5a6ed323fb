/**
 * The Customer.io simulator behaves as the Track API v1 is documented to (see
 * test/simulators/customerio.ts for the sources).
 */
import test from 'ava';
import { type CustomerIoOptions, startCustomerIo } from './simulators/customerio.js';

async function sim(t: { teardown(fn: () => Promise<void>): void }, options: Partial<CustomerIoOptions> = {}) {
  const s = await startCustomerIo({ siteId: 'site1', apiKey: 'key1', ...options });
  t.teardown(() => s.close());
  return s;
}

function call(
  url: string,
  method: string,
  id: string,
  body?: unknown,
  creds = 'site1:key1',
): Promise<Response> {
  return fetch(`${url}/api/v1/customers/${encodeURIComponent(id)}`, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(creds).toString('base64')}`,
      'content-type': 'application/json',
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

test('identify creates then updates a person (200 {}); delete removes it (200 {})', async (t) => {
  const s = await sim(t);
  const res = await call(s.url, 'PUT', 'u 1', { email: 'a@x.io', plan: 'pro' });
  t.is(res.status, 200);
  t.deepEqual(await res.json(), {});
  await call(s.url, 'PUT', 'u 1', { plan: 'free', created_at: 1700000000 });
  t.deepEqual(s.people.get('u 1'), { email: 'a@x.io', plan: 'free', created_at: 1700000000 });
  const del = await call(s.url, 'DELETE', 'u 1');
  t.is(del.status, 200);
  t.is(s.people.size, 0);
  t.is((await call(s.url, 'DELETE', 'nobody')).status, 200, 'deleting an unknown person is not an error');
});

test('refused attributes are 400 with meta.error; wrong credentials are 401; past the rate, 429', async (t) => {
  const s = await sim(t, {
    invalid: (a) => a['email'] !== undefined && !String(a['email']).includes('@'),
    rate: { limit: 3, windowMs: 60_000 },
  });
  const bad = await call(s.url, 'PUT', '1', { email: 'broken' });
  t.is(bad.status, 400);
  t.deepEqual(await bad.json(), { meta: { error: 'Invalid email address: broken' } });
  const unauthorized = await call(s.url, 'PUT', '1', { email: 'a@x.io' }, 'site1:wrong');
  t.is(unauthorized.status, 401);
  t.deepEqual(await unauthorized.json(), { meta: { error: 'Unauthorized request' } });
  t.is((await call(s.url, 'PUT', '2', { email: 'b@x.io' })).status, 200);
  t.is((await call(s.url, 'PUT', '3', { email: 'c@x.io' })).status, 200);
  t.is((await call(s.url, 'PUT', '4', { email: 'd@x.io' })).status, 429);
  t.deepEqual([...s.people.keys()], ['2', '3']);
});
