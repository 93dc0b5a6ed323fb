// `_ebb.shard`: which key shard a state file holds (ebb run --shard I/N), one row, absent in an
// unsharded state. A sharded run records it on a fresh state and checks it on every later one
// (lib/run/shard-state.ts), so a state never serves another shard count than it was built with.
// Also what ebb reshard copies between state files: ebb's own tables, named only here.

import type { Store } from '../store.js';

const TABLE = '_ebb.shard';

export interface StateShard {
  readonly index: number;
  readonly count: number;
}

/** readStateShard reads the shard a state holds, or undefined for an unsharded state. */
export async function readStateShard(store: Store): Promise<StateShard | undefined> {
  const rows = await store.query(`SELECT shard_index, shard_count FROM ${TABLE} LIMIT 1`);
  const r = rows[0];
  return r === undefined ? undefined : { index: Number(r['shard_index']), count: Number(r['shard_count']) };
}

/** recordStateShard writes the shard a state holds (replacing any). */
export async function recordStateShard(store: Store, shard: StateShard): Promise<void> {
  await store.transaction(async () => {
    await store.exec(`DELETE FROM ${TABLE}`);
    await store.exec(`INSERT INTO ${TABLE} VALUES (?, ?, now())`, [String(shard.index), String(shard.count)]);
  });
}

/** deliveredModels counts the tracked models a state has delivered rows of (or recorded failures of). */
export async function deliveredModels(store: Store): Promise<number> {
  return Number(
    await store.scalar(
      `SELECT (SELECT count(*) FROM _ebb.tracked) + (SELECT count(*) FROM _ebb.failures)::DOUBLE`,
    ),
  );
}
