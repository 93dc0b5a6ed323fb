// A damaged state file (blocks whose checksums fail) is named as such, with what to do, under
// its own code — at open, and when a model's query first reads a damaged block — never as
// DuckDB's raw message under EBB_INTERNAL ("a bug").

import test from 'ava';
import { closeSync, copyFileSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from '../lib/commands/run.js';
import { statusCommand } from '../lib/commands/status.js';
import { capture, makeProject } from './helpers/project.js';

/** DuckDB's block size: every block carries a checksum of its own. */
const BLOCK = 262_144;
/** The file's headers come first; blocks start after them. */
const FIRST_BLOCK = 12_288;

async function builtState(): Promise<{ root: string; file: string }> {
  const root = makeProject({
    'models/src/u.sql': "-- @kind: table\nSELECT i AS id, 'name' || i AS name FROM range(100000) t(i)",
    'models/sync/t.star':
      '# @kind: tracked\n# @unique_key: id\nfor row in query("SELECT * FROM src.u"):\n    save.row(row)\n',
  });
  const c = capture();
  if ((await runCommand({ cwd: root, selectors: [] }, c.io)) !== 0) throw new Error(c.err());
  return { root, file: join(root, 'state', 'ebb.duckdb') };
}

function damage(file: string, offsets: readonly number[]): void {
  const fd = openSync(file, 'r+');
  for (const off of offsets) writeSync(fd, Buffer.alloc(64, 0xab), 0, 64, off);
  closeSync(fd);
}

const WHAT_TO_DO =
  /state .*ebb\.duckdb is damaged \(.*Corrupt database file.*\)\. ebb cannot repair it: restore the file/;

test('a state file with damaged blocks is EBB_STATE_CORRUPT, with what to do, for run and status', async (t) => {
  const { root, file } = await builtState();
  const blocks: number[] = [];
  for (let off = FIRST_BLOCK + 100; off < statSync(file).size; off += BLOCK) blocks.push(off);
  damage(file, blocks);
  const run = capture();
  t.is(await runCommand({ cwd: root, selectors: [], json: true }, run.io), 1);
  const [line] = run.json();
  t.is(line!['code'], 'EBB_STATE_CORRUPT');
  t.regex(String(line!['error']), WHAT_TO_DO);
  t.regex(String(line!['error']), /start a new state, and then every tracked model sends all its rows again/);
  const status = capture();
  t.is(await statusCommand({ cwd: root, models: [], json: true }, status.io), 1);
  t.is(status.json()[0]!['code'], 'EBB_STATE_CORRUPT');
});

test("a damaged block met by a model's query fails that model with EBB_STATE_CORRUPT", async (t) => {
  const { root, file } = await builtState();
  copyFileSync(file, `${file}.good`);
  const codes = new Set<unknown>();
  let modelFailures = 0;
  for (let off = FIRST_BLOCK + 100; off < statSync(`${file}.good`).size; off += BLOCK) {
    copyFileSync(`${file}.good`, file);
    damage(file, [off]);
    const c = capture();
    const code = await runCommand({ cwd: root, selectors: ['sync.t'], json: true }, c.io);
    if (code === 0) continue; // a block this run does not read
    for (const r of c.json()) {
      codes.add(r['code']);
      t.regex(String(r['error']), WHAT_TO_DO);
      if (r['model'] === 'sync.t') modelFailures++;
    }
  }
  t.deepEqual([...codes], ['EBB_STATE_CORRUPT']);
  t.true(modelFailures > 0, "some damaged block is first met by the model's own query");
});
