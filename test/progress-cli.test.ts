// The progress line of `ebb run` as a user sees it: the CLI in a real pseudo-terminal
// (util-linux `script`) sending to a slow node:http sink on 127.0.0.1, then with NO_COLOR, with
// --quiet, and with stderr piped (a log) beside --json on stdout. The figures asserted are the
// engine's counts (20 rows, 1 refused by the sink); no timing is asserted.

import test from 'ava';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ebb, makeProject, REPO, TSX_IMPORT, EBB_ARGV } from './helpers/project.js';
import { startSink, type Sink } from './helpers/sink.js';

const ROWS = 20;
/** The row the sink refuses with a 400: recorded as a failure, so the run exits 1. */
const REFUSED = 3;

/** A project whose tracked model sends ROWS rows, two at a time, to the sink. */
function project(sink: Sink): string {
  return makeProject({
    'models/src/items.sql': `-- @kind: table\nSELECT range AS id, 'item ' || range AS name FROM range(${ROWS})`,
    'models/sync/items.star': [
      '# @kind: tracked',
      '# @unique_key: id',
      '# @concurrency: 2',
      '# @retries: 0',
      'for row in query("SELECT * FROM src.items"):',
      `    http.post("${sink.url}/items", json=row)`,
      '    save.row(row)',
      '',
    ].join('\n'),
  });
}

/** A sink slow enough (120 ms an answer, 2 in flight: over a second) for several redraws. */
function slowSink(): Promise<Sink> {
  return startSink((r) => ({ delayMs: 120, status: (r.json as { id: number }).id === REFUSED ? 400 : 200 }));
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** ebbInTerminal runs the CLI inside a pseudo-terminal 120 columns wide; its stdout and stderr come back as one stream. */
function ebbInTerminal(
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; screen: string }> {
  // A pseudo-terminal made by `script` has no size: give it 120 columns, room for the bar.
  const cmd = 'stty cols 120 && ' + [process.execPath, ...EBB_ARGV, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], {
      cwd,
      env: { ...process.env, SHELL: '/bin/sh', TERM: 'xterm', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let screen = '';
    child.stdout.on('data', (d: Buffer) => (screen += d.toString()));
    child.stderr.on('data', (d: Buffer) => (screen += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, screen }));
  });
}

/** The redraws of the model's live line, in order (a terminal turns each \n into \r\n). */
function redraws(screen: string, model: string): string[] {
  return screen
    .split(/\r\n|\r/)
    .filter((s) => s.replace(/\x1b\[[0-9;]*m/g, '').startsWith(`      ${model}  `));
}

test('on a terminal the line is redrawn in place while the model sends, coloured, and its last state stays with the final counts', async (t) => {
  const sink = await slowSink();
  t.teardown(() => sink.close());
  const r = await ebbInTerminal(['run'], project(sink), {});
  t.is(r.code, 3, r.screen); // one row refused: recorded as a failure, the run exits 3
  t.is(sink.requests.length, ROWS);
  const lines = redraws(r.screen, 'sync.items');
  t.true(lines.length >= 3, `at least two updates and the final line:\n${JSON.stringify(r.screen)}`);
  t.true(r.screen.includes(`\r${lines[1]}`), 'an update starts with a carriage return');
  const last = lines[lines.length - 1]!;
  // The final line ends with a newline, then the model's result line follows.
  t.true(r.screen.includes(`${last}\r\nOK    sync.items`), JSON.stringify(r.screen));
  const plainLast = last.replace(/\x1b\[[0-9;]*m/g, '');
  t.regex(
    plainLast,
    /^ {6}sync\.items {2}\[#{20}\] {2}20\/20 rows \(100%\) {2}0 in flight {2}[\d,]+ rows\/s {2}1 failed */,
  );
  t.true(last.includes('\x1b[31m1 failed\x1b[0m'), 'failures in red');
  t.true(last.includes('\x1b[32m'), 'the bar in green');
  t.false(redraws(r.screen, 'src.items').length > 0, 'an SQL model sends nothing: no progress line');
});

test('NO_COLOR: the terminal line is redrawn in place without any colour code', async (t) => {
  const sink = await slowSink();
  t.teardown(() => sink.close());
  const r = await ebbInTerminal(['run'], project(sink), { NO_COLOR: '1' });
  t.is(r.code, 3, r.screen);
  const lines = redraws(r.screen, 'sync.items');
  t.true(lines.length >= 2, JSON.stringify(r.screen));
  t.regex(lines[lines.length - 1]!, /20\/20 rows \(100%\) {2}0 in flight {2}[\d,]+ rows\/s {2}1 failed/);
  t.false(r.screen.includes('\x1b'), JSON.stringify(r.screen));
});

test('--quiet on a terminal: no progress and no line for the models that went well; the failed row is printed', async (t) => {
  const sink = await slowSink();
  t.teardown(() => sink.close());
  const r = await ebbInTerminal(['run', '--quiet'], project(sink), {});
  t.is(r.code, 3, r.screen);
  t.is(sink.requests.length, ROWS);
  t.deepEqual(redraws(r.screen, 'sync.items'), []);
  t.false(r.screen.includes('\r\r'), 'no carriage-return redraws');
  t.false(/^OK +src\.items/m.test(r.screen), r.screen);
  t.regex(r.screen, /OK +sync\.items +tracked +19 rows .*failed 1/);
  t.regex(
    r.screen,
    /1 row failed to deliver \(not acknowledged; sent again next run\); the first: POST http:\/\/127\.0\.0\.1:\d+\/items \(at models\/sync\/items\.star:\d+:\d+\): answered 400: .*; see ebb status sync\.items/,
  );
});

test('with stderr piped, the sending model leaves one plain line at its end, and stdout stays clean NDJSON', async (t) => {
  const sink = await slowSink();
  t.teardown(() => sink.close());
  const r = await ebb(['run', '--json'], { cwd: project(sink), env: { TERM: 'xterm' } });
  t.is(r.code, 3, r.stderr);
  const lines = r.stderr.split('\n');
  const progress = lines.filter((l) => l.startsWith('      sync.items  '));
  // One line at the end (and one every 10 s before it, should the machine be that slow).
  t.true(progress.length >= 1, r.stderr);
  for (const line of progress)
    t.regex(line, /^ {6}sync\.items {2}[\d,]+\/20 rows \(\d+%\) {2}\d+ in flight {2}/);
  const last = lines.lastIndexOf(progress[progress.length - 1]!);
  t.regex(
    lines[last]!,
    /^ {6}sync\.items {2}20\/20 rows \(100%\) {2}0 in flight {2}[\d,]+ rows\/s {2}1 failed$/,
  );
  t.regex(lines[last + 1]!, /^OK +sync\.items /);
  t.false(r.stderr.includes('\r'));
  t.false(r.stderr.includes('\x1b'));
  const json = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  t.deepEqual(
    json.map((l) => l['model'] ?? 'summary'),
    ['src.items', 'sync.items', 'summary'],
  );
  t.like(json[1], { status: 'ok', warning_code: 'EBB_HTTP_STATUS', saved: 19, failed: 1 });
});
