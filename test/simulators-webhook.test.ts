/**
 * The webhook receiver accepts exactly the deliveries signed with HMAC-SHA256 over their raw body
 * (see test/simulators/webhook.ts).
 */
import test from 'ava';
import { signature, startWebhook } from './simulators/webhook.js';

test('a delivery signed over its raw bytes is kept; a wrong, missing or re-encoded signature is 401', async (t) => {
  const s = await startWebhook({ secret: 'whsec', header: 'X-Ebb-Signature' });
  t.teardown(() => s.close());
  const raw = '{"id": 1,  "email":"a@x.io"}';
  const send = (body: string, sig?: string) =>
    fetch(`${s.url}/hooks/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(sig ? { 'x-ebb-signature': sig } : {}) },
      body,
    });
  t.is((await send(raw, signature('whsec', raw))).status, 200);
  t.is((await send(raw, signature('other', raw))).status, 401);
  t.is((await send(raw)).status, 401);
  t.is(
    (await send(raw, signature('whsec', JSON.stringify(JSON.parse(raw))))).status,
    401,
    'the signature is over the bytes sent',
  );
  t.is(s.refused, 3);
  t.deepEqual(
    s.deliveries.map((d) => [d.path, d.body]),
    [['/hooks/users', { id: 1, email: 'a@x.io' }]],
  );
});

test('answer() can fail chosen deliveries; they are not kept', async (t) => {
  const s = await startWebhook({ secret: 'k', answer: (b) => ((b as { id: number }).id === 2 ? 500 : 202) });
  t.teardown(() => s.close());
  const statuses: number[] = [];
  for (const id of [1, 2, 3]) {
    const body = JSON.stringify({ id });
    const res = await fetch(s.url, {
      method: 'POST',
      headers: { 'x-signature-256': signature('k', body) },
      body,
    });
    statuses.push(res.status);
  }
  t.deepEqual(statuses, [202, 500, 202]);
  t.deepEqual(
    s.deliveries.map((d) => (d.body as { id: number }).id),
    [1, 3],
  );
  const notJson = await fetch(s.url, {
    method: 'POST',
    headers: { 'x-signature-256': signature('k', 'nope') },
    body: 'nope',
  });
  t.is(notJson.status, 400);
});
