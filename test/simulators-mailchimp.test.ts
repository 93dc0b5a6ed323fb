/**
 * The Mailchimp simulator behaves as Mailchimp's batch subscribe and archive are documented to
 * (see test/simulators/mailchimp.ts for the sources).
 */
import test from 'ava';
import {
  MAILCHIMP_BATCH_MAX,
  type MailchimpOptions,
  startMailchimp,
  subscriberHash,
} from './simulators/mailchimp.js';

const KEY = '0123456789abcdef-us6';

async function sim(t: { teardown(fn: () => Promise<void>): void }, options: Partial<MailchimpOptions> = {}) {
  const s = await startMailchimp({ apiKey: KEY, lists: ['L1'], ...options });
  t.teardown(() => s.close());
  return s;
}

const auth = (key = KEY) => `Basic ${Buffer.from(`anystring:${key}`).toString('base64')}`;

function batch(url: string, body: unknown, key = KEY, list = 'L1'): Promise<Response> {
  return fetch(`${url}/3.0/lists/${list}`, {
    method: 'POST',
    headers: { authorization: auth(key), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const member = (email: string, fields: Record<string, unknown> = {}) => ({
  email_address: email,
  status: 'subscribed',
  merge_fields: fields,
});

test('a batch creates new members and, with update_existing, updates existing ones: 200 with both lists', async (t) => {
  const s = await sim(t);
  const first = await batch(s.url, {
    members: [member('A@x.io', { FNAME: 'Ann' }), member('b@x.io')],
    update_existing: true,
  });
  t.is(first.status, 200);
  const body = (await first.json()) as {
    new_members: { email_address: string; id: string }[];
    total_created: number;
    error_count: number;
  };
  t.deepEqual(
    body.new_members.map((m) => [m.email_address, m.id]),
    [
      ['A@x.io', subscriberHash('a@x.io')],
      ['b@x.io', subscriberHash('b@x.io')],
    ],
  );
  t.is(body.total_created, 2);
  t.is(body.error_count, 0);
  const second = await batch(s.url, { members: [member('a@x.io', { PLAN: 'pro' })], update_existing: true });
  const b2 = (await second.json()) as { updated_members: unknown[]; new_members: unknown[] };
  t.is(b2.updated_members.length, 1);
  t.is(b2.new_members.length, 0);
  t.deepEqual(s.members('L1').get('a@x.io')?.merge_fields, { FNAME: 'Ann', PLAN: 'pro' });
});

test('refused members come back in errors[] with email_address, error and error_code, inside a 200', async (t) => {
  const s = await sim(t, { invalid: (m) => !String(m['email_address']).includes('@') });
  await batch(s.url, { members: [member('a@x.io')] });
  const res = await batch(s.url, {
    members: [member('broken'), member('a@x.io'), member('c@x.io')],
    update_existing: false,
  });
  t.is(res.status, 200);
  const body = (await res.json()) as {
    errors: { email_address: string; error: string; error_code: string }[];
    total_created: number;
  };
  t.deepEqual(
    body.errors.map((e) => [e.email_address, e.error_code]),
    [
      ['broken', 'ERROR_GENERIC'],
      ['a@x.io', 'ERROR_CONTACT_EXISTS'],
    ],
  );
  t.regex(body.errors[0]!.error, /^broken looks fake or invalid/);
  t.is(body.total_created, 1);
  t.deepEqual([...s.members('L1').keys()], ['a@x.io', 'c@x.io']);
});

test('more than 500 members: 400 Invalid Resource problem detail, nothing stored', async (t) => {
  const s = await sim(t);
  const members = Array.from({ length: MAILCHIMP_BATCH_MAX + 1 }, (_, i) => member(`u${i}@x.io`));
  const res = await batch(s.url, { members });
  t.is(res.status, 400);
  t.regex(res.headers.get('content-type') ?? '', /application\/problem\+json/);
  const body = (await res.json()) as { title: string; status: number; detail: string };
  t.is(body.title, 'Invalid Resource');
  t.is(body.status, 400);
  t.is(s.members('L1').size, 0);
  t.is((await batch(s.url, { members: members.slice(0, 500) })).status, 200);
});

test('a wrong API key is 401 API Key Invalid; an unknown list is 404', async (t) => {
  const s = await sim(t);
  const bad = await batch(s.url, { members: [member('a@x.io')] }, 'nope-us6');
  t.is(bad.status, 401);
  t.is(((await bad.json()) as { title: string }).title, 'API Key Invalid');
  const missing = await batch(s.url, { members: [member('a@x.io')] }, KEY, 'L404');
  t.is(missing.status, 404);
  t.is(s.members('L1').size, 0);
});

test('archiving by subscriber hash answers 204 and marks the member archived; an unknown hash is 404', async (t) => {
  const s = await sim(t);
  await batch(s.url, { members: [member('A@x.io'), member('b@x.io')] });
  const del = (email: string) =>
    fetch(`${s.url}/3.0/lists/L1/members/${subscriberHash(email)}`, {
      method: 'DELETE',
      headers: { authorization: auth() },
    });
  t.is((await del('a@X.io')).status, 204, 'the hash is of the lower-cased email');
  t.is(s.members('L1').get('a@x.io')?.status, 'archived');
  t.is((await del('a@x.io')).status, 404);
  t.is((await del('nobody@x.io')).status, 404);
  t.is(s.members('L1').get('b@x.io')?.status, 'subscribed');
});

test('more simultaneous connections than allowed get 429 Too Many Requests', async (t) => {
  const s = await sim(t, { maxConnections: 2, latencyMs: 400 });
  const statuses = await Promise.all(
    [1, 2, 3, 4].map((i) => batch(s.url, { members: [member(`u${i}@x.io`)] }).then((r) => r.status)),
  );
  t.deepEqual(statuses.sort(), [200, 200, 429, 429]);
  t.is(s.members('L1').size, 2);
});
