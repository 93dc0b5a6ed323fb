/**
 * The Intercom simulator behaves as Intercom's Contacts API is documented to (see
 * test/simulators/intercom.ts for the sources).
 */
import test from 'ava';
import { type IntercomOptions, startIntercom } from './simulators/intercom.js';

const TOKEN = 'dG9rOmFjY2Vzcw==';

async function sim(t: { teardown(fn: () => Promise<void>): void }, options: Partial<IntercomOptions> = {}) {
  const s = await startIntercom({ token: TOKEN, ...options });
  t.teardown(() => s.close());
  return s;
}

function call(url: string, method: string, body?: unknown, token = TOKEN): Promise<Response> {
  return fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'intercom-version': '2.11',
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

type ErrorList = { type: string; request_id: string; errors: { code: string; message: string }[] };

test('create, then a second create with the same external_id is 409 conflict naming the id; PUT updates it', async (t) => {
  const s = await sim(t);
  const created = await call(`${s.url}/contacts`, 'POST', {
    role: 'user',
    external_id: '42',
    email: 'a@x.io',
    custom_attributes: { plan: 'pro' },
  });
  t.is(created.status, 200);
  const c = (await created.json()) as { id: string; type: string; external_id: string };
  t.is(c.type, 'contact');
  t.is(c.external_id, '42');
  const again = await call(`${s.url}/contacts`, 'POST', { role: 'user', external_id: '42', email: 'a@x.io' });
  t.is(again.status, 409);
  const conflict = (await again.json()) as ErrorList;
  t.is(conflict.type, 'error.list');
  t.deepEqual(conflict.errors, [
    { code: 'conflict', message: `A contact matching those details already exists with id=${c.id}` },
  ]);
  const put = await call(`${s.url}/contacts/${c.id}`, 'PUT', {
    name: 'Ann',
    custom_attributes: { seats: 3 },
  });
  t.is(put.status, 200);
  t.like(s.byExternalId().get('42'), {
    name: 'Ann',
    email: 'a@x.io',
    custom_attributes: { plan: 'pro', seats: 3 },
  });
  t.is(s.contacts.size, 1);
});

test('search by external_id finds the live contact; archive hides it; creating it again is an archived conflict', async (t) => {
  const s = await sim(t);
  const c = (await (
    await call(`${s.url}/contacts`, 'POST', { role: 'user', external_id: '7', email: 'g@x.io' })
  ).json()) as { id: string };
  const found = await call(`${s.url}/contacts/search`, 'POST', {
    query: { field: 'external_id', operator: '=', value: '7' },
  });
  const list = (await found.json()) as { type: string; total_count: number; data: { id: string }[] };
  t.is(list.type, 'list');
  t.deepEqual(
    list.data.map((d) => d.id),
    [c.id],
  );
  const archived = await call(`${s.url}/contacts/${c.id}/archive`, 'POST');
  t.deepEqual(await archived.json(), { type: 'contact', id: c.id, external_id: '7', archived: true });
  t.is(s.byExternalId().size, 0);
  const none = (await (
    await call(`${s.url}/contacts/search`, 'POST', {
      query: { field: 'external_id', operator: '=', value: '7' },
    })
  ).json()) as { total_count: number };
  t.is(none.total_count, 0);
  const recreate = await call(`${s.url}/contacts`, 'POST', { role: 'user', external_id: '7' });
  t.is(recreate.status, 409);
  t.regex(
    ((await recreate.json()) as ErrorList).errors[0]!.message,
    /^An archived contact matching those details already exists with id=/,
  );
  t.is((await call(`${s.url}/contacts/${c.id}/unarchive`, 'POST')).status, 200);
  t.is(s.byExternalId().get('7')?.id, c.id);
});

test('an invalid contact is 400 parameter_invalid; a missing contact is 404; nothing is stored', async (t) => {
  const s = await sim(t, { invalid: (c) => c['email'] !== undefined && !String(c['email']).includes('@') });
  const bad = await call(`${s.url}/contacts`, 'POST', { role: 'user', external_id: '1', email: 'broken' });
  t.is(bad.status, 400);
  t.deepEqual(((await bad.json()) as ErrorList).errors, [
    { code: 'parameter_invalid', message: 'Invalid email: broken' },
  ]);
  t.is((await call(`${s.url}/contacts/ffff`, 'PUT', { name: 'x' })).status, 404);
  t.is(s.contacts.size, 0);
});

test('a bad token is 401 unauthorized "Access Token Invalid"', async (t) => {
  const s = await sim(t);
  const res = await call(`${s.url}/contacts`, 'POST', { role: 'user', external_id: '1' }, 'wrong');
  t.is(res.status, 401);
  t.deepEqual(((await res.json()) as ErrorList).errors, [
    { code: 'unauthorized', message: 'Access Token Invalid' },
  ]);
  t.is(s.contacts.size, 0);
});

test('every answer carries X-RateLimit-*; past the limit, 429 rate_limit_exceeded', async (t) => {
  const s = await sim(t, { rate: { limit: 2, windowMs: 10_000 } });
  const first = await call(`${s.url}/contacts`, 'POST', { role: 'user', external_id: '1' });
  t.is(first.headers.get('x-ratelimit-limit'), '2');
  t.is(first.headers.get('x-ratelimit-remaining'), '1');
  t.regex(first.headers.get('x-ratelimit-reset') ?? '', /^\d{10}$/);
  await call(`${s.url}/contacts`, 'POST', { role: 'user', external_id: '2' });
  const third = await call(`${s.url}/contacts`, 'POST', { role: 'user', external_id: '3' });
  t.is(third.status, 429);
  t.is(third.headers.get('x-ratelimit-remaining'), '0');
  t.is(((await third.json()) as ErrorList).errors[0]!.code, 'rate_limit_exceeded');
  t.deepEqual([...s.byExternalId().keys()], ['1', '2']);
});
