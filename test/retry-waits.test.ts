// RetryWaits (lib/send/retry-waits.ts): a SlotPool's retry waits on one timer. Each wait ends
// at its own time, those due together in the order they began; one timer is armed at a time,
// for the earliest deadline; cancelAll ends every wait at once with false.

import test from 'ava';
import type { Clock } from '../lib/send/clock.js';
import { RetryWaits } from '../lib/send/retry-waits.js';
import { FakeClock, flush } from './helpers/fake-clock.js';

/** A FakeClock that counts the timers armed and those pending. */
class CountingClock extends FakeClock implements Clock {
  armed = 0;
  pending = new Set<unknown>();
  override setTimeout(fn: () => void, ms: number): unknown {
    this.armed++;
    const id = super.setTimeout(() => {
      this.pending.delete(id);
      fn();
    }, ms);
    this.pending.add(id);
    return id;
  }
  override clearTimeout(handle: unknown): void {
    this.pending.delete(handle);
    super.clearTimeout(handle);
  }
}

test('waits end at their deadlines, ties in the order they began, on one timer at a time', async (t) => {
  const clock = new CountingClock();
  const waits = new RetryWaits(clock);
  const ended: string[] = [];
  const start = (name: string, ms: number) =>
    void waits.wait(ms).then((slept) => ended.push(`${name}:${slept}@${clock.now()}`));
  start('a', 50);
  start('b', 10);
  start('c', 50);
  start('d', 30);
  start('e', 10);
  t.is(waits.size, 5);
  t.true(clock.pending.size <= 1, 'one timer armed');
  await clock.advance(9);
  t.deepEqual(ended, []);
  await clock.advance(1);
  t.deepEqual(ended, ['b:true@10', 'e:true@10']);
  await clock.advance(20);
  t.deepEqual(ended.slice(2), ['d:true@30']);
  // A wait that begins later but ends sooner re-arms the timer for itself.
  start('f', 5);
  t.true(clock.pending.size <= 1);
  await clock.advance(5);
  t.deepEqual(ended.slice(3), ['f:true@35']);
  await clock.advance(15);
  t.deepEqual(ended.slice(4), ['a:true@50', 'c:true@50']);
  t.is(waits.size, 0);
  t.is(clock.pending.size, 0, 'no timer left armed');
  t.true(clock.armed <= 6);
});

test('cancelAll ends every wait under way with false, and disarms the timer', async (t) => {
  const clock = new CountingClock();
  const waits = new RetryWaits(clock);
  const results = [waits.wait(100), waits.wait(20), waits.wait(0)];
  await clock.advance(0);
  waits.cancelAll();
  t.deepEqual(await Promise.all(results), [false, false, true]);
  t.is(clock.pending.size, 0);
  t.is(waits.size, 0);
  // Waits begun after a cancel run as usual.
  const later = waits.wait(10);
  await clock.advance(10);
  t.true(await later);
  await flush();
});

test('many waits of random lengths end in deadline order, each at or after its deadline', async (t) => {
  const clock = new CountingClock();
  const waits = new RetryWaits(clock);
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 100;
  const ends: Array<{ due: number; at: number; seq: number }> = [];
  for (let i = 0; i < 500; i++) {
    const ms = Math.floor(random());
    const due = clock.now() + ms;
    void waits.wait(ms).then(() => ends.push({ due, at: clock.now(), seq: i }));
    if (i % 50 === 49) await clock.advance(3);
  }
  await clock.advance(200);
  t.is(ends.length, 500);
  for (const e of ends) t.true(e.at >= e.due);
  for (let i = 1; i < ends.length; i++) {
    const a = ends[i - 1]!;
    const b = ends[i]!;
    t.true(
      a.due < b.due || (a.due === b.due && a.seq < b.seq),
      `${JSON.stringify(a)} before ${JSON.stringify(b)}`,
    );
  }
  t.true(clock.armed < 250, `${clock.armed} timers armed for 500 waits`);
});
