// The idempotency secret that every shard file of one state folder shares. A row's
// Idempotency-Key is keyed by its state's secret (lib/store/state/project-key.ts); if each shard
// file made its own, a row that failed in shard j and moved to another shard by `ebb reshard`
// would be re-sent under a new key, and a destination that deduplicates on it could apply it
// twice. So a fresh shard file takes the folder's secret from `<state>.idempotency-secret`
// (state/ebb.idempotency-secret), which the first shard to start creates — atomically, so shards
// starting together agree — and `ebb reshard` writes the secret its new files hold.

import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { StateError } from '../errors.js';

/** The secret's text: 32 random bytes as 64 hex digits. */
const SECRET_TEXT = /^[0-9a-f]{64}$/;

function readSecret(file: string): Uint8Array {
  const text = readFileSync(file, 'utf8').trim();
  if (!SECRET_TEXT.test(text))
    throw new StateError(
      `${file} is not an idempotency secret (64 hex digits): restore it from another worker of this state folder, or delete it if no shard file has been run yet`,
    );
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

/** folderSecret reads the folder's secret from `file`, creating it (random) when no shard has yet. */
export function folderSecret(file: string): Uint8Array {
  try {
    return readSecret(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  // Written whole under a name of its own, then linked: link fails if another shard won the race,
  // and nobody ever reads a half-written file.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, randomBytes(32).toString('hex') + '\n', { mode: 0o600 });
  try {
    linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(tmp);
  }
  return readSecret(file);
}

/** writeFolderSecret replaces the folder's secret (ebb reshard: the secret its new files hold). */
export function writeFolderSecret(file: string, hex: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, hex + '\n', { mode: 0o600 });
  renameSync(tmp, file);
}
