/**
 * @ebb/segment.star through the CLI against the Segment simulator: identify calls batched under
 * 500 KB, and an event over Segment's 32 KB rejected locally with save.reject — never sent,
 * recorded as rejected with the reason, held back until its row changes, then sent.
 */
import test from 'ava';
import { startSegment } from './simulators/segment.js';
import { catalogProject, failures, run, writeCsv, type Row } from './helpers/catalog-cli.js';

const MODEL = `# @kind: tracked
# @unique_key: user_id
load("@ebb/segment.star", "segment")
segment.identify(query("SELECT user_id, email, bio FROM mart.customers"))
`;
const COLUMNS = ['user_id', 'email', 'bio'];

test('Segment: an event over 32 KB is rejected locally and not sent; once it shrinks it is sent', async (t) => {
  const sim = await startSegment({ writeKey: 'segment-write-key-1' });
  t.teardown(() => sim.close());
  const rows = (big: number): Row[] =>
    [...Array(300).keys()].map((i) => ({
      user_id: `u${i}`,
      email: `u${i}@example.com`,
      bio: i === 7 ? 'x'.repeat(big) : `bio ${i}`,
    }));
  const root = catalogProject(MODEL, rows(40_000), COLUMNS);
  const env = { SEGMENT_WRITE_KEY: 'segment-write-key-1', SEGMENT_BASE_URL: sim.url };
  const first = await run(root, env);
  t.is(first.code, 3, first.stderr);
  t.like(first.result, { saved: 299, rejected: 1, failed: 0 });
  t.false(sim.users.has('u7'));
  t.is(sim.users.size, 299);
  const f = await failures(root);
  t.deepEqual(
    f.map((x) => [x.key, x.kind]),
    [['{"user_id":"u7"}', 'rejected']],
  );
  t.regex(f[0]!.error, /segment: the identify is \d+ bytes, over Segment's 32 KB per event/);

  const sent = sim.log.length;
  t.is((await run(root, env)).code, 0);
  t.is(sim.log.length, sent, 'a rerun sends nothing: the rejected row is held back');

  writeCsv(root, rows(1_000), COLUMNS);
  const shrunk = await run(root, env);
  t.is(shrunk.code, 0, shrunk.stderr);
  t.like(shrunk.result, { saved: 1, rejected: 0 });
  t.is(String(sim.users.get('u7')?.['bio']).length, 1_000);
  t.deepEqual(await failures(root), []);
});
