// Store.close() while statements run (lib/store/activity.ts): closing DuckDB's connection or
// instance under a running statement hung the process (or crashed it), so the close waits for
// them; nothing new starts on a closed store. A real DuckDB file in a temporary folder.

import test from 'ava';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../lib/store/index.js';
import { ebb, makeProject, tempDir } from './helpers/project.js';

/** A statement that runs long enough (hundreds of ms) to be running when close() comes. */
const SLOW = `CREATE TABLE t AS SELECT range AS id, md5(range::VARCHAR) AS k FROM range(2000000) ORDER BY k`;

// With a command, the store writes an owner file beside the state and removes it when it closes.
const open = (dir: string) => Store.open({ path: join(dir, 'state.duckdb'), root: dir, command: 'test' });
const held = (dir: string) => existsSync(join(dir, 'state.duckdb.owner.json'));

/** rowsAfterReopen counts the rows of `t` in the state, opened again. */
async function rowsAfterReopen(dir: string): Promise<number> {
  const again = await open(dir);
  try {
    return Number(await again.scalar('SELECT count(*) FROM t'));
  } finally {
    again.close();
  }
}

test('a store closed while its statement runs lets it end, then closes: the file opens again with its result', async (t) => {
  const dir = tempDir();
  const store = await open(dir);
  const running = store.exec(SLOW);
  await new Promise((r) => setTimeout(r, 50));
  store.close();
  t.true(held(dir), 'not closed under the running statement');
  await running;
  t.false(held(dir), 'closed once it ended, before its caller resumes');
  await t.throwsAsync(store.exec('SELECT 1'), { message: /is closed: no statement can start/ });
  // The statement's result is in the file.
  t.is(await rowsAfterReopen(dir), 2_000_000);
});

test("closing a store waits for its siblings' statements too, and a cursor's read", async (t) => {
  const dir = tempDir();
  const store = await open(dir);
  await store.exec('CREATE TABLE src AS SELECT range AS id FROM range(100000)');
  const sibling = await store.sibling();
  const cursor = await store.openCursor('SELECT id FROM src ORDER BY id');
  const running = sibling.exec(SLOW);
  const read = cursor.next();
  await new Promise((r) => setTimeout(r, 50));
  store.close(); // closes the sibling with it
  t.true(held(dir));
  await running;
  t.true(((await read) ?? []).length > 0);
  t.false(held(dir));
  cursor.close();
  await t.throwsAsync(sibling.scalar('SELECT 1'), { message: /is closed/ });
  t.is(await rowsAfterReopen(dir), 2_000_000);
});

test('closeForExit checkpoints the state and closes it, leaving only its memory to the exit', async (t) => {
  const dir = tempDir();
  const store = await open(dir);
  await store.exec('CREATE TABLE t AS SELECT range AS id FROM range(1000)');
  // What the table's creation wrote waits in the write-ahead log until a checkpoint.
  t.true(existsSync(join(dir, 'state.duckdb.wal')));
  await store.closeForExit();
  t.false(existsSync(join(dir, 'state.duckdb.wal')), 'checkpointed');
  t.false(held(dir), 'the owner file is gone');
  await t.throwsAsync(store.exec('SELECT 1'), { message: /is closed: no statement can start/ });
});

test('`ebb run` ends with its state checkpointed and its output whole', async (t) => {
  const root = makeProject({
    'models/src/items.sql': '-- @kind: table\nSELECT range AS id FROM range(100000)',
    'models/mart/big.sql': '-- @kind: table\nSELECT id, id * 2 AS twice FROM src.items',
  });
  const r = await ebb(['run', '--json'], { cwd: root });
  t.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  t.like(JSON.parse(lines.at(-1)!), { exit_code: 0 });
  t.false(existsSync(join(root, 'state', 'ebb.duckdb.wal')));
  t.false(existsSync(join(root, 'state', 'ebb.duckdb.owner.json')));
});
