// Which state a reading command (ebb status, ebb plan) covers: the shard --shard I/N (or
// EBB_SHARD) names, every shard file of the state folder when the state is sharded (found by
// their names: no flag needed), or the one unsharded state.

import type { Shard } from '../detect/shard.js';
import type { ShardFile } from '../run/index.js';
import type { GlobalOptions } from './io.js';

export interface ShardScopeOptions extends GlobalOptions {
  /** --shard I/N as given (else EBB_SHARD). */
  readonly shardSpec?: string | undefined;
}

export type ShardScope =
  | { readonly kind: 'one'; readonly shard: Shard | undefined }
  | { readonly kind: 'all'; readonly files: readonly ShardFile[] };

/** shardScope reads --shard/EBB_SHARD, else looks for shard files beside the unsharded state path. */
export async function shardScope(options: ShardScopeOptions): Promise<ShardScope> {
  const [{ findRoot }, { statePathFor, shardFiles, requestedShard }, { existsSync }] = await Promise.all([
    import('../project/index.js'),
    import('../run/index.js'),
    import('node:fs'),
  ]);
  const shard = requestedShard(options.shardSpec, options.env ?? process.env);
  if (shard !== undefined) return { kind: 'one', shard };
  let base: string;
  try {
    base = statePathFor(findRoot(options.cwd, options.project), options);
  } catch {
    // No project: the command itself says so.
    return { kind: 'one', shard: undefined };
  }
  const files = shardFiles(base);
  return files.length === 0 || existsSync(base) ? { kind: 'one', shard: undefined } : { kind: 'all', files };
}
