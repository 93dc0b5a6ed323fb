/**
 * The opens of a state file take turns within the process (lib/ui/state-turns.ts): reads beside
 * reads, a write alone, a read arriving behind a waiting write after it; a hold (ebb serve's
 * scheduled run) after what was accepted before it, refusing new reads and writes until released. Without
 * the turns, a read-only open beside this process's own read-write one reads a file being
 * rewritten and fails (DuckDB: "Could not read enough bytes from file"): the second test makes
 * that happen with a real state file (it fails without the turns).
 */
import test from 'ava';
import { holdTurn, StateTurns, withTurn } from '../lib/ui/state-turns.js';
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

test('a hold goes after the reads and the write accepted before it, and refuses new ones until released', async (t) => {
  const turns = new StateTurns();
  const events: string[] = [];
  const r = gate();
  const w = gate();
  const read = turns.read(async () => {
    events.push('read starts');
    await r.promise;
    events.push('read ends');
  });
  const write = turns.write(async () => {
    events.push('write starts');
    await w.promise;
    events.push('write ends');
  });
  let held = false;
  const hold = turns.hold().then((release) => {
    held = true;
    events.push('held');
    return release;
  });
  t.true(turns.refusing, 'refusing from the moment the hold is asked for');
  r.open();
  await read;
  await new Promise((x) => setImmediate(x));
  t.false(held, 'the write accepted before the hold goes first');
  w.open();
  await write;
  const release = await hold;
  t.deepEqual(events, ['read starts', 'read ends', 'write starts', 'write ends', 'held']);
  // A second hold (another schedule's run) waits for the first.
  let second = false;
  const next = turns.hold().then((rel) => {
    second = true;
    return rel;
  });
  await new Promise((x) => setImmediate(x));
  t.false(second);
  release();
  release(); // twice: no effect
  (await next)();
  t.true(second);
  t.false(turns.refusing);
  t.true(turns.idle);
  t.is(await turns.read(async () => 3), 3);
});

test('withTurn answers without running while the file is held, and forgets idle files', async (t) => {
  const path = `/nowhere/${process.pid}/ebb.duckdb`;
  const release = await holdTurn(path);
  let ran = false;
  t.deepEqual(
    await withTurn(path, false, async () => {
      ran = true;
    }),
    { ok: false },
  );
  t.false(ran);
  release();
  t.deepEqual(await withTurn(path, true, async () => 5), { ok: true, value: 5 });
  t.deepEqual(await withTurn(`${path}.other`, false, async () => 6), { ok: true, value: 6 });
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
