/**
 * The dashboard reads the shard files of a sharded state folder at once, not one after another
 * (lib/ui/shard-places.ts): each read here waits until every shard's read has begun, which reads
 * made in turn would never reach. The values still come back in shard order.
 */
import test from 'ava';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openContext } from '../lib/run/index.js';
import { Store } from '../lib/store/index.js';
import { readPlaces } from '../lib/ui/shard-places.js';
import { makeProject } from './helpers/project.js';

test('the shard files are read at once, their values in shard order', async (t) => {
  const root = makeProject({ 'models/a.sql': 'SELECT 1 AS x' });
  mkdirSync(join(root, 'state'), { recursive: true });
  for (let i = 0; i < 3; i++) {
    const s = await Store.open({ path: join(root, 'state', `ebb.shard-${i}-of-3.duckdb`), root });
    s.close();
  }
  const ctx = openContext({ cwd: root, env: {} });
  let inside = 0;
  let all!: () => void;
  const together = new Promise<void>((r) => (all = r));
  const timers: NodeJS.Timeout[] = [];
  const read = await readPlaces({ ctx }, async (_state, place) => {
    if (++inside === 3) all();
    // Reads in turn: the first would wait here for the others, which wait for it.
    const alone = new Promise<never>((_, fail) =>
      timers.push(setTimeout(() => fail(new Error(`shard ${place.label} was read alone`)), 20_000)),
    );
    await Promise.race([together, alone]);
    return place.label;
  });
  for (const timer of timers) clearTimeout(timer);
  t.true(read.sharded);
  t.is(read.unavailable, null);
  t.deepEqual(
    read.parts.map((p) => [p.shard, p.value]),
    [
      ['0/3', '0/3'],
      ['1/3', '1/3'],
      ['2/3', '2/3'],
    ],
  );
});
