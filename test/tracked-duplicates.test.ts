// A tracked model whose query returns a key more than once fails through the CLI with the key
// named, how often it appears and how many keys repeat (as merge models say it), with the
// code EBB_DUPLICATE_KEY: on the first run (no table yet) and once the table exists.

import test from 'ava';
import { ebb, makeProject, ndjson, writeFiles } from './helpers/project.js';

const SYNC =
  '# @kind: tracked\n# @unique_key: id\nfor row in query("SELECT * FROM src.items"):\n    save.row(row)\n';
const items = (values: string) => `-- @kind: table\nSELECT * FROM (VALUES ${values}) t(id, name)`;

test('a tracked query with repeated keys names the worst one and counts the others, on the first run and later ones', async (t) => {
  const root = makeProject({
    'models/src/items.sql': items(
      "(1, 'a'), (2, 'b'), (2, 'b2'), (3, 'c'), (3, 'c2'), (3, 'c3'), (4, 'd'), (4, 'd2')",
    ),
    'models/sync/items.star': SYNC,
  });
  const first = await ebb(['run', '--json'], { cwd: root });
  t.is(first.code, 1, first.stderr);
  const failed = ndjson(first.stdout).find((r) => r['model'] === 'sync.items')!;
  t.like(failed, { status: 'error', code: 'EBB_DUPLICATE_KEY' });
  t.is(
    String(failed['error']).split('\n')[0],
    'models/sync/items.star:3:17: query: query() returned key (id=3) 3 times (and 2 other keys repeat: 3 in all); each @unique_key must appear once (deduplicate it in the SQL)',
  );
  t.regex(first.stderr, /query\(\) returned key \(id=3\) 3 times \(and 2 other keys repeat: 3 in all\)/);

  // With a table delivered, a repeated key found against it is reported the same way.
  writeFiles(root, { 'models/src/items.sql': items("(1, 'a'), (2, 'b'), (3, 'c')") });
  t.is((await ebb(['run'], { cwd: root })).code, 0);
  writeFiles(root, {
    'models/src/items.sql': items("(1, 'a'), (2, 'b'), (2, 'b2'), (3, 'c'), (5, 'e'), (5, 'e2')"),
  });
  const later = await ebb(['run', '--json'], { cwd: root });
  t.is(later.code, 1, later.stderr);
  const again = ndjson(later.stdout).find((r) => r['model'] === 'sync.items')!;
  t.is(again['code'], 'EBB_DUPLICATE_KEY');
  t.regex(
    String(again['error']),
    /query\(\) returned key \(id=(2|5)\) 2 times \(and 1 other key repeats: 2 in all\); each @unique_key must appear once/,
  );
});
