/**
 * @ebb/hubspot.star through the CLI (`ebb run`, `ebb status`, `ebb retry` as real processes)
 * against the HubSpot simulator at HubSpot's published rate, with the model verbatim:
 * 1 % invalid emails rejected with HubSpot's message and never acknowledged, a rerun sending
 * nothing, a changed rejected row sent again, `ebb retry`, deletes archived by email, and the
 * simulator's contacts equal to the source minus the rejected rows after each run — with no 429
 * at the library's default rate, which the model does not set. 2,000 rows; 12,000 with EBB_SLOW=1.
 */
import test from 'ava';
import { HUBSPOT_PUBLISHED_RATE, startHubSpot } from './simulators/hubspot.js';
import { acked, catalogProject, failures, run, writeCsv, type Row } from './helpers/catalog-cli.js';
import { ebb } from './helpers/project.js';

// With EBB_SLOW=1, 120 requests: more than HubSpot's 100 per 10 s, so a run without the
// library's default rate would meet 429s (the simulator counts like HubSpot's rolling window).
const N = process.env['EBB_SLOW'] === '1' ? 12_000 : 2_000;
const TOKEN = 'pat-na1-11111111-2222-3333-4444-555555555555';
const COLUMNS = ['email', 'firstname', 'plan'];

const MODEL = `# @kind: tracked
# @unique_key: email
load("@ebb/hubspot.star", "hubspot")
hubspot.upsert("contacts", query("SELECT email, firstname, plan FROM mart.customers"), id_property="email")
hubspot.archive("contacts", deleted(), id_property="email")
`;

/** Every 100th contact has an address HubSpot refuses (1 %). */
const email = (i: number) => (i % 100 === 42 ? `user${i}@invalid` : `user${i}@example.com`);
const source = (n: number, plan = (_i: number) => 'pro'): Row[] =>
  [...Array(n).keys()].map((i) => ({ email: email(i), firstname: `First ${i}`, plan: plan(i) }));

test("the issue's HubSpot model through the CLI: rejected rows, rerun, change, retry, archive, no 429", async (t) => {
  let refuse = true;
  const sim = await startHubSpot({
    token: TOKEN,
    rate: HUBSPOT_PUBLISHED_RATE,
    invalid: (input) => refuse && String(input.id).endsWith('@invalid'),
  });
  t.teardown(() => sim.close());
  let rows = source(N);
  const root = catalogProject(MODEL, rows, COLUMNS);
  const env = { HUBSPOT_TOKEN: TOKEN, HUBSPOT_BASE_URL: sim.url };
  const invalid = rows.filter((r) => String(r['email']).endsWith('@invalid')).map((r) => String(r['email']));
  const contacts = () =>
    [...sim.records('contacts')].map(([k, r]) => [k, r.properties['firstname'], r.properties['plan']]).sort();
  const expected = (rs: readonly Row[], without: readonly string[]) =>
    rs
      .filter((r) => !without.includes(String(r['email'])))
      .map((r) => [r['email'], r['firstname'], r['plan']])
      .sort();

  const first = await run(root, env);
  t.is(first.code, 3, first.stderr);
  t.like(first.result, { saved: N - N / 100, rejected: N / 100, failed: 0 });
  t.is(sim.log.length, N / 100, 'one request per 100 contacts and no retry: no 429 at the default rate');
  const f = await failures(root);
  t.deepEqual(
    f.map((x) => x.key),
    invalid.map((e) => JSON.stringify({ email: e })).sort(),
  );
  t.true(f.every((x) => x.kind === 'rejected'));
  t.regex(f[0]!.error, /Property values were not valid/);
  t.deepEqual(
    await acked(root, 'email'),
    expected(rows, invalid)
      .map((r) => String(r[0]))
      .sort(),
  );
  t.deepEqual(contacts(), expected(rows, invalid));
  t.false((first.stdout + first.stderr).includes(TOKEN), 'the token is never printed');

  const status = await ebb(['status'], { cwd: root, env });
  t.regex(status.stdout + status.stderr, new RegExp(`rejected\\s+${N / 100} rows refused by the API`));

  const rerun = await run(root, env);
  t.is(sim.log.length, N / 100, `a rerun sends nothing: ${rerun.stderr}`);

  rows = source(N, (i) => (i === 42 ? 'enterprise' : 'pro'));
  writeCsv(root, rows, COLUMNS);
  const changed = await run(root, env);
  t.like(changed.result, { rejected: 1 }, changed.stderr);
  t.is(sim.log.length, N / 100 + 1, 'the changed rejected row alone is sent again');

  refuse = false;
  const retry = await ebb(['retry', 'sync.dest'], { cwd: root, env });
  t.is(retry.code, 0, retry.stderr);
  const retried = await run(root, env);
  t.is(retried.code, 0, retried.stderr);
  t.like(retried.result, { saved: N / 100, rejected: 0 });
  t.deepEqual(await failures(root), []);
  t.deepEqual(contacts(), expected(rows, []));

  const removed = rows.filter((_r, i) => i % 250 === 7).map((r) => String(r['email']));
  rows = rows.filter((r) => !removed.includes(String(r['email'])));
  writeCsv(root, rows, COLUMNS);
  const before = sim.log.length;
  const deleting = await run(root, env);
  t.is(deleting.code, 0, deleting.stderr);
  t.deepEqual(sim.log.slice(before), ['POST /crm/v3/objects/contacts/batch/archive']);
  t.deepEqual(contacts(), expected(rows, []));
  t.deepEqual(await acked(root, 'email'), rows.map((r) => String(r['email'])).sort());
});
