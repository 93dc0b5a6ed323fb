/**
 * The simulators' shared rate counter, on an injected clock: a fixed window restarts at the first
 * request after it ended; a rolling window counts the requests of the last windowMs.
 */
import test from 'ava';
import { WindowCounter } from './simulators/common.js';

const rate = { limit: 2, windowMs: 1000 };

test('a fixed window allows `limit` requests, then refuses until it ends', (t) => {
  const w = new WindowCounter(rate);
  t.deepEqual(
    [0, 100, 200, 999, 1000, 1500, 1999, 2000].map((now) => w.take(now).allowed),
    [true, true, false, false, true, true, false, true],
  );
  t.like(w.take(2001), { remaining: 0, resetAt: 3000, limit: 2 });
});

test('a rolling window counts the requests of the last windowMs, so a burst across a boundary is refused', (t) => {
  const w = new WindowCounter(rate, true);
  t.deepEqual(
    [0, 900, 1000, 1100, 1899, 1900, 2900].map((now) => w.take(now).allowed),
    [true, true, true, false, false, true, true],
  );
  const fixed = new WindowCounter(rate);
  t.deepEqual(
    [900, 950, 1900, 1950].map((now) => fixed.take(now).allowed),
    [true, true, true, true],
    'a fixed window would let 4 requests through in 1050 ms',
  );
});

test('without a configured rate every request is allowed', (t) => {
  const w = new WindowCounter(undefined, true);
  t.true(Array.from({ length: 1000 }, (_, i) => w.take(i).allowed).every(Boolean));
});
