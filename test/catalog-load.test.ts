/**
 * The shipped catalog as `load("@ebb/NAME.star", …)`: the built CLI (`node dist/bin/ebb.js`, as
 * an installed package runs) finds the libraries the build copied next to its output; an unknown
 * name lists the catalog with a did-you-mean at the load line; a library's documented
 * @rate_limit/@concurrency fill in what the loading model leaves unset.
 */
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOG_DIR, catalogNames } from '../lib/catalog/catalog.js';
import { catalogSender } from '../lib/catalog/defaults.js';
import { loadProject } from '../lib/project/index.js';
import { senderSettings } from '../lib/runtime/star-runner.js';
import { startWebhook } from './simulators/webhook.js';
import { runCommand } from '../lib/commands/run.js';
import { validateCommand } from '../lib/commands/validate.js';
import { REPO, capture, ebb, makeProject, ndjson, node } from './helpers/project.js';

const BUILT = join(REPO, 'dist', 'bin', 'ebb.js');

test('node dist/bin/ebb.js runs a project that loads @ebb/webhook.star: the build carries the catalog', async (t) => {
  t.true(existsSync(BUILT), 'dist/bin/ebb.js is missing: run npm run build');
  for (const name of catalogNames())
    t.true(
      existsSync(join(REPO, 'dist', 'lib', 'catalog', name)),
      `the build lacks ${name}: npm run build copies it`,
    );
  const hook = await startWebhook({ secret: 'whsec-test' });
  t.teardown(() => hook.close());
  const root = makeProject({
    'models/mart/customers.sql': "-- @kind: table\nSELECT range AS id, 'plan' || range AS plan FROM range(3)",
    'models/sync/hook.star': `# @kind: tracked
# @unique_key: id
load("@ebb/webhook.star", "webhook")
webhook.send(query("SELECT id, plan FROM mart.customers"), batch_size=2)
`,
  });
  const r = await node([BUILT, 'run', '--json'], {
    cwd: root,
    env: {
      WEBHOOK_URL: `${hook.url}/in`,
      WEBHOOK_SECRET: 'whsec-test',
    },
  });
  t.is(r.code, 0, r.stderr);
  t.like(
    ndjson(r.stdout).find((l) => l['model'] === 'sync.hook'),
    { status: 'ok', saved: 3 },
  );
  t.deepEqual(
    hook.deliveries.map((d) => d.body),
    [
      {
        rows: [
          { id: 0, plan: 'plan0' },
          { id: 1, plan: 'plan1' },
        ],
      },
      { rows: [{ id: 2, plan: 'plan2' }] },
    ],
  );
  t.false((r.stdout + r.stderr).includes('whsec-test'));
});

test('an unknown @ebb/ library fails at its load line, listing the catalog with a did-you-mean (in process: the worker runs a bundle of the sources)', async (t) => {
  const root = makeProject({
    'models/sync/a.star': '# @kind: table\n\nload("@ebb/hubspt.star", "hubspot")\n',
  });
  const c = capture();
  t.is(await runCommand({ cwd: root, selectors: [], json: true, env: {} }, c.io), 1);
  const error = String(c.json().find((l) => l['model'] === 'sync.a')?.['error']);
  t.regex(
    error,
    /models\/sync\/a\.star:3:\d+: .*no such library in ebb's catalog; did you mean "@ebb\/hubspot\.star"\?/,
  );
  t.regex(error, /the catalog has @ebb\/braze\.star, .*@ebb\/webhook\.star/);
});

test('an error inside a catalog library is shown at @ebb/NAME.star:line, not at a path of the install', async (t) => {
  const root = makeProject({
    'models/sync/a.star': '# @kind: tracked\n# @unique_key: id\nload("@ebb/hubspot.star", "hubspot")\n',
  });
  const r = await ebb(['run', '--json'], { cwd: root, env: { HUBSPOT_TOKEN: '' } });
  const missing = await ebb(['run', '--json'], { cwd: root, env: { HUBSPOT_TOKEN: undefined } });
  t.is(r.code, 0, r.stderr);
  t.is(missing.code, 1);
  const error = String(ndjson(missing.stdout).find((l) => l['model'] === 'sync.a')?.['error']);
  t.regex(error, /@ebb\/hubspot\.star:\d+:\d+: .*HUBSPOT_TOKEN/);
  t.false(error.includes(CATALOG_DIR));
});

test("a model that loads a library gets the library's documented rate and concurrency unless it sets its own", (t) => {
  const root = makeProject({
    'models/sync/plain.star':
      '# @kind: tracked\n# @unique_key: email\nload("@ebb/hubspot.star", "hubspot")\n',
    'models/sync/own.star':
      '# @kind: tracked\n# @unique_key: email\n# @rate_limit: 170/10s\nload("@ebb/hubspot.star", "hubspot")\n',
    'models/sync/two.star':
      '# @kind: tracked\n# @unique_key: email\nload("@ebb/hubspot.star", "hubspot")\nload("@ebb/braze.star", "braze")\n',
    'models/sync/none.star': '# @kind: table\nsave.row({"x": 1})\n',
  });
  const models = new Map(loadProject(root).models.map((m) => [m.name, m]));
  t.like(senderSettings(models.get('sync.plain')!), {
    rateLimit: { count: 90, periodMs: 10_000 },
    concurrency: 8,
  });
  t.like(senderSettings(models.get('sync.own')!), {
    rateLimit: { count: 170, periodMs: 10_000 },
    concurrency: 8,
  });
  // HubSpot's 9 per second is slower than Braze's 900; 8 in flight fewer than 16.
  t.like(senderSettings(models.get('sync.two')!), {
    rateLimit: { count: 90, periodMs: 10_000 },
    concurrency: 8,
  });
  t.like(senderSettings(models.get('sync.none')!), { rateLimit: undefined, concurrency: 16 });
  t.deepEqual(catalogSender('load("@ebb/mailchimp.star", "mailchimp")\n', {}), { concurrency: 8 });
});

test("each library's header directives are the rate_limit and concurrency its struct exports", (t) => {
  for (const name of catalogNames()) {
    const src = readFileSync(join(CATALOG_DIR, name), 'utf8');
    const rate = /^\s*rate_limit = (?:"([^"]+)"|None),$/m.exec(src);
    const conc = /^\s*concurrency = (\d+),$/m.exec(src);
    t.truthy(rate && conc, name);
    const header = /^# @rate_limit: (\S+)$/m.exec(src)?.[1];
    t.is(header, rate![1], `${name}: # @rate_limit`);
    t.is(/^# @concurrency: (\d+)$/m.exec(src)?.[1], conc![1], `${name}: # @concurrency`);
  }
});

test('ebb validate sees the env.get reads of the libraries a model loads, reported at its load line', async (t) => {
  const root = makeProject({
    'models/sync/a.star': [
      '# @kind: tracked',
      '# @unique_key: email',
      'load("@ebb/hubspot.star", "hubspot")', // 3: HUBSPOT_TOKEN
      'load("destinations/alerts.star", "alert")', // 4: ALERT_CHANNEL_Q, and SLACK_WEBHOOK_URL through @ebb/slack.star
    ].join('\n'),
    'destinations/alerts.star':
      'load("@ebb/slack.star", "slack")\nCHANNEL = env.get("ALERT_CHANNEL_Q")\nOPT = env.get("ALERT_OPT_Q", None)\n',
  });
  const env = {
    ...process.env,
    HUBSPOT_TOKEN: undefined,
    SLACK_WEBHOOK_URL: undefined,
    ALERT_CHANNEL_Q: undefined,
  };
  const c = capture();
  t.is(await validateCommand({ cwd: root, env }, c.io), 1);
  const err = c.err();
  t.regex(
    err,
    /models\/sync\/a\.star:3: the library loaded here reads env\.get\("HUBSPOT_TOKEN"\) \(@ebb\/hubspot\.star:45\)/,
  );
  t.regex(
    err,
    /models\/sync\/a\.star:4: the library loaded here reads env\.get\("ALERT_CHANNEL_Q"\) \(destinations\/alerts\.star:2\)/,
  );
  t.regex(
    err,
    /models\/sync\/a\.star:4: the library loaded here reads env\.get\("SLACK_WEBHOOK_URL"\) \(@ebb\/slack\.star:\d+\)/,
  );
  t.notRegex(err, /HUBSPOT_BASE_URL|ALERT_OPT_Q/);
  const ok = capture();
  const set = { ...env, HUBSPOT_TOKEN: 't', SLACK_WEBHOOK_URL: 'u', ALERT_CHANNEL_Q: 'c' };
  t.is(await validateCommand({ cwd: root, env: set }, ok.io), 0, ok.err());
});
