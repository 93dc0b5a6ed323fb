// A save whose rows cannot be stored (a one-way message to the main thread) is reported at the
// line of the save, not at whatever call the script had reached when the failure came back,
// and not without a line: for rows of a table model (at the end of the script, or in the
// middle) and for the acknowledgements of a tracked model.

import test from 'ava';
import { runCommand } from '../lib/commands/run.js';
import { capture, makeProject, writeFiles } from './helpers/project.js';
import { withStore } from './helpers/store.js';

async function run(root: string) {
  const c = capture();
  const code = await runCommand({ cwd: root, selectors: [], json: true }, c.io);
  const results = c.json();
  return {
    code,
    err: c.err(),
    error: (model: string) => String(results.find((r) => r['model'] === model)?.['error']),
  };
}

test('rows that cannot be stored name the lines of the saves they came from', async (t) => {
  const root = makeProject({
    'models/x/t.star':
      '# @kind: table\n\ndef add(n):\n    save.row({"a": n})\n\nfor i in range(10):\n    add(i)\nsave.row({"a": "not a number"})\n',
  });
  const r = await run(root);
  t.is(r.code, 1);
  t.is(
    r.error('x.t'),
    'models/x/t.star:4:13: save.row (rows 1–10 at models/x/t.star:4:13, row 11 at models/x/t.star:8:9): storing saved rows failed: ' +
      'save.row: row #11: column a is BIGINT (from the first rows saved) but this row has VARCHAR',
  );
});

test('a failure that comes back while the script goes on is reported at the save that caused it, not at the next call', async (t) => {
  const root = makeProject({
    'models/x/u.star':
      '# @kind: table\nfor i in range(5000):\n    save.row({"a": i})\nfor i in range(5000):\n    save.row({"a": "s%d" % i})\nquery("SELECT 1", delta=False)\nprint("went on")\n',
  });
  const r = await run(root);
  t.is(r.code, 1);
  t.is(
    r.error('x.u'),
    'models/x/u.star:5:13: save.row (rows 5001–10000): storing saved rows failed: save.row: row #5001: column a is BIGINT (from the first rows saved) but this row has VARCHAR',
  );
  t.notRegex(
    r.err,
    /went on|u\.star:6/,
    'the script stopped at its next call (line 6), which the message does not blame',
  );
});

test('acknowledgements of a tracked model that cannot be committed name the line of the save', async (t) => {
  const root = makeProject({
    'models/src/items.sql': "-- @kind: table\nSELECT range AS id, 'n' || range AS name FROM range(5)",
    'models/sync/items.star':
      '# @kind: tracked\n# @unique_key: id\n\nfor row in query("SELECT * FROM src.items"):\n    save.row(row)\n',
  });
  t.is((await run(root)).code, 0);
  // The table refuses a NULL name from now on: the changed row's acknowledgement cannot be stored.
  await withStore(root, (s) => s.exec('ALTER TABLE sync.items ALTER COLUMN name SET NOT NULL'));
  writeFiles(root, {
    'models/src/items.sql':
      "-- @kind: table\nSELECT range AS id, CASE WHEN range = 3 THEN NULL ELSE 'n' || range END AS name FROM range(5)",
  });
  const r = await run(root);
  t.is(r.code, 1);
  t.regex(
    r.error('sync.items'),
    /^models\/sync\/items\.star:5:13: save\.row: storing acknowledgements failed: .*NOT NULL/,
  );
});
