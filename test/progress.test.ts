import test from 'ava';
import { Progress } from '../lib/commands/progress.js';
import { capture } from './helpers/project.js';

test('on a terminal, progress rewrites one line with rows, rate and ETA, and clears it', (t) => {
  const c = capture();
  let now = 0;
  const p = new Progress({ ...c.io, isTTY: true }, () => now);
  p.update('sync.users', 0, 1000);
  now = 2000;
  p.update('sync.users', 500, 1000);
  now = 2050;
  p.update('sync.users', 600, 1000); // too soon after the last draw: skipped
  p.clear();
  t.is(
    c.err(),
    '\r\x1b[2K      sync.users  0/1,000 rows (0%)' +
      '\r\x1b[2K      sync.users  500/1,000 rows (50%)  250 rows/s  ETA 2s' +
      '\r\x1b[2K',
  );
});

test('elsewhere, progress is a plain line every ten seconds', (t) => {
  const c = capture();
  let now = 0;
  const p = new Progress(c.io, () => now);
  p.update('sync.users', 0, 100_000);
  now = 5_000;
  p.update('sync.users', 10_000, 100_000);
  now = 10_000;
  p.update('sync.users', 20_000, 100_000);
  p.clear();
  t.is(c.err(), '      sync.users  20,000/100,000 rows (20%)  2,000 rows/s  ETA 40s\n');
});
