/**
 * The dashboard's opens of the state take turns within the process (lib/ui/state-turns.ts):
 * reads beside reads, a write alone, a read arriving behind a waiting write after it. Without
 * the turns, a read-only open beside this process's own read-write one reads a file being
 * rewritten and fails (DuckDB: "Could not read enough bytes from file"): the second test makes
 * that happen with a real state file (it fails without the turns).
 */
import test from 'ava';
import { StateTurns } from '../lib/ui/state-turns.js';
import { readState, writeState } from '../lib/ui/state-access.js';
import { Store } from '../lib/store/index.js';
import { tempDir } from './helpers/project.js';

/** A promise the test resolves when it wants. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

test('reads share their turn; a write waits for them and goes alone; a read behind a waiting write goes after it', async (t) => {
  const turns = new StateTurns();
  const events: string[] = [];
  const step = (name: string, until: Promise<void>) => async () => {
    events.push(`${name} starts`);
    await until;
    events.push(`${name} ends`);
  };
  const a = gate();
  const w = gate();
  const b = gate();
  const readA = turns.read(step('read A', a.promise));
  const readA2 = turns.read(step('read A2', Promise.resolve()));
  const write = turns.write(step('write', w.promise));
  const readB = turns.read(step('read B', b.promise));
  await readA2;
  t.deepEqual(events, ['read A starts', 'read A2 starts', 'read A2 ends'], 'the write waits for read A');
  a.open();
  await readA;
  await new Promise((r) => setImmediate(r));
  t.deepEqual(events.slice(3), ['read A ends', 'write starts'], 'read B waits for the write');
  w.open();
  await write;
  b.open();
  await readB;
  t.deepEqual(events.slice(5), ['write ends', 'read B starts', 'read B ends']);
  t.true(turns.idle);
});

test('a failing turn passes its error on and frees the turn', async (t) => {
  const turns = new StateTurns();
  await t.throwsAsync(
    turns.write(async () => {
      throw new Error('boom');
    }),
    { message: 'boom' },
  );
  t.true(turns.idle);
  t.is(await turns.read(async () => 7), 7);
});

test('page reads in a loop while writes rewrite the state file: every read succeeds', async (t) => {
  const root = tempDir();
  const statePath = `${root}/state/ebb.duckdb`;
  const s = await Store.open({ path: statePath, root, command: 'test' });
  await s.exec('CREATE TABLE big AS SELECT range AS i, md5(range::VARCHAR) AS h FROM range(200000)');
  s.close();
  const place = { statePath, root };
  const errors: string[] = [];
  let reads = 0;
  let writing = true;
  const reader = async () => {
    while (writing) {
      const r = await readState(place, async (st) =>
        st.queryJson('SELECT count(*)::INT AS c, max(h) AS m, sum(i)::VARCHAR AS s FROM big'),
      ).catch((err: unknown) => ({ ok: false as const, message: String(err) }));
      if (r.ok) reads++;
      else errors.push(r.message);
    }
  };
  const readers = Array.from({ length: 4 }, reader);
  for (let round = 0; round < 12; round++) {
    const n = round % 2 ? 300_000 : 100_000;
    const w = await writeState(place, (st) =>
      st.exec(
        `CREATE OR REPLACE TABLE big AS SELECT range AS i, md5((range + ${round})::VARCHAR) AS h FROM range(${n})`,
      ),
    );
    t.true(w.ok);
  }
  writing = false;
  await Promise.all(readers);
  t.deepEqual(errors.slice(0, 3), []);
  t.true(reads > 0);
});
