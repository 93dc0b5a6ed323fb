// Where a shard keeps its state, and the checks that keep shards apart. With --shard I/N the
// state file `<dir>/<name>.duckdb` (by default state/ebb.duckdb) becomes
// `<dir>/<name>.shard-I-of-N.duckdb`: one folder holds a file per shard, or each worker mounts
// its own volume at the same path (the name is derived, so both work). Each file records its
// (I, N) in ebb's own tables; a run is refused — before anything is opened or written — when
// the folder holds shard files of another N, when an unsharded state would be left behind by a
// sharded run or the reverse, and when the file it opens holds another shard.

import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseShard, shardText, type Shard } from '../detect/shard.js';
import { ShardError } from '../errors.js';
import {
  deliveredModels,
  readStateShard,
  recordStateShard,
  setProjectKey,
  type Store,
} from '../store/index.js';
import { folderSecret } from './shard-secret.js';

/** A shard's state file found in a folder. */
export interface ShardFile extends Shard {
  readonly path: string;
}

/** stem is the state path without its .duckdb ending (state/ebb.duckdb → state/ebb). */
function stem(basePath: string): string {
  return basePath.endsWith('.duckdb') ? basePath.slice(0, -'.duckdb'.length) : basePath;
}

/** journalPath is where a reshard of the state `basePath` keeps its journal while it renames files (reshard-files.ts). */
export function journalPath(basePath: string): string {
  return `${stem(basePath)}.reshard.json`;
}

/** secretPath is where the shard files beside the state `basePath` keep their common idempotency secret (shard-secret.ts). */
export function secretPath(basePath: string): string {
  return `${stem(basePath)}.idempotency-secret`;
}

/** basePathOf is the unsharded state path beside the shard file `path` of `shard` (none for another file: an offline run's scratch copy). */
function basePathOf(path: string, shard: Shard): string | undefined {
  const suffix = `.shard-${shard.index}-of-${shard.count}.duckdb`;
  return path.endsWith(suffix) ? `${path.slice(0, -suffix.length)}.duckdb` : undefined;
}

/** shardStatePath is the state file of `shard` beside the unsharded state `basePath`. */
export function shardStatePath(basePath: string, shard: Shard): string {
  return `${stem(basePath)}.shard-${shard.index}-of-${shard.count}.duckdb`;
}

/** shardFiles lists the shard state files beside `basePath`, by count then index. */
export function shardFiles(basePath: string): ShardFile[] {
  if (basePath === ':memory:') return [];
  const dir = dirname(basePath);
  const name = basename(stem(basePath));
  const re = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.shard-(\\d+)-of-(\\d+)\\.duckdb$`);
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  const out: ShardFile[] = [];
  for (const e of entries) {
    const m = re.exec(e);
    if (m) out.push({ index: Number(m[1]), count: Number(m[2]), path: join(dir, e) });
  }
  return out.sort((a, b) => a.count - b.count || a.index - b.index);
}

/** counts lists the shard counts of `files`, once each. */
function countsOf(files: readonly ShardFile[]): number[] {
  return [...new Set(files.map((f) => f.count))];
}

/**
 * checkShardFolder refuses a run whose shard does not fit the state folder: shard files of
 * another count (resharding goes through ebb reshard), an unsharded state beside a sharded run,
 * or shard files beside an unsharded one. It reads file names only, so a refused run leaves no
 * new file behind.
 */
export function checkShardFolder(basePath: string, shard: Shard | undefined): void {
  if (basePath !== ':memory:' && existsSync(journalPath(basePath))) {
    throw new ShardError(
      `a reshard of ${basePath} did not finish (${journalPath(basePath)} lists its last renames): run ebb reshard --to N again to finish it`,
    );
  }
  const files = shardFiles(basePath);
  const counts = countsOf(files);
  if (shard === undefined) {
    if (files.length === 0) return;
    throw new ShardError(
      `the state folder ${dirname(basePath)} holds shard files (${counts.map((n) => `${n} shards`).join(', ')}): ` +
        `run each shard with --shard I/${counts[0]} (or EBB_SHARD), or ebb reshard --to 1 to merge them into one unsharded state`,
    );
  }
  const other = counts.filter((n) => n !== shard.count);
  if (other.length > 0) {
    throw new ShardError(
      `--shard ${shardText(shard)}: the state folder ${dirname(basePath)} holds the state of ${other.join(', ')} shards; ` +
        `a run with another shard count would send delivered rows again. Run ebb reshard --to ${shard.count} first ` +
        `(it redistributes delivered rows and failures), or run with --shard I/${other[0]}`,
    );
  }
  if (basePath !== ':memory:' && existsSync(basePath)) {
    throw new ShardError(
      `--shard ${shardText(shard)}: ${basePath} is an unsharded state; a sharded run beside it would send its delivered rows again. ` +
        `Run ebb reshard --to ${shard.count} first (it splits that state into ${shard.count} shard files), or run without --shard`,
    );
  }
}

/** requestedShard reads the shard asked for: `--shard I/N` (`flag`) wins over EBB_SHARD; none when neither is set. */
export function requestedShard(flag: string | undefined, env: NodeJS.ProcessEnv): Shard | undefined {
  if (flag !== undefined) return parseShard(flag, '--shard');
  const text = env['EBB_SHARD'];
  return text === undefined || text === '' ? undefined : parseShard(text, 'EBB_SHARD');
}

/** commandShard is the shard a command opens: the one it was given, else EBB_SHARD's, else none. */
export function commandShard(given: Shard | undefined, env: NodeJS.ProcessEnv): Shard | undefined {
  return given ?? requestedShard(undefined, env);
}

/**
 * checkShardedOpen refuses to open the unsharded state where there is none but shard files are
 * beside it: opening would create an empty unsharded state, which every sharded run would then
 * refuse. A command reads one shard's state with EBB_SHARD=I/N.
 */
export function checkShardedOpen(statePath: string, shard: Shard | undefined): void {
  if (shard !== undefined || statePath === ':memory:' || existsSync(statePath)) return;
  const files = shardFiles(statePath);
  if (files.length === 0) return;
  throw new ShardError(
    `the state in ${dirname(statePath)} is sharded (${files.length} shard files): set EBB_SHARD=I/${files[0]!.count} to read one shard's state ` +
      `(ebb status and ebb plan show every shard themselves)`,
  );
}

/**
 * checkStateShard checks, once the state is open, that it holds `shard` (or no shard for an
 * unsharded run); a fresh state of a sharded run records its shard and takes the folder's
 * idempotency secret. A state that holds
 * delivered rows but no shard, used by a sharded run, is refused too.
 */
export async function checkStateShard(store: Store, path: string, shard: Shard | undefined): Promise<void> {
  const held = await readStateShard(store);
  if (shard === undefined) {
    if (held === undefined) return;
    throw new ShardError(
      `state ${path} holds shard ${shardText(held)} of a sharded state: run it with --shard ${shardText(held)}`,
    );
  }
  if (held === undefined) {
    if ((await deliveredModels(store)) > 0) {
      throw new ShardError(
        `--shard ${shardText(shard)}: state ${path} is an unsharded state with delivered rows; ` +
          `run ebb reshard --to ${shard.count} to split it into shard files`,
      );
    }
    // Nothing was sent from this file yet: it takes the secret every shard of the folder keys with.
    const base = basePathOf(path, shard);
    if (base !== undefined) await setProjectKey(store, folderSecret(secretPath(base)));
    await recordStateShard(store, shard);
    return;
  }
  if (held.index !== shard.index || held.count !== shard.count) {
    throw new ShardError(
      `--shard ${shardText(shard)}: state ${path} holds shard ${shardText(held)}; ` +
        (held.count !== shard.count
          ? `run ebb reshard --to ${shard.count} to change the shard count`
          : `the file was renamed or copied: give each shard its own file (ebb names them ${basename(shardStatePath('ebb.duckdb', shard))})`),
    );
  }
}
