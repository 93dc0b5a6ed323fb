// The debug channel (lib/debug.ts): EBB_DEBUG names sections, parsed once per value; a trace
// line goes to the writer the command gave (its IO), never straight to process.stderr.

import test from 'ava';
import { join } from 'node:path';
import { sqlCommand } from '../lib/commands/sql.js';
import { debugLog, debugSections, NO_DEBUG } from '../lib/debug.js';
import { Store } from '../lib/store/index.js';
import { capture, makeProject, tempDir } from './helpers/project.js';

test('EBB_DEBUG names sections separated by commas or spaces; each value is parsed once', (t) => {
  t.deepEqual([...debugSections('sql, star')], ['sql', 'star']);
  t.deepEqual([...debugSections('star sql')], ['star', 'sql']);
  t.deepEqual([...debugSections(undefined)], []);
  t.is(debugSections('sql,star'), debugSections('sql,star'), 'the same value gives the same parsed set');
});

test('a trace line of a named section goes to the writer, prefixed by its section; others are dropped', (t) => {
  const lines: string[] = [];
  const debug = debugLog({ EBB_DEBUG: 'star' }, (text) => lines.push(text));
  debug.log('star', 'sync.users: not started');
  debug.log('sql', 'SELECT 1');
  t.deepEqual(lines, ['[star] sync.users: not started\n']);
  t.true(debug.enabled('star'));
  t.false(debug.enabled('sql'));
  t.true(debug.any);
});

test('without EBB_DEBUG nothing is written and no section is on', (t) => {
  const lines: string[] = [];
  const debug = debugLog({}, (text) => lines.push(text));
  debug.log('star', 'x');
  NO_DEBUG.log('star', 'x');
  t.deepEqual(lines, []);
  t.false(debug.any);
  t.false(NO_DEBUG.enabled('sql'));
});

test('EBB_DEBUG=sql: the store writes each statement and its duration through the channel it was given', async (t) => {
  const lines: string[] = [];
  const store = await Store.open({
    path: join(tempDir(), 'state.duckdb'),
    root: tempDir(),
    debug: debugLog({ EBB_DEBUG: 'sql' }, (text) => lines.push(text)),
  });
  try {
    await store.exec('SELECT   42\n AS answer');
  } finally {
    store.close();
  }
  t.true(
    lines.some((l) => /^\[sql\] \d+\.\dms SELECT 42 AS answer\n$/.test(l)),
    lines.slice(-3).join(''),
  );
  const quiet: string[] = [];
  const other = await Store.open({
    path: ':memory:',
    root: tempDir(),
    debug: debugLog({ EBB_DEBUG: 'star' }, (text) => quiet.push(text)),
  });
  await other.exec('SELECT 1');
  other.close();
  t.deepEqual(quiet, [], 'a channel that does not name sql writes nothing');
});

test("EBB_DEBUG=sql: a command's statements are traced through its IO, not straight to process.stderr", async (t) => {
  const root = makeProject({ 'models/a/x.sql': 'SELECT 1 AS id' });
  const c = capture();
  const code = await sqlCommand(
    { cwd: root, sql: 'SELECT 7 AS seven', format: 'json', maxRows: 10, env: { EBB_DEBUG: 'sql' } },
    c.io,
  );
  t.is(code, 0, c.err());
  t.deepEqual(c.json(), [{ seven: 7 }]);
  t.regex(c.err(), /^\[sql\] \d+\.\dms SELECT 7 AS seven$/m);
});
