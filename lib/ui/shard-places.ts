// Which states the dashboard reads: the project's one state, or — when the state folder is
// sharded (state/ebb.shard-I-of-N.duckdb files and no unsharded state, as `ebb status` finds
// them) — every shard file, each read on its own (read-only, closed at once; the files at once)
// and labelled with its shard, so the pages can show every shard's models, runs and failures and their totals. A
// shard a run holds is busy and left out, the others shown. The list is made again for every
// request: a worker's first run may add a shard file while the dashboard is up.

import { existsSync } from 'node:fs';
import { shardText, type Shard } from '../detect/shard.js';
import { shardFiles, type Context } from '../run/index.js';
import type { SetupStep, Store } from '../store/index.js';
import { readLiveStatus, type LiveStatus } from './live.js';
import { readState, type StatePlace } from './state-access.js';

/** Where the dashboard's states are. */
export interface PlaceSource {
  /** The opened project; its statePath is the unsharded state path, beside which shard files are looked for. */
  readonly ctx: Context;
}

/** One state the dashboard reads: its shard (none for an unsharded state) and its label "I/N". */
export interface ShardPlace extends StatePlace {
  readonly shard: Shard | undefined;
  readonly label: string | undefined;
}

/** statePlaces lists the states to read: every shard file when the folder is sharded, else the one state. */
export function statePlaces(src: PlaceSource): ShardPlace[] {
  const base = src.ctx.statePath;
  const root = src.ctx.project.root;
  const files = base === ':memory:' || existsSync(base) ? [] : shardFiles(base);
  if (files.length === 0) return [{ statePath: base, root, shard: undefined, label: undefined }];
  return files.map((f) => {
    const shard = { index: f.index, count: f.count };
    return { statePath: f.path, root, shard, label: shardText(shard) };
  });
}

/** What the states read gave: a value per state read, and why any state could not be read. */
export interface PlacesRead<T> {
  readonly sharded: boolean;
  readonly parts: ReadonlyArray<{ readonly shard: string | undefined; readonly value: T }>;
  readonly unavailable: { readonly reason: 'busy' | 'missing'; readonly message: string } | null;
}

/** readPlaces reads every state of `src` with `read` (read-only); a busy or missing one is named in `unavailable`. */
export async function readPlaces<T>(
  src: PlaceSource,
  read: (state: Store, place: ShardPlace) => Promise<T>,
  setup?: readonly SetupStep[],
): Promise<PlacesRead<T>> {
  const places = statePlaces(src);
  const parts: Array<{ shard: string | undefined; value: T }> = [];
  const missed: string[] = [];
  let reason: 'busy' | 'missing' = 'missing';
  // Each file opened on its own, all at once: DuckDB opens and reads them on its own threads, so
  // N shards cost about what the slowest does on a machine with cores to spare, not N times one.
  const reads = await Promise.all(places.map((place) => readState(place, (s) => read(s, place), setup)));
  for (const [i, place] of places.entries()) {
    const r = reads[i]!;
    if (r.ok) parts.push({ shard: place.label, value: r.value });
    else {
      if (r.reason === 'busy') reason = 'busy';
      missed.push(place.label === undefined ? r.message : `shard ${place.label}: ${r.message}`);
    }
  }
  const sharded = places[0]?.shard !== undefined;
  return { sharded, parts, unavailable: missed.length === 0 ? null : { reason, message: missed.join('; ') } };
}

/** liveOf is the run in progress the live page follows: the first shard's whose run is alive, else the first status found. */
export function liveOf(src: PlaceSource): LiveStatus | undefined {
  const all = statePlaces(src)
    .map((p) => readLiveStatus(p.statePath))
    .filter((s): s is LiveStatus => s !== undefined);
  return all.find((s) => s.running) ?? all[0];
}

/** newestFirst sorts rows by `at` (ISO times) newest first, then keeps `limit` of them. */
export function newestFirst<R>(rows: R[], at: (r: R) => string, limit: number): R[] {
  return rows.sort((a, b) => (at(a) < at(b) ? 1 : at(a) > at(b) ? -1 : 0)).slice(0, limit);
}
