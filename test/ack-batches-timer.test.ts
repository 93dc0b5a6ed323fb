// AckBatches' timer (FLUSH_MS) with a recording AckStore, no DuckDB: it runs for the oldest ack
// waiting. Once a row group took the oldest rows it starts anew, so that it never commits part
// of a row group while rows keep coming (each later row group would straddle two of the
// table's); deletions waiting keep it running. Real timers: each test waits ~3 s.

import test from 'ava';
import { AckBatches, type AckStore } from '../lib/runtime/ack-batches.js';
import { SerialLane } from '../lib/runtime/channel.js';
import { SeqRuns } from '../lib/detect/seq-runs.js';
import { FLUSH_MS, ROW_GROUP } from '../lib/runtime/protocol.js';

function setup() {
  const commits: Array<{ rows: number; deletes: number }> = [];
  const acks: AckStore = {
    ack: async (rows) => void commits.push({ rows: rows.size, deletes: 0 }),
    ackDeleted: async (rows) => void commits.push({ rows: 0, deletes: rows.size }),
    record: async () => undefined,
  };
  const lane = new SerialLane();
  const batches = new AckBatches(lane, acks, () => undefined);
  let next = 1;
  /** rows acknowledges the next `n` rows (one request) and schedules. */
  const rows = (n: number) => {
    batches.acked(new SeqRuns([next, n]), false, 1, undefined);
    next += n;
    batches.schedule(false);
  };
  return { commits, lane, batches, rows };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** until waits (up to 10 s) for `done`: a timer under a loaded machine fires late, never early. */
async function until(done: () => boolean): Promise<void> {
  for (let waited = 0; !done() && waited < 10_000; waited += 20) await sleep(20);
}

test('the timer starts anew once a row group took the oldest rows: no commit of part of a row group while rows keep coming', async (t) => {
  const { commits, lane, batches, rows } = setup();
  rows(1_000); // the timer starts: FLUSH_MS for these rows
  await sleep(FLUSH_MS * 0.75);
  rows(ROW_GROUP); // a row group goes (the first 1,000 rows in it); 1,000 rows are left
  await sleep(FLUSH_MS * 0.75);
  await lane.idle();
  // At 1.5 × FLUSH_MS, past the first timer's end: it would have committed the 1,000 rows left,
  // part of a row group. The new one ends at 1.75 × FLUSH_MS.
  t.deepEqual(commits, [{ rows: ROW_GROUP, deletes: 0 }]);
  // The new one commits them in its turn (the bound on a wait still holds).
  await until(() => commits.length === 2);
  await lane.idle();
  t.deepEqual(commits, [
    { rows: ROW_GROUP, deletes: 0 },
    { rows: 1_000, deletes: 0 },
  ]);
  batches.close();
});

test('deletions waiting keep the timer running through a row group: they are committed FLUSH_MS after they came', async (t) => {
  const { commits, lane, batches, rows } = setup();
  batches.acked(new SeqRuns([1, 10]), true, 1, undefined);
  batches.schedule(false);
  await sleep(FLUSH_MS * 0.9);
  rows(ROW_GROUP + 500);
  await sleep(FLUSH_MS * 0.6);
  await lane.idle();
  // At 1.5 × FLUSH_MS: the deletions went with the rows left at the first timer's end (a timer
  // started anew with the row group would end at 1.9 × FLUSH_MS).
  t.deepEqual(commits, [
    { rows: ROW_GROUP, deletes: 0 },
    { rows: 500, deletes: 0 },
    { rows: 0, deletes: 10 },
  ]);
  batches.close();
});
