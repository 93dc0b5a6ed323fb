import test from 'ava';
import { runCommand } from '../lib/commands/run.js';
import { capture, makeProject } from './helpers/project.js';

const PIPELINE = {
  'models/raw/a.sql': 'SELECT 1 AS id',
  'models/raw/b.sql': 'SELECT 2 AS id',
  'models/mart/ab.sql': 'SELECT * FROM raw.a UNION ALL SELECT * FROM raw.b',
  'models/mart/only_b.sql': 'WITH x AS (SELECT * FROM raw.b) SELECT * FROM x',
  'models/sync/one.sql': 'SELECT * FROM mart.ab',
  'models/sync/two.sql': 'SELECT * FROM mart.ab JOIN mart.only_b USING (id)',
};

async function ran(selectors: string[], files: Record<string, string> = PIPELINE) {
  const root = makeProject(files);
  const c = capture();
  const code = await runCommand({ cwd: root, selectors, json: true }, c.io);
  return { code, models: c.json().map((r) => r['model']), results: c.json(), err: c.err() };
}

test('models run in dependency order (dependencies found through USING joins and CTEs)', async (t) => {
  const { code, models } = await ran([]);
  t.is(code, 0);
  t.deepEqual(models, ['raw.a', 'raw.b', 'mart.ab', 'mart.only_b', 'sync.one', 'sync.two']);
});

test('selector: a single model', async (t) => {
  t.deepEqual((await ran(['raw.a'])).models, ['raw.a']);
});

test('selector: +model takes everything upstream', async (t) => {
  t.deepEqual((await ran(['+sync.two'])).models, ['raw.a', 'raw.b', 'mart.ab', 'mart.only_b', 'sync.two']);
});

test('selector: model+ takes everything downstream', async (t) => {
  t.deepEqual((await ran(['raw.b+'])).models, ['raw.b', 'mart.ab', 'mart.only_b', 'sync.one', 'sync.two']);
});

test('selector: a glob', async (t) => {
  t.deepEqual((await ran(['mart.*'])).models, ['mart.ab', 'mart.only_b']);
});

test('selector: several selectors are a union', async (t) => {
  t.deepEqual((await ran(['raw.a', 'sync.*'])).models, ['raw.a', 'sync.one', 'sync.two']);
});

test('a selector that matches nothing is a bad invocation (exit 2) with a suggestion', async (t) => {
  const r = await ran(['mart.abb']);
  t.is(r.code, 2);
  t.regex(r.err, /no model matches "mart\.abb"; did you mean mart\.ab\?/);
  const bad = await ran(['mart.ab;drop']);
  t.is(bad.code, 2);
  t.regex(bad.err, /bad selector "mart\.ab;drop"/);
});

test('a failing model skips its dependents; unrelated branches still run', async (t) => {
  const r = await ran([], { ...PIPELINE, 'models/raw/a.sql': 'SELECT no_such_column' });
  t.is(r.code, 1);
  const status = Object.fromEntries(r.results.map((x) => [x['model'], x['status']]));
  t.deepEqual(status, {
    'raw.a': 'error',
    'raw.b': 'ok',
    'mart.ab': 'skipped',
    'mart.only_b': 'ok',
    'sync.one': 'skipped',
    'sync.two': 'skipped',
  });
  t.regex(
    String(r.results.find((x) => x['model'] === 'raw.a')!['error']),
    /^models\/raw\/a\.sql:1: Binder Error: .*no_such_column/,
  );
  t.is(r.results.find((x) => x['model'] === 'sync.one')!['error'], 'upstream model mart.ab failed');
  t.regex(r.err, /^ERROR +raw\.a +table .*\n +models\/raw\/a\.sql:1: Binder Error/m);
  t.regex(r.err, /^SKIP +mart\.ab +table +skipped: upstream model raw\.a failed$/m);
  t.regex(r.err, /Done in \d+\.\d+s: 2 ok, 1 error, 3 skipped/);
});
