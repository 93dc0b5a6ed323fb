// How Delivery batches acknowledgements (with a fake session and sender, no DuckDB): until the
// model's first request, in whole row groups (QUIET_BATCH) so a table filled from empty is
// written past the WAL; once a request was sent, every BATCH rows (the documented crash window).

import test from 'ava';
import { SerialLane } from '../lib/runtime/channel.js';
import { Delivery } from '../lib/runtime/delivery.js';
import { BATCH, QUIET_BATCH } from '../lib/runtime/protocol.js';
import type { TrackedSession } from '../lib/detect/tracked.js';

function setup() {
  const commits: number[][] = [];
  const session = { ack: async (rows: number[]) => void commits.push(rows), ackDeleted: async () => undefined } as unknown as TrackedSession;
  const sender = { send: async () => ({ ok: true, status: 200, headers: {}, body: new Uint8Array(0), attempts: 1 }) };
  const lane = new SerialLane();
  const delivery = new Delivery({ sender: sender as never, lane, session, onFatal: () => undefined });
  const ack = (from: number, n: number) => {
    for (let s = from; s < from + n; s += BATCH) delivery.ack(Array.from({ length: Math.min(BATCH, from + n - s) }, (_x, i) => s + i), false, []);
  };
  return { commits, delivery, lane, ack };
}

test('before any request, acknowledgements are committed in exact row groups', async (t) => {
  const { commits, delivery, lane, ack } = setup();
  ack(1, QUIET_BATCH + 7_000);
  await lane.idle();
  t.deepEqual(commits.map((c) => [c[0], c.length]), [[1, QUIET_BATCH]], 'one row group, the rest still waiting');
  ack(QUIET_BATCH + 7_001, QUIET_BATCH);
  await lane.idle();
  t.deepEqual(commits.map((c) => [c[0], c.length]), [[1, QUIET_BATCH], [QUIET_BATCH + 1, QUIET_BATCH]]);
  await delivery.drain();
  t.deepEqual(commits.map((c) => c.length), [QUIET_BATCH, QUIET_BATCH, 7_000], 'the rest at the end');
  delivery.close();
});

test('once the model sent a request, acknowledgements are committed every BATCH rows', async (t) => {
  const { commits, delivery, lane, ack } = setup();
  ack(1, 3_000);
  await delivery.send(1, { method: 'GET', url: 'http://127.0.0.1:1/', headers: {}, timeoutMs: 1000 });
  ack(3_001, 3_000);
  await lane.idle();
  t.deepEqual(commits.map((c) => c.length), [6_000], 'the waiting quiet rows go with the first batch');
  ack(6_001, BATCH);
  await lane.idle();
  t.deepEqual(commits.map((c) => c.length), [6_000, BATCH]);
  await delivery.drain();
  delivery.close();
});
