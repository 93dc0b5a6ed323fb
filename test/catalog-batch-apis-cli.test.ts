/**
 * The catalog's libraries for Braze, Mailchimp, Intercom and Customer.io, each through the CLI
 * (`ebb run`, `ebb retry` as real processes) against its simulator at the API's published limit,
 * at the library's default rate (the models set none): 1 % invalid emails rejected with the
 * API's own message and not acknowledged, no 429 (each request sent once), a rerun sending
 * nothing, `ebb retry` sending the rejected rows again, deletes removing exactly the removed keys,
 * and the simulator holding the source minus the rejected rows after each run. Sizes keep each
 * case to seconds; EBB_SLOW=1 runs 10,000 rows where the API batches.
 */
import test from 'ava';
import { BRAZE_PUBLISHED_RATE, startBraze } from './simulators/braze.js';
import { CUSTOMERIO_PUBLISHED_RATE, startCustomerIo } from './simulators/customerio.js';
import { INTERCOM_PUBLISHED_RATE, startIntercom } from './simulators/intercom.js';
import { startMailchimp } from './simulators/mailchimp.js';
import { acked, catalogProject, failures, run, writeCsv, type Row } from './helpers/catalog-cli.js';
import { ebb } from './helpers/project.js';

const SLOW = process.env['EBB_SLOW'] === '1';

interface Simulated {
  readonly env: Record<string, string>;
  /** The keys of the records the API holds (live ones), sorted. */
  held(): string[];
  readonly log: readonly string[];
  close(): Promise<void>;
}

interface Case {
  readonly name: string;
  readonly rows: number;
  readonly key: string;
  readonly model: string;
  /** Requests of a first run of n rows, each sent once. */
  readonly requests: (n: number) => number;
  readonly message: RegExp;
  start(refuse: () => boolean): Promise<Simulated>;
}

const invalid = (x: unknown) => String(x).endsWith('@invalid');

const CASES: Case[] = [
  {
    name: 'braze',
    rows: SLOW ? 10_000 : 1_000,
    key: 'external_id',
    model: `# @kind: tracked
# @unique_key: external_id
load("@ebb/braze.star", "braze")
braze.track_users(query("SELECT external_id, email, name FROM mart.customers"))
braze.delete_users(deleted())
`,
    requests: (n) => Math.ceil(n / 75),
    message: /'email' is not a valid email address/,
    async start(refuse) {
      const sim = await startBraze({
        apiKey: 'braze-api-key-1234',
        rate: BRAZE_PUBLISHED_RATE,
        invalid: (a) => refuse() && invalid(a['email']),
      });
      return {
        env: { BRAZE_API_KEY: 'braze-api-key-1234', BRAZE_BASE_URL: sim.url },
        held: () => [...sim.users.keys()].sort(),
        log: sim.log,
        close: () => sim.close(),
      };
    },
  },
  {
    name: 'mailchimp',
    rows: SLOW ? 10_000 : 2_000,
    key: 'email',
    model: `# @kind: tracked
# @unique_key: email
load("@ebb/mailchimp.star", "mailchimp")
mailchimp.upsert_members("list1", query("SELECT email, name AS FNAME FROM mart.customers"))
mailchimp.archive_members("list1", deleted())
`,
    requests: (n) => Math.ceil(n / 500),
    message: /looks fake or invalid, please enter a real email address/,
    async start(refuse) {
      const sim = await startMailchimp({
        apiKey: 'mailchimp-key-123-us6',
        lists: ['list1'],
        invalid: (m) => refuse() && invalid(m['email_address']),
      });
      return {
        env: { MAILCHIMP_API_KEY: 'mailchimp-key-123-us6', MAILCHIMP_BASE_URL: sim.url },
        // Archived members stay in the list with status "archived", as in Mailchimp.
        held: () =>
          [...sim.members('list1').values()]
            .filter((m) => m.status !== 'archived')
            .map((m) => m.email_address)
            .sort(),
        log: sim.log,
        close: () => sim.close(),
      };
    },
  },
  {
    name: 'intercom',
    rows: 100,
    key: 'external_id',
    model: `# @kind: tracked
# @unique_key: external_id
load("@ebb/intercom.star", "intercom")
intercom.upsert_contacts(query("SELECT external_id, email, name FROM mart.customers"))
intercom.archive_contacts(deleted())
`,
    // A search, then a create.
    requests: (n) => 2 * n,
    message: /parameter_invalid: Invalid email/,
    async start(refuse) {
      const sim = await startIntercom({
        token: 'intercom-token-1234',
        rate: INTERCOM_PUBLISHED_RATE,
        invalid: (c) => refuse() && invalid(c['email']),
      });
      return {
        env: { INTERCOM_TOKEN: 'intercom-token-1234', INTERCOM_BASE_URL: sim.url },
        held: () => [...sim.byExternalId().keys()].sort(),
        log: sim.log,
        close: () => sim.close(),
      };
    },
  },
  {
    name: 'customerio',
    rows: 200,
    key: 'id',
    model: `# @kind: tracked
# @unique_key: id
load("@ebb/customerio.star", "customerio")
customerio.identify(query("SELECT id, email, name FROM mart.customers"))
customerio.delete(deleted())
`,
    requests: (n) => n,
    message: /./,
    async start(refuse) {
      const sim = await startCustomerIo({
        siteId: 'site-1234',
        apiKey: 'cio-api-key-1234',
        rate: CUSTOMERIO_PUBLISHED_RATE,
        invalid: (a) => refuse() && invalid(a['email']),
      });
      return {
        env: {
          CUSTOMERIO_SITE_ID: 'site-1234',
          CUSTOMERIO_API_KEY: 'cio-api-key-1234',
          CUSTOMERIO_BASE_URL: sim.url,
        },
        held: () => [...sim.people.keys()].sort(),
        log: sim.log,
        close: () => sim.close(),
      };
    },
  },
];

for (const c of CASES) {
  test(`@ebb/${c.name}.star through the CLI: rejected rows, no 429, rerun, retry, deletes`, async (t) => {
    let refuse = true;
    const sim = await c.start(() => refuse);
    t.teardown(() => sim.close());
    const keyOf = (i: number) => (c.key === 'email' ? email(i) : `u${String(i).padStart(6, '0')}`);
    const email = (i: number) => (i % 100 === 42 ? `user${i}@invalid` : `user${i}@example.com`);
    const source = (n: number): Row[] =>
      [...Array(n).keys()].map((i) => ({ ...{ [c.key]: keyOf(i) }, email: email(i), name: `Name ${i}` }));
    const columns = c.key === 'email' ? ['email', 'name'] : [c.key, 'email', 'name'];
    let rows = source(c.rows);
    const root = catalogProject(c.model, rows, columns);
    const bad = rows.filter((r) => invalid(r['email'])).map((r) => String(r[c.key]));
    const keys = (rs: readonly Row[], without: readonly string[] = []) =>
      rs
        .map((r) => String(r[c.key]))
        .filter((k) => !without.includes(k))
        .sort();

    const first = await run(root, sim.env);
    t.is(first.code, 3, first.stderr);
    t.like(first.result, { saved: c.rows - bad.length, rejected: bad.length, failed: 0 });
    t.is(sim.log.length, c.requests(c.rows), 'every request sent once: no 429 at the default rate');
    const f = await failures(root);
    t.deepEqual(f.map((x) => String(JSON.parse(x.key)[c.key])).sort(), [...bad].sort());
    t.true(
      f.every((x) => x.kind === 'rejected' && c.message.test(x.error)),
      f[0]?.error,
    );
    t.deepEqual(sim.held(), keys(rows, bad));
    t.deepEqual(await acked(root, c.key), keys(rows, bad));

    const sent = sim.log.length;
    const rerun = await run(root, sim.env);
    t.is(rerun.code, 0, rerun.stderr);
    t.is(sim.log.length, sent, 'a rerun sends nothing');

    refuse = false;
    t.is((await ebb(['retry', 'sync.dest'], { cwd: root, env: sim.env })).code, 0);
    const retried = await run(root, sim.env);
    t.is(retried.code, 0, retried.stderr);
    t.like(retried.result, { saved: bad.length, rejected: 0 });
    t.deepEqual(await failures(root), []);
    t.deepEqual(sim.held(), keys(rows));

    const removed = keys(rows).filter((_k, i) => i % 97 === 3);
    rows = rows.filter((r) => !removed.includes(String(r[c.key])));
    writeCsv(root, rows, columns);
    const deleting = await run(root, sim.env);
    t.is(deleting.code, 0, deleting.stderr);
    t.deepEqual(sim.held(), keys(rows));
    t.deepEqual(await acked(root, c.key), keys(rows));
  });
}
