/**
 * `ebb serve`'s alerts to Slack go through the catalog's Slack library (@ebb/slack.star's
 * post(), run with a minimal host by lib/serve/slack-post.ts): the message a model's
 * `slack.post(text)` sends and the alert's are the same request. Against the Slack simulator
 * (test/simulators/slack.ts): one message per change of a model's health and one on recovery;
 * a 429 past Slack's one message a second is waited out (Retry-After) and the message delivered
 * once; a webhook Slack refuses (410 channel_is_archived) is said on the log without its URL;
 * no form of a secret reaches Slack.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from '../lib/commands/run.js';
import { Alerter } from '../lib/serve/alerts.js';
import { slackRequest } from '../lib/serve/slack-post.js';
import { hideSecrets } from '../lib/store/index.js';
import { startSlack } from './simulators/slack.js';
import { capture, makeProject } from './helpers/project.js';

const PATH = '/services/T0EBB/B0EBB/alerts+x=y%2Fz';

test('the alert is the request slack.post(text) of @ebb/slack.star makes in a model', async (t) => {
  const url = `https://hooks.slack.com${PATH}`;
  const root = makeProject({
    'models/ops/note.star': `# @kind: table
load("@ebb/slack.star", "slack")
slack.post("ebb: sync.users failed (failed 2): HTTP 500 — http://127.0.0.1:1/ui")
`,
  });
  const file = join(root, 'recorded.ndjson');
  const c = capture();
  const code = await runCommand(
    { cwd: root, selectors: [], offline: file, env: { ...process.env, SLACK_WEBHOOK_URL: url } },
    c.io,
  );
  t.is(code, 0, c.err());
  const recorded = JSON.parse(readFileSync(file, 'utf8').trim()) as { method: string; body: unknown };
  const alert = slackRequest(url, 'ebb: sync.users failed (failed 2): HTTP 500 — http://127.0.0.1:1/ui');
  t.is(alert.url, url);
  t.is(recorded.method, 'POST');
  t.deepEqual(JSON.parse(alert.body), recorded.body);
  t.deepEqual(JSON.parse(alert.body), {
    text: 'ebb: sync.users failed (failed 2): HTTP 500 — http://127.0.0.1:1/ui',
  });
});

test('alerts reach Slack once per health change, with a recovery message; a 429 is waited out; no secret in any form', async (t) => {
  const slack = await startSlack({ path: PATH, rate: { limit: 1, windowMs: 1000 } });
  t.teardown(() => slack.close());
  const secret = 'tok/+=en"\\%é';
  const logged: string[] = [];
  const a = new Alerter(
    { slack: slack.webhookUrl, dashboardUrl: 'http://127.0.0.1:1/ui' },
    (s) => hideSecrets(s, [secret]),
    (line) => logged.push(line),
  );
  const fail = {
    model: 'sync.users',
    status: 'error',
    error: `401 with token ${secret} (${encodeURIComponent(secret)})`,
  };
  a.observe({ model: 'sync.users', status: 'ok', saved: 2 });
  a.observe(fail);
  a.observe(fail);
  // Three changes at once: Slack takes one a second and answers the others 429 with Retry-After.
  a.observe({ model: 'sync.orders', status: 'ok', saved: 1, rejected: 3 });
  a.observe({ model: 'sync.users', status: 'ok', saved: 2 });
  await a.settled();
  t.deepEqual(logged, []);
  t.deepEqual(slack.messages.map((m) => m['text']).sort(), [
    `ebb: sync.orders ran with 0 failed and 3 rejected rows (saved 1, rejected 3) — http://127.0.0.1:1/ui`,
    `ebb: sync.users failed: 401 with token *** (***) — http://127.0.0.1:1/ui`,
    `ebb: sync.users recovered (was failed) (saved 2) — http://127.0.0.1:1/ui`,
  ]);
  t.true(slack.log.length > 3, 'some posts were answered 429 and sent again');
  t.true(slack.messages.every((m) => Object.keys(m).join() === 'text'));
  const sent = JSON.stringify(slack.messages);
  for (const form of [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)])
    t.false(sent.includes(form), `Slack got ${form}`);
});

test("a webhook Slack refuses is said on the log, with Slack's error and without the URL", async (t) => {
  const gone = '/services/T0EBB/B0OLD/gone+x=y';
  const slack = await startSlack({ path: PATH, archived: [gone] });
  t.teardown(() => slack.close());
  const url = `${slack.url}${gone}`;
  const logged: string[] = [];
  const a = new Alerter(
    { slack: url },
    (s) => hideSecrets(s, [url]),
    (line) => logged.push(line),
  );
  a.observe({ model: 'sync.users', status: 'error', error: 'boom' });
  await a.settled();
  t.deepEqual(logged, ['alert for sync.users not delivered: status 410 (channel_is_archived)']);
  t.is(slack.log.length, 1, 'a refusal is not sent again');
  t.deepEqual(slack.messages, []);
});
