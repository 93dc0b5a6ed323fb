/**
 * The Braze simulator behaves as Braze's /users/track and /users/delete are documented to (see
 * test/simulators/braze.ts for the sources).
 */
import test from 'ava';
import { BRAZE_DELETE_MAX, BRAZE_TRACK_MAX, type BrazeOptions, startBraze } from './simulators/braze.js';

const KEY = 'braze-rest-key';

async function sim(t: { teardown(fn: () => Promise<void>): void }, options: Partial<BrazeOptions> = {}) {
  const s = await startBraze({ apiKey: KEY, ...options });
  t.teardown(() => s.close());
  return s;
}

function post(url: string, body: unknown, key = KEY): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const attrs = (id: string, email: string, extra: Record<string, unknown> = {}) => ({
  external_id: id,
  email,
  ...extra,
});

test('attributes all accepted: 200 success with the count, and the profiles hold them', async (t) => {
  const s = await sim(t);
  const res = await post(`${s.url}/users/track`, {
    attributes: [attrs('1', 'a@x.io', { plan: 'pro' }), attrs('2', 'b@x.io')],
  });
  t.is(res.status, 200);
  t.deepEqual(await res.json(), { attributes_processed: 2, message: 'success' });
  await post(`${s.url}/users/track`, { attributes: [{ external_id: '1', plan: 'free' }] });
  t.deepEqual(s.users.get('1'), { email: 'a@x.io', plan: 'free' });
  t.is(s.users.size, 2);
});

test('some invalid objects: 201 success with non-fatal errors by index; the others are processed', async (t) => {
  const s = await sim(t, { invalid: (a) => !String(a['email']).includes('@') });
  const res = await post(`${s.url}/users/track`, {
    attributes: [
      attrs('1', 'a@x.io'),
      attrs('2', 'broken'),
      { email_subscribe: 'opted_in' },
      attrs('4', 'd@x.io'),
    ],
  });
  t.is(res.status, 201);
  const body = (await res.json()) as {
    message: string;
    attributes_processed: number;
    errors: { type: string; input_array: string; index: number }[];
  };
  t.is(body.message, 'success');
  t.is(body.attributes_processed, 2);
  t.deepEqual(
    body.errors.map((e) => [e.input_array, e.index]),
    [
      ['attributes', 1],
      ['attributes', 2],
    ],
  );
  t.regex(body.errors[0]!.type, /'email' is not a valid email address: 'broken'/);
  t.regex(body.errors[1]!.type, /'external_id'.* is required/);
  t.deepEqual([...s.users.keys()], ['1', '4']);
});

test('more than 75 attribute objects: 400 with a fatal message, nothing processed', async (t) => {
  const s = await sim(t);
  const attributes = Array.from({ length: BRAZE_TRACK_MAX + 1 }, (_, i) => attrs(String(i), `u${i}@x.io`));
  const res = await post(`${s.url}/users/track`, { attributes });
  t.is(res.status, 400);
  const body = (await res.json()) as { message: string };
  t.regex(body.message, /at most 75/);
  t.is(s.users.size, 0);
  t.is((await post(`${s.url}/users/track`, { attributes: attributes.slice(0, 75) })).status, 200);
  t.is(s.users.size, 75);
});

test('a wrong REST key gets 401 and changes nothing', async (t) => {
  const s = await sim(t);
  const res = await post(`${s.url}/users/track`, { attributes: [attrs('1', 'a@x.io')] }, 'wrong');
  t.is(res.status, 401);
  t.regex(((await res.json()) as { message: string }).message, /Invalid API key/);
  t.is(s.users.size, 0);
});

test('past the configured rate: 429 with X-RateLimit-Limit, -Remaining and -Reset (epoch seconds)', async (t) => {
  const s = await sim(t, { rate: { limit: 1, windowMs: 3000 } });
  const before = Math.floor(Date.now() / 1000);
  t.is((await post(`${s.url}/users/track`, { attributes: [attrs('1', 'a@x.io')] })).status, 200);
  const res = await post(`${s.url}/users/track`, { attributes: [attrs('2', 'b@x.io')] });
  t.is(res.status, 429);
  t.is(res.headers.get('x-ratelimit-limit'), '1');
  t.is(res.headers.get('x-ratelimit-remaining'), '0');
  const reset = Number(res.headers.get('x-ratelimit-reset'));
  t.true(reset >= before + 2 && reset <= before + 4, String(reset));
  t.deepEqual([...s.users.keys()], ['1']);
});

test('/users/delete removes the named external ids (at most 50 per request)', async (t) => {
  const s = await sim(t);
  await post(`${s.url}/users/track`, {
    attributes: [attrs('1', 'a@x.io'), attrs('2', 'b@x.io'), attrs('3', 'c@x.io')],
  });
  const res = await post(`${s.url}/users/delete`, { external_ids: ['1', '3', 'unknown'] });
  t.is(res.status, 200);
  t.deepEqual(await res.json(), { deleted: 2, message: 'success' });
  t.deepEqual([...s.users.keys()], ['2']);
  const tooMany = Array.from({ length: BRAZE_DELETE_MAX + 1 }, (_, i) => String(i));
  t.is((await post(`${s.url}/users/delete`, { external_ids: tooMany })).status, 400);
  t.deepEqual([...s.users.keys()], ['2']);
});
