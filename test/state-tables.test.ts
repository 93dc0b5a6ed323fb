// ebb's own tables through their one owner (lib/store/state): runs, failures and the tracked
// models' state, on a real state file in a temp dir.

import test from 'ava';
import { runCommand } from '../lib/commands/run.js';
import {
  clearFailure,
  clearFailures,
  createEmptyTracked,
  failureGroups,
  failureKeysAfter,
  HASH_TYPE,
  lastRuns,
  listFailures,
  markTracked,
  readHistory,
  readTrackedState,
  recordFailures,
  recordRun,
  resetModelState,
  type FailureEntry,
  type Store,
} from '../lib/store/index.js';
import { capture, makeProject, tempDir } from './helpers/project.js';
import { withStore } from './helpers/store.js';

const run = (id: string, model: string, status = 'ok') => ({
  run_id: id,
  model,
  kind: 'tracked',
  status,
  rows: 3,
  duration_ms: 12,
  ...(status === 'ok' ? { details: { new: 3, saved: 3 } } : { error: 'boom', code: 'EBB_MODEL' as const }),
});

test('runs: recorded, read back newest first, and the last run of each model whatever its case', async (t) => {
  await withStore(tempDir(), async (store) => {
    await recordRun(store, run('r1', 'sync.A'), new Date('2026-12-01T10:00:00Z'));
    await recordRun(store, run('r2', 'sync.a', 'error'), new Date('2026-12-02T10:00:00Z'));
    await recordRun(store, run('r3', 'sync.b'), new Date('2026-12-01T09:00:00Z'));
    const all = await readHistory(store, undefined, 10);
    t.deepEqual(
      all.map((r) => r['run_id']),
      ['r2', 'r1', 'r3'],
    );
    const a = await readHistory(store, 'SYNC.A', 10);
    t.deepEqual(
      a.map((r) => [r['run_id'], r['status'], r['code']]),
      [
        ['r2', 'error', 'EBB_MODEL'],
        ['r1', 'ok', null],
      ],
    );
    t.deepEqual(JSON.parse(String(a[1]!['details'])), { new: 3, saved: 3 });
    const last = await lastRuns(store);
    t.deepEqual([...last.keys()].sort(), ['sync.a', 'sync.b']);
    t.is(last.get('sync.a')!['run_id'], 'r2');
    t.is(last.get('sync.a')!['model'], 'sync.a');
    t.is(last.get('sync.a')!['started_at'], '2026-12-02T10:00:00Z');
    t.is(last.get('sync.b')!['rows'], 3);
  });
});

const failure = (key: number, status: number | null, error: string, attempts = 1): FailureEntry => ({
  model: 'sync.t',
  key: JSON.stringify({ id: key }),
  change: 'new',
  method: 'POST',
  url: 'http://x/t',
  status,
  error,
  attempts,
  runId: 'r1',
  kind: 'failed',
  rowHash: null,
});

test('failures: an entry per key, updated in place, listed, grouped, paged and cleared', async (t) => {
  await withStore(tempDir(), async (store) => {
    // More entries than one INSERT takes, so the chunking is exercised.
    const many = Array.from({ length: 450 }, (_v, i) => failure(i + 1, 500, 'server error'));
    await recordFailures(store, many);
    await recordFailures(store, [failure(7, null, 'connection refused', 4)]);
    const listed = await listFailures(store, 'sync.t', 1000);
    t.is(listed.length, 450);
    const seven = listed.find((r) => r['key'] === '{"id":7}')!;
    t.is(seven['status'], null);
    t.is(seven['attempts'], 4);
    t.is(seven['error'], 'connection refused');
    const groups = await failureGroups(store, 'sync.t', 2);
    t.deepEqual(
      groups.map((g) => [g.status, g.error, g.rows, g.keys]),
      [
        [500, 'server error', 449, ['{"id":100}', '{"id":101}']],
        [null, 'connection refused', 1, ['{"id":7}']],
      ],
    );
    // Key order is the texts' byte order ('}' sorts after the digits).
    t.deepEqual(await failureKeysAfter(store, 'sync.t', '{"id":97}', 3), [
      '{"id":98}',
      '{"id":99}',
      '{"id":9}',
    ]);
    t.deepEqual(await failureKeysAfter(store, 'sync.t', '{"id":9}', 3), []);
    t.is(await clearFailures(store, 'sync.t', `SELECT '{"id":7}' UNION ALL SELECT '{"id":8}'`), 2);
    await clearFailure(store, 'sync.t', '{"id":9}');
    t.is((await listFailures(store, 'sync.t', 1000)).length, 447);
    t.deepEqual(await failureGroups(store, 'other', 3), []);
  });
});

test('failures: one call stores thousands of entries with their kinds and hashes; a key given twice keeps its last', async (t) => {
  await withStore(tempDir(), async (store) => {
    const rejected = (key: number, hash: string): FailureEntry => ({
      ...failure(key, 207, `invalid email ${key}`),
      kind: 'rejected',
      rowHash: hash,
    });
    const many = Array.from({ length: 3000 }, (_v, i) =>
      rejected(i + 1, String(18446744073709551615n - BigInt(i))),
    );
    await recordFailures(store, [...many, failure(5, null, 'reset', 2), rejected(6, '42')]);
    const rows = await store.query(
      `SELECT key, kind, status, error, attempts, row_hash::VARCHAR AS h FROM _ebb.failures WHERE model = 'sync.t' ORDER BY key`,
    );
    t.is(rows.length, 3000);
    const by = new Map(rows.map((r) => [r['key'], r]));
    t.deepEqual(by.get('{"id":1}'), {
      key: '{"id":1}',
      kind: 'rejected',
      status: 207,
      error: 'invalid email 1',
      attempts: 1,
      h: '18446744073709551615',
    });
    t.like(by.get('{"id":5}'), { kind: 'failed', status: null, error: 'reset', attempts: 2, h: null });
    t.like(by.get('{"id":6}'), { kind: 'rejected', h: '42' });
    // Nothing staged is left behind for the next call.
    await recordFailures(store, [failure(1, 500, 'again')]);
    t.is((await listFailures(store, 'sync.t', 5000)).length, 3000);
    t.like((await store.query(`SELECT kind, error FROM _ebb.failures WHERE key = '{"id":1}'`))[0], {
      kind: 'failed',
      error: 'again',
    });
  });
});

test('tracked state: none at first, then the recorded version and key, forgotten with the table', async (t) => {
  await withStore(tempDir(), async (store) => {
    const target = { name: 'sync.t', schema: 'sync', table: 't' };
    const before = await readTrackedState(store, target);
    t.false(before.tableExists);
    t.is(before.hashVersion, undefined);
    t.is(before.uniqueKey, undefined);
    t.regex(before.duckdb, /^v\d/);
    await createEmptyTracked(store, target, [{ name: 'ID', type: 'INTEGER' }]);
    await markTracked(store, 'sync.t', 7, ['ID']);
    const after = await readTrackedState(store, target);
    t.true(after.tableExists);
    t.is(after.hashVersion, 7);
    t.is(after.uniqueKey, '["id"]');
    await resetModelState(store, target, true);
    const forgotten = await readTrackedState(store, target);
    t.false(forgotten.tableExists);
    t.is(forgotten.hashVersion, undefined);
  });
});

async function columnTypes(store: Store, schema: string, table: string): Promise<Record<string, string>> {
  const rows = await store.query(
    `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position`,
    [schema, table],
  );
  return Object.fromEntries(rows.map((r) => [String(r['column_name']), String(r['data_type'])]));
}

test('the empty table made for binding and the table a run makes have the same tracking columns', async (t) => {
  const root = makeProject({
    'models/sync/t.star':
      '# @kind: tracked\n# @unique_key: id\nfor row in query("SELECT 1 AS id, \'a\' AS name"):\n    save.row(row)\n',
  });
  const c = capture();
  t.is(await runCommand({ cwd: root, selectors: [] }, c.io), 0, c.err());
  await withStore(root, async (store) => {
    const made = await columnTypes(store, 'sync', 't');
    await createEmptyTracked(store, { name: 'sync.u', schema: 'sync', table: 'u' }, [
      { name: 'id', type: 'INTEGER' },
      { name: 'name', type: 'VARCHAR' },
    ]);
    t.deepEqual(await columnTypes(store, 'sync', 'u'), made);
    t.is(made['_ebb_hash'], HASH_TYPE);
  });
});
