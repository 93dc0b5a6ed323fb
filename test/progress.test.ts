// The progress line's text (a pure function of a snapshot, a width and a colour flag) and the
// ticker that draws it: in place on a terminal, plain lines elsewhere, a final line per model
// that sent. The CLI through a real pseudo-terminal is test/progress-cli.test.ts.

import test from 'ava';
import { formatEta, progressLine } from '../lib/commands/progress-line.js';
import { ProgressTicker } from '../lib/commands/progress.js';
import type { IO } from '../lib/commands/io.js';
import type { ProgressSnapshot } from '../lib/run/index.js';

const snap = (over: Partial<ProgressSnapshot> = {}): ProgressSnapshot => ({
  model: 'sync.users',
  done: 1200,
  total: 5000,
  requests: 1210,
  inFlight: 16,
  failed: 0,
  elapsedMs: 3000,
  ...over,
});
const WIDE = { width: 200, color: false, bar: true };
const ANSI = /\x1b\[[0-9;]*m/g;

test('the line shows rows done of the delta, requests in flight, rows/s, ETA and failures', (t) => {
  t.is(
    progressLine(snap(), WIDE),
    '      sync.users  [####----------------]  1,200/5,000 rows (24%)  16 in flight  400 rows/s  ETA 10s  0 failed',
  );
});

test('without a bar (logs), and before any row is done there is no rate and no ETA', (t) => {
  t.is(
    progressLine(snap({ done: 0, requests: 0 }), { ...WIDE, bar: false }),
    '      sync.users  0/5,000 rows (0%)  16 in flight  0 failed',
  );
});

test('a model without a tracked delta shows the rows it saved, without a total or ETA', (t) => {
  t.is(
    progressLine(snap({ model: 'raw.tickets', done: 1, total: null, inFlight: 1, failed: 2 }), WIDE),
    '      raw.tickets  1 row  1 in flight  0 rows/s  2 failed',
  );
});

test('colour paints the bar and the failures, and only when asked', (t) => {
  const coloured = progressLine(snap({ failed: 3 }), { ...WIDE, color: true });
  t.true(coloured.includes('\x1b[32m####\x1b[0m'));
  t.true(coloured.includes('\x1b[31m3 failed\x1b[0m'));
  t.is(coloured.replace(ANSI, ''), progressLine(snap({ failed: 3 }), WIDE));
  t.false(/\x1b/.test(progressLine(snap({ failed: 3 }), WIDE)));
  const empty = progressLine(snap({ done: 0, failed: 0 }), { ...WIDE, color: true });
  t.true(empty.includes('[\x1b[2m--------------------\x1b[0m]'), 'an empty part is not painted');
});

test('a narrow terminal drops the bar, then the ETA, the rate and in flight, and keeps counts and failures', (t) => {
  const full = progressLine(snap(), WIDE);
  const widths = [full.length + 1, full.length, 90, 80, 65, 51, 40];
  const lines = widths.map((width) => progressLine(snap({ failed: 7 }), { ...WIDE, width }));
  for (const [i, line] of lines.entries()) t.true(line.length < widths[i]!, `fits in ${widths[i]}: ${line}`);
  t.true(lines[0]!.includes('['));
  t.false(lines[1]!.includes('['));
  t.is(lines[2], '      sync.users  1,200/5,000 rows (24%)  16 in flight  400 rows/s  ETA 10s  7 failed');
  t.is(lines[3], '      sync.users  1,200/5,000 rows (24%)  16 in flight  400 rows/s  7 failed');
  t.is(lines[4], '      sync.users  1,200/5,000 rows (24%)  16 in flight  7 failed');
  t.is(lines[5], '      sync.users  1,200/5,000 rows (24%)  7 failed');
  t.is(lines[6], '      sync.users  1,200/5,000 rows (24…');
});

test('the ETA reads as seconds, minutes or hours', (t) => {
  t.deepEqual([0.2, 9, 59.5, 125, 3599, 3725].map(formatEta), [
    '1s',
    '9s',
    '1m00s',
    '2m05s',
    '59m59s',
    '1h02m',
  ]);
});

/** An IO that records stderr; a terminal of the given width when `columns` is set. */
function screen(columns?: number, color = false): { io: IO; err: () => string } {
  let err = '';
  const io: IO = {
    stdout: () => undefined,
    stderr: (text) => (err += text),
    ...(columns === undefined ? {} : { terminal: { columns: () => columns, color } }),
  };
  return { io, err: () => err };
}

test('on a terminal the line is redrawn in place when it changes, padded over a longer one, and left with its final counts', (t) => {
  const s = screen(100);
  const ticker = new ProgressTicker(s.io, { everyMs: 0 });
  let now = snap({ done: 0, requests: 0, inFlight: 0, total: 0 });
  ticker.watch('sync.users', () => now);
  ticker.tick(); // nothing to send yet: no line
  now = snap({ done: 0, requests: 0, inFlight: 2, total: 4, elapsedMs: 100 });
  ticker.tick();
  ticker.tick(); // unchanged: not redrawn
  now = snap({ done: 2, requests: 2, inFlight: 2, total: 4, elapsedMs: 1000, failed: 1 });
  ticker.tick();
  now = snap({ done: 4, requests: 4, inFlight: 0, total: 4, elapsedMs: 2000, failed: 1 });
  ticker.end('sync.users');
  ticker.tick(); // nothing watched any more
  const first = '      sync.users  [--------------------]  0/4 rows (0%)  2 in flight  0 failed';
  const second =
    '      sync.users  [##########----------]  2/4 rows (50%)  2 in flight  2 rows/s  ETA 1s  1 failed';
  const last = '      sync.users  [####################]  4/4 rows (100%)  0 in flight  2 rows/s  1 failed';
  t.is(s.err(), `\r${first}\r${second}\r${last}${' '.repeat(second.length - last.length)}\n`);
});

test('on a terminal, pause wipes the live line before other output', (t) => {
  const s = screen(100);
  const ticker = new ProgressTicker(s.io, { everyMs: 0 });
  ticker.watch('sync.users', () => snap());
  ticker.tick();
  const shown = s.err().length - 1;
  ticker.pause();
  ticker.pause(); // nothing shown: nothing written
  t.is(s.err().slice(shown + 1), `\r${' '.repeat(shown)}\r`);
});

test('elsewhere each tick is a plain line without bar or colour, and a model that sent nothing leaves no line', (t) => {
  const s = screen();
  const ticker = new ProgressTicker(s.io, { everyMs: 0 });
  ticker.watch('mart.nothing', () =>
    snap({ model: 'mart.nothing', done: 0, total: null, requests: 0, inFlight: 0 }),
  );
  ticker.tick();
  ticker.watch('sync.users', () => snap({ failed: 2 })); // ends mart.nothing silently
  ticker.tick();
  ticker.end('sync.users');
  const line = '      sync.users  1,200/5,000 rows (24%)  16 in flight  400 rows/s  ETA 10s  2 failed\n';
  t.is(s.err(), line + line);
});
