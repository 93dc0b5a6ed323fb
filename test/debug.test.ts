// The debug channel (lib/debug.ts): EBB_DEBUG names sections, parsed once per value; a trace
// line goes to the writer the command gave (its IO), never straight to process.stderr.

import test from 'ava';
import { debugLog, debugSections, NO_DEBUG } from '../lib/debug.js';

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
