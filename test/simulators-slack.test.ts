/**
 * The Slack simulator answers as an incoming webhook is documented to (see
 * test/simulators/slack.ts for the sources).
 */
import test from 'ava';
import { startSlack } from './simulators/slack.js';

const PATH = '/services/T000/B000/XXXX';

function post(url: string, body: string): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
}

test('a message with text is posted: 200 with the plain text "ok"', async (t) => {
  const s = await startSlack({ path: PATH });
  t.teardown(() => s.close());
  const res = await post(s.webhookUrl, JSON.stringify({ text: 'sync.users: 3 rejected' }));
  t.is(res.status, 200);
  t.is(await res.text(), 'ok');
  t.deepEqual(s.messages, [{ text: 'sync.users: 3 rejected' }]);
});

test("Slack's plain-text errors: invalid_payload, no_text, invalid_token, no_service, channel_is_archived", async (t) => {
  const s = await startSlack({
    path: PATH,
    revoked: ['/services/T000/B000/OLD'],
    archived: ['/services/T000/B000/GONE'],
  });
  t.teardown(() => s.close());
  const cases: [string, string, number, string][] = [
    [s.webhookUrl, '{nope', 400, 'invalid_payload'],
    [s.webhookUrl, JSON.stringify({ text: '' }), 400, 'no_text'],
    [`${s.url}/services/T000/B000/OLD`, JSON.stringify({ text: 'x' }), 403, 'invalid_token'],
    [`${s.url}/services/T000/B000/NONE`, JSON.stringify({ text: 'x' }), 404, 'no_service'],
    [`${s.url}/services/T000/B000/GONE`, JSON.stringify({ text: 'x' }), 410, 'channel_is_archived'],
  ];
  for (const [url, body, status, text] of cases) {
    const res = await post(url, body);
    t.is(res.status, status, text);
    t.is(await res.text(), text);
  }
  t.deepEqual(s.messages, []);
});

test('past the rate, 429 with Retry-After in seconds', async (t) => {
  const s = await startSlack({ path: PATH, rate: { limit: 1, windowMs: 5000 } });
  t.teardown(() => s.close());
  t.is((await post(s.webhookUrl, JSON.stringify({ text: 'a' }))).status, 200);
  const res = await post(s.webhookUrl, JSON.stringify({ text: 'b' }));
  t.is(res.status, 429);
  const after = Number(res.headers.get('retry-after'));
  t.true(after >= 1 && after <= 5, String(after));
  t.is(s.messages.length, 1);
});
