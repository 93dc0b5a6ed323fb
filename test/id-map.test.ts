/**
 * IdMap (lib/runtime/id-map.ts), the ring of slots that maps the ids of requests in flight: it
 * finds every id set and not deleted, whether retired in order, out of order, or kept while
 * hundreds of thousands of later ids come and go (the ring grows, then overflows into a Map).
 */
import test from 'ava';
import { IdMap } from '../lib/runtime/id-map.js';

test('ids retired in about the order they came: every one found until deleted, the size kept', (t) => {
  const m = new IdMap<string>(4);
  const live = new Set<number>();
  for (let id = 1; id <= 1000; id++) {
    m.set(id, `v${id}`);
    live.add(id);
    if (id % 3 === 0) {
      // retire an older one out of order, and the oldest
      for (const old of [id - 2, Math.min(...live)]) {
        if (!live.has(old)) continue;
        t.is(m.delete(old), `v${old}`);
        live.delete(old);
      }
    }
  }
  t.is(m.size, live.size);
  for (let id = 1; id <= 1000; id++) {
    t.is(m.has(id), live.has(id), `has ${id}`);
    t.is(m.get(id), live.has(id) ? `v${id}` : undefined, `get ${id}`);
  }
  t.deepEqual([...m.values()].sort(), [...live].map((id) => `v${id}`).sort());
  t.is(m.delete(5000), undefined, 'an id never set');
  t.is(m.size, live.size);
});

test('an id kept while 200,000 later ids come and go is still found, and so are the later ones', (t) => {
  const m = new IdMap<number>();
  m.set(7, 70);
  m.set(8, 80);
  for (let id = 9; id < 200_009; id++) {
    m.set(id, id * 10);
    if (id > 100) t.is(m.delete(id - 90), (id - 90) * 10);
  }
  t.is(m.get(7), 70);
  t.is(m.get(8), 80);
  t.is(m.get(200_008), 2_000_080);
  t.is(m.size, 2 + 92);
  t.is(m.delete(7), 70);
  t.false(m.has(7));
  t.is(m.size, 2 + 92 - 1);
  t.is([...m.values()].length, m.size);
});

test('a value of undefined is kept apart from an id that is not there', (t) => {
  const m = new IdMap<undefined | number>(2);
  m.set(1, undefined);
  m.set(3, 3); // the same slot as 1 in a ring of 2: it grows
  t.true(m.has(1));
  t.is(m.size, 2);
  t.is(m.delete(1), undefined);
  t.false(m.has(1));
  t.is(m.size, 1);
  t.is(m.get(3), 3);
});
