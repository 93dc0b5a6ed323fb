// How Delivery batches acknowledgements (with a fake session and sender, no DuckDB): rows in
// whole row groups (ROW_GROUP), which DuckDB writes past the WAL; once a request was sent, also
// whenever the waiting acks depend on BATCH requests (the documented crash window).

import test from 'ava';
import { SerialLane } from '../lib/runtime/channel.js';
import { Delivery } from '../lib/runtime/delivery.js';
import { SeqRuns } from '../lib/detect/seq-runs.js';
import { BATCH, ROW_GROUP } from '../lib/runtime/protocol.js';
import type { TrackedSession } from '../lib/detect/tracked.js';

function setup() {
  const commits: number[][] = [];
  const session = { ack: async (rows: SeqRuns) => void commits.push([...rows]), ackDeleted: async () => undefined } as unknown as TrackedSession;
  const sender = { send: async () => ({ ok: true, status: 200, headers: {}, body: new Uint8Array(0), attempts: 1 }) };
  const lane = new SerialLane();
  const delivery = new Delivery({ sender: sender as never, lane, session, onFatal: () => undefined });
  const ack = (from: number, n: number) => {
    for (let s = from; s < from + n; s += BATCH) delivery.ack(SeqRuns.of(Array.from({ length: Math.min(BATCH, from + n - s) }, (_x, i) => s + i)), false, []);
  };
  return { commits, delivery, lane, ack };
}

test('before any request, acknowledgements are committed in exact row groups', async (t) => {
  const { commits, delivery, lane, ack } = setup();
  ack(1, ROW_GROUP + 7_000);
  await lane.idle();
  t.deepEqual(commits.map((c) => [c[0], c.length]), [[1, ROW_GROUP]], 'one row group, the rest still waiting');
  ack(ROW_GROUP + 7_001, ROW_GROUP);
  await lane.idle();
  t.deepEqual(commits.map((c) => [c[0], c.length]), [[1, ROW_GROUP], [ROW_GROUP + 1, ROW_GROUP]]);
  await delivery.drain();
  t.deepEqual(commits.map((c) => c.length), [ROW_GROUP, ROW_GROUP, 7_000], 'the rest at the end');
  delivery.close();
});

const GET = { method: 'GET', url: 'http://127.0.0.1:1/', headers: {}, timeoutMs: 1000 };

test('once the model sent a request, acknowledgements are committed when they depend on BATCH requests', async (t) => {
  const { commits, delivery, lane, ack } = setup();
  const settle = async () => {
    await new Promise((r) => setTimeout(r, 10));
    await lane.idle();
  };
  ack(1, 3_000);
  void delivery.send(1, GET);
  delivery.ack(SeqRuns.of([3_001]), false, [1]);
  await settle();
  t.deepEqual(commits.map((c) => c.length), [3_001], 'the rows waiting before the first request go with its first ack');
  // The seed loop: one request per row, each save depending on its request.
  for (let i = 2; i <= BATCH; i++) {
    void delivery.send(i, GET);
    delivery.ack(SeqRuns.of([3_000 + i]), false, [i]);
  }
  await settle();
  t.is(commits.length, 1, 'one request short of a batch');
  void delivery.send(BATCH + 1, GET);
  delivery.ack(SeqRuns.of([3_000 + BATCH + 1]), false, [BATCH + 1]);
  await settle();
  t.deepEqual(commits.map((c) => c.length), [3_001, BATCH]);
  await delivery.drain();
  t.is(commits.length, 2);
  delivery.close();
});

test('requests of many rows each: acknowledgements are committed in exact row groups', async (t) => {
  const { commits, delivery, lane } = setup();
  const PER = 500;
  const REQUESTS = Math.ceil((ROW_GROUP * 2 + 1_000) / PER);
  for (let r = 0; r < REQUESTS; r++) {
    void delivery.send(r + 1, GET);
    delivery.ack(SeqRuns.of(Array.from({ length: PER }, (_x, i) => r * PER + i + 1)), false, [r + 1]);
  }
  await new Promise((r) => setTimeout(r, 10));
  await lane.idle();
  t.deepEqual(commits.map((c) => [c[0], c.length]), [[1, ROW_GROUP], [ROW_GROUP + 1, ROW_GROUP]], 'two row groups; the rest waits');
  t.true(REQUESTS < BATCH, 'fewer requests than a batch of them');
  await delivery.drain();
  t.deepEqual(commits.map((c) => c.length), [ROW_GROUP, ROW_GROUP, REQUESTS * PER - 2 * ROW_GROUP]);
  delivery.close();
});
