/**
 * @ebb/webhook.star and @ebb/slack.star through the CLI (`ebb run`, `ebb retry`, `ebb test` as
 * real processes) against their simulators: the webhook receiver verifies every delivery's
 * HMAC-SHA256 signature with the shared secret and refuses some records (422 with its reason),
 * which are rejected, held back on a rerun, sent again once changed or after `ebb retry`; deletes
 * reach it as one batch of exactly the removed keys. Slack answers 200 "ok", 400 `no_text` for an
 * empty message (that row rejected), 410 `channel_is_archived` (rows failed, posted next run) and
 * 429 with Retry-After past its rate (each message still posted once). The secrets hold
 * `/ + = " \ %` (the Slack URL, which is the secret, the last two percent-encoded: a URL cannot
 * hold them raw) and appear in no output, table, state file byte or golden (`ebb test --update`).
 */
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSlack } from './simulators/slack.js';
import { startWebhook } from './simulators/webhook.js';
import { acked, catalogProject, failures, run, writeCsv, type Row } from './helpers/catalog-cli.js';
import { ebb, writeFiles } from './helpers/project.js';
import { withStore } from './helpers/store.js';

const WEBHOOK_SECRET = 'whsec/+="\\%2Fk3y';

/** The forms of a secret that must appear nowhere. */
function forms(secret: string): string[] {
  return [
    secret,
    JSON.stringify(secret).slice(1, -1),
    encodeURIComponent(secret),
    new URLSearchParams({ k: secret }).toString().slice(2),
    Buffer.from(secret).toString('base64'),
  ];
}

/** everything the project left behind: its state's tables as JSON, and the state file's bytes. */
async function leftBehind(root: string): Promise<{ tables: string; bytes: Buffer[] }> {
  const tables = await withStore(root, async (s) => {
    const out: string[] = [];
    for (const table of ['_ebb.failures', '_ebb.runs', '_ebb.requests', 'sync.dest'])
      out.push(JSON.stringify(await s.queryJson(`SELECT * FROM ${table}`)));
    return out.join('\n');
  });
  const bytes = ['ebb.duckdb', 'ebb.duckdb.wal']
    .map((f) => join(root, 'state', f))
    .filter((p) => existsSync(p))
    .map((p) => readFileSync(p));
  return { tables, bytes };
}

async function assertNowhere(
  t: import('ava').ExecutionContext,
  secret: string,
  root: string,
  output: string,
): Promise<void> {
  const { tables, bytes } = await leftBehind(root);
  for (const form of forms(secret)) {
    t.false(output.includes(form), `the output holds ${form}`);
    t.false(tables.includes(form), `the state's tables hold ${form}`);
    for (const b of bytes) t.false(b.includes(Buffer.from(form)), `the state file holds ${form}`);
  }
}

const WEBHOOK_MODEL = `# @kind: tracked
# @unique_key: id
load("@ebb/webhook.star", "webhook")
webhook.send(query("SELECT id, email, plan FROM mart.customers"))
webhook.send(deleted(), batch_size=50, envelope=lambda rows: {"deleted": [r.id for r in rows]}, deletes=True)
`;

test('@ebb/webhook.star through the CLI: signed deliveries, refused records rejected and held back, change and retry send them, deletes in one batch, the secret nowhere', async (t) => {
  let refuse = true;
  const hook = await startWebhook({
    secret: WEBHOOK_SECRET,
    answer: (body) => {
      const email = String((body as { email?: unknown }).email ?? '');
      return refuse && email.endsWith('@invalid')
        ? { status: 422, json: { error: 'email is invalid' } }
        : 200;
    },
  });
  t.teardown(() => hook.close());
  const id = (i: number) => `u${String(i).padStart(3, '0')}`;
  const source = (n: number, fixed: readonly string[] = []): Row[] =>
    [...Array(n).keys()].map((i) => ({
      id: id(i),
      email: i % 50 === 7 && !fixed.includes(id(i)) ? `user${i}@invalid` : `user${i}@example.com`,
      plan: i % 3 === 0 ? 'pro' : 'free',
    }));
  const columns = ['id', 'email', 'plan'];
  let rows = source(100);
  const root = catalogProject(WEBHOOK_MODEL, rows, columns);
  const env = { WEBHOOK_URL: `${hook.url}/hooks/customers`, WEBHOOK_SECRET };
  const outputs: string[] = [];
  const cli = async () => {
    const r = await run(root, env);
    outputs.push(r.stdout, r.stderr);
    return r;
  };
  const received = () => hook.deliveries.map((d) => (d.body as { id: string }).id).sort();

  const first = await cli();
  t.is(first.code, 3, first.stderr);
  t.like(first.result, { saved: 98, rejected: 2, failed: 0 });
  t.is(hook.refused, 0, 'every delivery carried the signature of its exact bytes');
  t.deepEqual(
    received(),
    rows.map((r) => String(r.id)).filter((k) => k !== 'u007' && k !== 'u057'),
  );
  t.deepEqual(hook.deliveries[0]!.body, { id: 'u000', email: 'user0@example.com', plan: 'pro' });
  const f = await failures(root);
  t.deepEqual(
    f.map((x) => [x.key, x.kind, x.error]),
    ['u007', 'u057'].map((k) => [
      `{"id":"${k}"}`,
      'rejected',
      'webhook: HTTP 422: {"error":"email is invalid"}',
    ]),
  );

  const sent = hook.log.length;
  const rerun = await cli();
  t.is(rerun.code, 0, rerun.stderr);
  t.is(hook.log.length, sent, 'a rerun sends nothing: the rejected rows are held back');

  rows = source(100, ['u007']);
  writeCsv(root, rows, columns);
  const changed = await cli();
  t.is(changed.code, 0, changed.stderr);
  t.like(changed.result, { saved: 1, rejected: 0 });
  t.is(hook.log.length, sent + 1, 'only the changed rejected row is sent');
  t.deepEqual(
    (await failures(root)).map((x) => x.key),
    ['{"id":"u057"}'],
  );

  refuse = false;
  const retry = await ebb(['retry', 'sync.dest'], { cwd: root, env });
  outputs.push(retry.stdout, retry.stderr);
  t.is(retry.code, 0, retry.stderr);
  const retried = await cli();
  t.is(retried.code, 0, retried.stderr);
  t.like(retried.result, { saved: 1, rejected: 0 });
  t.deepEqual(await failures(root), []);
  t.deepEqual(received(), rows.map((r) => String(r.id)).sort());

  const removed = ['u003', 'u050', 'u099'];
  rows = rows.filter((r) => !removed.includes(String(r.id)));
  writeCsv(root, rows, columns);
  const deleting = await cli();
  t.is(deleting.code, 0, deleting.stderr);
  t.deepEqual(hook.deliveries.at(-1)!.body, { deleted: removed });
  t.deepEqual(await acked(root, 'id'), rows.map((r) => String(r.id)).sort());
  t.is(hook.refused, 0);

  // ebb test: the golden of a step records the signed request, and not the secret.
  writeFiles(root, {
    'tests/hook/env': `WEBHOOK_URL=https://hooks.example.com/in\nWEBHOOK_SECRET='${WEBHOOK_SECRET}'\n`,
    'tests/hook/01_all/expect.sql': 'SELECT count(*) AS n FROM sync.dest;\n',
  });
  const golden = await ebb(['test', '--update'], { cwd: root, env: {} });
  outputs.push(golden.stdout, golden.stderr);
  t.is(golden.code, 0, golden.stderr);
  const recorded = readFileSync(join(root, 'tests/hook/01_all/requests.ndjson'), 'utf8');
  t.regex(recorded, /"x-signature-256":"sha256=[0-9a-f]{64}"/);
  for (const form of forms(WEBHOOK_SECRET)) t.false(recorded.includes(form), `the golden holds ${form}`);
  await assertNowhere(t, WEBHOOK_SECRET, root, outputs.join('\n'));
});

const SLACK_MODEL = `# @kind: tracked
# @unique_key: id
# @rate_limit: 4/1s
load("@ebb/slack.star", "slack")
slack.post_rows(query("SELECT id, note FROM mart.customers"), lambda r: r.note or "")
`;

test('@ebb/slack.star through the CLI: "ok" acknowledges, no_text rejects, 410 channel_is_archived fails, 429 waits for Retry-After; the webhook URL nowhere', async (t) => {
  // The URL is the secret: its last segment holds / + = % and an encoded " and \.
  const hookPath = '/services/T0EBB/B0EBB/x+y=z%22q%5C%2Fw';
  const archivedPath = '/services/T0EBB/B0OLD/a+b=c%22d%5C%2Fe';
  const slack = await startSlack({
    path: hookPath,
    archived: [archivedPath],
    rate: { limit: 1, windowMs: 1000 },
  });
  t.teardown(() => slack.close());
  const good = `${slack.url}${hookPath}`;
  const archived = `${slack.url}${archivedPath}`;
  const columns = ['id', 'note'];
  let rows: Row[] = [1, 2, 3, 4].map((i) => ({ id: `r${i}`, note: i === 3 ? null : `order ${i} shipped` }));
  const root = catalogProject(SLACK_MODEL, rows, columns);
  const outputs: string[] = [];
  const cli = async (url: string) => {
    const r = await run(root, { SLACK_WEBHOOK_URL: url });
    outputs.push(r.stdout, r.stderr);
    return r;
  };
  const texts = () => slack.messages.map((m) => m['text']);

  const first = await cli(good);
  t.is(first.code, 3, first.stderr);
  t.like(first.result, { saved: 3, rejected: 1, failed: 0 });
  t.deepEqual(texts(), ['order 1 shipped', 'order 2 shipped', 'order 4 shipped'], 'each message posted once');
  t.true(slack.log.length > 4, 'posting faster than one a second got 429s, retried after Retry-After');
  t.deepEqual(
    (await failures(root)).map((x) => [x.key, x.kind, x.error]),
    [['{"id":"r3"}', 'rejected', 'slack: no_text']],
  );

  const sent = slack.log.length;
  const rerun = await cli(good);
  t.is(rerun.code, 0, rerun.stderr);
  t.is(slack.log.length, sent, 'a rerun posts nothing: the rejected row is held back');

  rows = [
    ...rows.map((r) => (r['id'] === 'r3' ? { ...r, note: 'order 3 shipped' } : r)),
    { id: 'r5', note: 'order 5 shipped' },
  ];
  writeCsv(root, rows, columns);
  const gone = await cli(archived);
  t.is(gone.code, 3, gone.stderr);
  t.like(gone.result, { saved: 0, failed: 2, rejected: 0 });
  const failed = await failures(root);
  t.deepEqual(
    failed.map((x) => [x.key, x.kind]),
    [
      ['{"id":"r3"}', 'failed'],
      ['{"id":"r5"}', 'failed'],
    ],
  );
  t.true(
    failed.every((x) => x.error.includes('410') && x.error.includes('channel_is_archived')),
    failed[0]?.error,
  );
  t.is(texts().length, 3, 'nothing posted to the archived channel');

  const fixed = await cli(good);
  t.is(fixed.code, 0, fixed.stderr);
  t.like(fixed.result, { saved: 2, failed: 0, rejected: 0 });
  t.deepEqual(texts().slice(3).sort(), ['order 3 shipped', 'order 5 shipped']);
  t.deepEqual(await failures(root), []);
  t.deepEqual(await acked(root, 'id'), ['r1', 'r2', 'r3', 'r4', 'r5']);

  // ebb test: the golden records the post to *** (the URL is the secret).
  writeFiles(root, {
    'tests/slack/env': `SLACK_WEBHOOK_URL='${good}'\n`,
    'tests/slack/01_all/expect.sql': 'SELECT count(*) AS n FROM sync.dest;\n',
  });
  const golden = await ebb(['test', '--update'], { cwd: root, env: {} });
  outputs.push(golden.stdout, golden.stderr);
  t.is(golden.code, 0, golden.stderr);
  const recorded = readFileSync(join(root, 'tests/slack/01_all/requests.ndjson'), 'utf8');
  t.regex(recorded, /"url":"\*\*\*".*"body":\{"text":"order 1 shipped"\}/);
  const output = outputs.join('\n') + recorded;
  for (const url of [good, archived]) {
    const token = url.slice(url.lastIndexOf('/') + 1);
    await assertNowhere(t, url, root, output);
    await assertNowhere(t, token, root, output);
  }
});
