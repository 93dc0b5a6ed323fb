// formatCount groups digits by hand (no ICU at the end of every run): it must write exactly
// what en-US's toLocaleString writes, for every integer size and sign, and fall back to it
// for the rest.

import test from 'ava';
import { formatCount } from '../lib/run/report.js';

test('formatCount writes what toLocaleString("en-US") writes', (t) => {
  const values = [0, 1, 9, 10, 99, 100, 999, 1000, 1001, 9999, 12_345, 100_000, 999_999, 1_000_000];
  for (let d = 1; d <= 16; d++) values.push(10 ** d - 1, 10 ** d, 10 ** d + 7, Math.floor(1.2345 * 10 ** d));
  values.push(Number.MAX_SAFE_INTEGER);
  for (let i = 0; i < 2000; i++) values.push(Math.floor(Math.random() * 10 ** (1 + (i % 15))));
  for (const v of [...values, ...values.map((x) => -x)])
    t.is(formatCount(v), v.toLocaleString('en-US'), String(v));
});

test('formatCount falls back to toLocaleString off the safe integers', (t) => {
  for (const v of [1.5, 1234.5678, 2 ** 60, Number.NaN, Number.POSITIVE_INFINITY, -0.25])
    t.is(formatCount(v), v.toLocaleString('en-US'));
});
