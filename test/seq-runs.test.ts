// SeqRuns: sequence numbers of saved rows as runs (first, count): what acknowledgements carry
// between the worker and the database, so their sizes, splits and SQL ranges must be exact.

import test from 'ava';
import { SeqRuns } from '../lib/detect/seq-runs.js';
import { seqFilter } from '../lib/detect/tracked-sql.js';
import { tempDir } from './helpers/project.js';
import { withStore } from './helpers/store.js';

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
  t.is(seqFilter(r), '(_ebb_pos BETWEEN 0 AND 4 OR _ebb_pos BETWEEN 19 AND 23 OR _ebb_pos = 29)');
  t.is(seqFilter([3, 1, 2, 2, 7]), '(_ebb_pos BETWEEN 0 AND 2 OR _ebb_pos = 6)');
});

test('a structured clone of the pairs (a message between threads) rebuilds the same runs', (t) => {
  const r = SeqRuns.of([1, 2, 3, 7]);
  const back = new SeqRuns(structuredClone(r.pairs));
  t.is(back.size, 4);
  t.deepEqual([...back], [1, 2, 3, 7]);
});

test('seqFilter of many runs selects exactly their numbers, listing the rows or the holes, whichever are fewer', async (t) => {
  await withStore(tempDir(), async (store) => {
    await store.exec('CREATE TEMP TABLE r AS SELECT range::BIGINT AS n FROM range(1, 2001)');
    await store.exec('CREATE TEMP VIEW d AS SELECT rowid AS _ebb_pos, rowid + 1 AS _ebb_seq, * FROM r');
    const picked = async (seqs: number[]): Promise<number[]> =>
      (await store.query(`SELECT _ebb_seq FROM d WHERE ${seqFilter(seqs)} ORDER BY _ebb_seq`)).map((r) =>
        Number(r['_ebb_seq']),
      );
    // A batch API refusing one row a batch: every number but one in a hundred (holes fewer).
    const holed = Array.from({ length: 1500 }, (_v, i) => i + 11).filter((s) => s % 100 !== 42);
    t.regex(seqFilter(holed), /^\(_ebb_pos BETWEEN 10 AND 1509 AND _ebb_seq NOT IN \(SELECT unnest/);
    t.deepEqual(await picked(holed), holed);
    // Scattered rows (rows fewer), given out of order and twice.
    const scattered = Array.from({ length: 20 }, (_v, i) => 1990 - i * 97);
    t.regex(seqFilter([...scattered, scattered[3]!]), / AND _ebb_seq IN \(SELECT unnest/);
    t.deepEqual(
      await picked([...scattered, scattered[3]!]),
      [...scattered].sort((a, b) => a - b),
    );
    // Runs of several numbers with gaps of several.
    const runs = new SeqRuns(Array.from({ length: 30 }, (_v, i) => [1 + i * 50, 7]).flat());
    t.deepEqual(await picked([...runs]), [...runs]);
  });
});
