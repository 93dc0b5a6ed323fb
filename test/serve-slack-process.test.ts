/**
 * `ebb serve` as a process (the built CLI) alerting to Slack from ebb.yaml: the webhook URL from a
 * `${VAR}` points at the Slack simulator (test/simulators/slack.ts, a node:http server on port 0
 * answering as Slack's incoming webhooks do), a schedule runs every second, and the model's row 7
 * fails (HTTP 500, its body echoing the API token) until the destination is fixed. Slack gets
 * exactly one message when the model's health changes (rows failed, with the first error read
 * from the state's failures — the run's result only counts them), none
 * for the runs that fail the same way again, one "recovered" message once a run delivers
 * everything — and no form of the token or of the webhook's secret path, in the messages or on
 * serve's output.
 */
import test from 'ava';
import { EBB_ARGV, makeProject, started } from './helpers/project.js';
import { startSink } from './helpers/sink.js';
import { startSlack } from './simulators/slack.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const TOKEN = 'tok-Slack/+=9f"e';
const HOOK_PATH = '/services/T0EBB/B0EBB/hookSecret42';

test('ebb serve posts one Slack message per health change and one on recovery, with no secret', async (t) => {
  let fixed = false;
  const sink = await startSink((r) =>
    !fixed && (r.json as { id?: number } | undefined)?.id === 7
      ? { status: 500, body: JSON.stringify({ error: `upstream refused token ${TOKEN}` }) }
      : {},
  );
  t.teardown(() => sink.close());
  const slack = await startSlack({ path: HOOK_PATH });
  t.teardown(() => slack.close());
  const root = makeProject({
    'ebb.yaml': [
      'schedules:',
      '  - select: sync.users',
      '    every: 1s',
      'alerts:',
      '  slack: ${SLACK_WEBHOOK_URL}',
      '  dashboard_url: http://ebb.internal:8420/',
    ].join('\n'),
    'models/sync/users.star': [
      '# @kind: tracked',
      '# @unique_key: id',
      '# @retries: 0',
      'BASE = env.get("SINK", secret=False)',
      'TOKEN = env.get("API_TOKEN")',
      'for row in query("SELECT i AS id FROM range(20) t(i)"):',
      '    http.post(BASE + "/users", json={"id": row.id}, headers={"authorization": "Bearer " + TOKEN})',
      '    save.row(row)',
    ].join('\n'),
  });
  const serve = started(t, [...EBB_ARGV, 'serve', '--port', '0'], {
    cwd: root,
    env: { SINK: sink.url, API_TOKEN: TOKEN, SLACK_WEBHOOK_URL: slack.webhookUrl },
  });
  const runs = (code: number) =>
    (serve.output().match(new RegExp(`serve: ran sync\\.users: exit ${code}\\b`, 'g')) ?? []).length;
  const until = async (cond: () => boolean, what: string) => {
    const deadline = Date.now() + 90_000;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${serve.output()}`);
      await sleep(50);
    }
  };
  // Three runs with row 7 failing (exit 3: rows failed), the same health each time.
  await until(() => runs(3) >= 3, 'three runs with a failed row');
  fixed = true;
  // Two runs once fixed: the first sends row 7 again and recovers, the second has nothing to send.
  await until(() => runs(0) >= 2, 'two runs after the fix');
  serve.child.kill('SIGTERM');
  t.is(await serve.exited, 0, serve.output());

  const texts = slack.messages.map((m) => String(m['text']));
  t.is(texts.length, 2, texts.join('\n'));
  t.regex(texts[0]!, /^ebb: sync\.users ran with 1 failed and 0 rejected rows \(.*failed 1.*\)/);
  // The first error, as the state's failures hold it (redacted when it was recorded).
  t.regex(texts[0]!, /: POST \S+ answered 500: \{"error":"upstream refused token \*\*\*"\} \(1 failed row\)/);
  t.regex(texts[0]!, /http:\/\/ebb\.internal:8420\//, 'the dashboard link');
  t.regex(texts[1]!, /^ebb: sync\.users recovered \(was rows\)/);
  // Row 7 was delivered once fixed, and only then.
  t.is(sink.delivered.filter((r) => (r.json as { id: number }).id === 7).length, 1);
  const forms = [
    TOKEN,
    encodeURIComponent(TOKEN),
    JSON.stringify(TOKEN).slice(1, -1),
    Buffer.from(TOKEN).toString('base64'),
    'hookSecret42',
  ];
  const everything = `${JSON.stringify(slack.messages)}\n${serve.output()}`;
  for (const form of forms) t.false(everything.includes(form), `${form} in a message or the output`);
});
