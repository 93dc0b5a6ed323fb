// SeqRuns: sequence numbers of saved rows as runs (first, count): what acknowledgements carry
// between the worker and the database, so their sizes, splits and SQL ranges must be exact.

import test from 'ava';
import { SeqRuns } from '../lib/detect/seq-runs.js';
import { seqFilter } from '../lib/detect/tracked-sql.js';

test('consecutive numbers make one run; a gap or a step back starts another', (t) => {
  const r = SeqRuns.of([5, 6, 7, 9, 10, 3, 4, 4]);
  t.deepEqual(r.pairs, [5, 3, 9, 2, 3, 2, 4, 1]);
  t.is(r.size, 8);
  t.deepEqual([...r], [5, 6, 7, 9, 10, 3, 4, 4]);
  const seen: number[] = [];
  r.forEach((s) => seen.push(s));
  t.deepEqual(seen, [...r]);
});

test('append joins a run that continues the last one', (t) => {
  const a = SeqRuns.of([1, 2, 3]);
  a.append(SeqRuns.of([4, 5, 8]));
  t.deepEqual(a.pairs, [1, 5, 8, 1]);
  t.is(a.size, 6);
  a.append(new SeqRuns());
  t.is(a.size, 6);
});

test('take splits off exactly the first n numbers, inside a run if need be', (t) => {
  const r = SeqRuns.of([1, 2, 3, 4, 10, 11, 12, 20]);
  const head = r.take(5);
  t.deepEqual([...head], [1, 2, 3, 4, 10]);
  t.deepEqual([...r], [11, 12, 20]);
  t.is(head.size + r.size, 8);
  t.deepEqual([...r.take(10)], [11, 12, 20], 'more than there are: all of them');
  t.is(r.size, 0);
  t.deepEqual(r.pairs, []);
});

test('sorted merges overlapping and adjacent runs in order; seqFilter writes them as SQL ranges', (t) => {
  const r = new SeqRuns([20, 5, 1, 3, 4, 2, 30, 1, 22, 1]);
  t.deepEqual(r.sorted(), [
    [1, 5],
    [20, 24],
    [30, 30],
  ]);
  t.is(seqFilter(r), '(_ebb_seq BETWEEN 1 AND 5 OR _ebb_seq BETWEEN 20 AND 24 OR _ebb_seq = 30)');
  t.is(seqFilter([3, 1, 2, 2, 7]), '(_ebb_seq BETWEEN 1 AND 3 OR _ebb_seq = 7)');
});

test('a structured clone of the pairs (a message between threads) rebuilds the same runs', (t) => {
  const r = SeqRuns.of([1, 2, 3, 7]);
  const back = new SeqRuns(structuredClone(r.pairs));
  t.is(back.size, 4);
  t.deepEqual([...back], [1, 2, 3, 7]);
});
