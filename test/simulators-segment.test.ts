/**
 * The Segment simulator behaves as Segment's HTTP Tracking API batch endpoint is documented to
 * (see test/simulators/segment.ts for the sources).
 */
import test from 'ava';
import {
  SEGMENT_BATCH_MAX_BYTES,
  SEGMENT_EVENT_MAX_BYTES,
  type SegmentOptions,
  startSegment,
} from './simulators/segment.js';

const KEY = 'wk_test';

async function sim(t: { teardown(fn: () => Promise<void>): void }, options: Partial<SegmentOptions> = {}) {
  const s = await startSegment({ writeKey: KEY, ...options });
  t.teardown(() => s.close());
  return s;
}

function batch(url: string, body: unknown, key = KEY): Promise<Response> {
  return fetch(`${url}/v1/batch`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}`,
      'content-type': 'application/json',
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

test('identify and track calls are accepted with 200 {success: true}; traits merge; a repeated messageId counts once', async (t) => {
  const s = await sim(t);
  const res = await batch(s.url, {
    batch: [
      { type: 'identify', userId: 'u1', traits: { plan: 'pro' }, messageId: 'm1' },
      { type: 'track', userId: 'u1', event: 'Upgraded', properties: { to: 'pro' }, messageId: 'm2' },
      { type: 'identify', userId: 'u1', traits: { seats: 3 }, messageId: 'm3' },
      { type: 'track', userId: 'u1', event: 'Upgraded', messageId: 'm2' },
    ],
  });
  t.is(res.status, 200);
  t.deepEqual(await res.json(), { success: true });
  t.deepEqual(s.users.get('u1'), { plan: 'pro', seats: 3 });
  t.deepEqual(
    s.tracks.map((e) => e.messageId),
    ['m2'],
  );
});

test('events Segment cannot accept still get 200, and are dropped', async (t) => {
  const s = await sim(t);
  const res = await batch(s.url, {
    batch: [
      { type: 'identify', traits: { plan: 'pro' } },
      { type: 'track', userId: 'u1' },
      { type: 'identify', userId: 'u2', traits: {} },
    ],
  });
  t.is(res.status, 200);
  t.is(s.dropped.length, 2);
  t.deepEqual([...s.users.keys()], ['u2']);
});

test('an event over 32 KB or a batch over 500 KB is 400, and nothing of it is kept', async (t) => {
  const s = await sim(t);
  const big = { type: 'identify', userId: 'u1', traits: { blob: 'x'.repeat(SEGMENT_EVENT_MAX_BYTES) } };
  const one = await batch(s.url, { batch: [{ type: 'identify', userId: 'u0', traits: {} }, big] });
  t.is(one.status, 400);
  t.regex(((await one.json()) as { message: string }).message, /event 1 exceeds the 32 KB/);
  const events = Array.from({ length: 20 }, (_, i) => ({
    type: 'identify',
    userId: `u${i}`,
    traits: { blob: 'y'.repeat(30 * 1024) },
  }));
  t.true(JSON.stringify({ batch: events }).length > SEGMENT_BATCH_MAX_BYTES);
  const whole = await batch(s.url, { batch: events });
  t.is(whole.status, 400);
  t.is(s.users.size, 0);
  t.is((await batch(s.url, { batch: events.slice(0, 15) })).status, 200, '15 events of 30 KB fit in 500 KB');
  t.is(s.users.size, 15);
});

test('a body that is not JSON is 400; an unknown write key is 401; past the rate, 429', async (t) => {
  const s = await sim(t, { rate: { limit: 2, windowMs: 60_000 } });
  t.is((await batch(s.url, '{not json')).status, 400);
  t.is((await batch(s.url, { batch: [] }, 'other')).status, 401);
  t.is((await batch(s.url, { batch: [] })).status, 200);
  t.is((await batch(s.url, { batch: [{ type: 'identify', userId: 'late', traits: {} }] })).status, 429);
  t.is(s.users.size, 0);
});
