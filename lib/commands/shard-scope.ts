// Which state a reading command (ebb status, ebb plan) covers: the shard --shard I/N (or
// EBB_SHARD) names, every shard file of the state folder when the state is sharded (found by
// their names: no flag needed), or the one unsharded state.

import { parseShard, type Shard } from '../detect/shard.js';
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
  const env = options.env ?? process.env;
  const given = options.shardSpec ?? (env['EBB_SHARD'] === '' ? undefined : env['EBB_SHARD']);
  if (given !== undefined)
    return {
      kind: 'one',
      shard: parseShard(given, options.shardSpec !== undefined ? '--shard' : 'EBB_SHARD'),
    };
  const [{ findRoot }, { statePathFor, shardFiles }, { existsSync }] = await Promise.all([
    import('../project/index.js'),
    import('../run/index.js'),
    import('node:fs'),
  ]);
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
