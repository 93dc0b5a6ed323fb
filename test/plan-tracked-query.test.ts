// ebb plan reads a tracked model's query through its language's record (Language.trackedQuery),
// naming no language itself: a .star script's literal query() and parameters, or why the
// query is known only at run time, which plan reports as "cannot plan".

import test from 'ava';
import { planCommand } from '../lib/commands/plan.js';
import type { Model } from '../lib/project/index.js';
import { starLanguage } from '../lib/run/languages/star.js';
import { capture, makeProject } from './helpers/project.js';

function queryOf(source: string) {
  const model = { file: 'models/x.star', source, language: 'star' } as unknown as Model;
  return starLanguage.trackedQuery?.(model);
}

test('a .star script gives its literal tracked query and parameters, or why they are not known', (t) => {
  t.deepEqual(queryOf('for r in query("SELECT * FROM u WHERE id > ?", 3):\n    save.row(r)\n'), {
    sql: 'SELECT * FROM u WHERE id > ?',
    params: [3n],
  });
  t.deepEqual(queryOf('for r in query(sql):\n    save.row(r)\n'), {
    unknown: 'its script has no query("…") call with a literal SQL string',
  });
  t.deepEqual(queryOf('query("SELECT 1 AS id")\nquery("SELECT 2 AS id")\n'), {
    unknown: 'its script has 2 different tracked query() calls',
  });
  t.deepEqual(queryOf('n = 3\nfor r in query("SELECT * FROM u WHERE id > ?", n):\n    save.row(r)\n'), {
    unknown: 'its tracked query has parameters known only at run time',
  });
  const broken = queryOf('for r in query("SELECT 1"\n');
  t.true(broken !== undefined && 'error' in broken && /models\/x\.star:/.test(broken.error));
});

test('ebb plan reports a tracked script whose query is built at run time as "cannot plan"', async (t) => {
  const root = makeProject({
    'models/sync/users.star':
      '# @kind: tracked\n# @unique_key: id\nsql = "SELECT 1 AS id"\nfor r in query(sql):\n    save.row(r)\n',
  });
  const c = capture();
  await planCommand({ cwd: root, selectors: [], json: true }, c.io);
  t.like(c.json()[0], {
    model: 'sync.users',
    error: 'models/sync/users.star: cannot plan: its script has no query("…") call with a literal SQL string',
  });
});
