// copyState makes a scratch copy of a state database for a run that must leave the original
// byte-for-byte unchanged (`ebb run --offline`). The original is opened READ_ONLY while its
// file and write-ahead log are copied: that takes DuckDB's shared lock, so a writing ebb
// process makes this fail at once (as a second `ebb run` does) and none can start mid-copy,
// and a read-only open neither checkpoints nor replays the WAL into the file.
//
// A copy rather than a rolled-back transaction: DuckDB writes large uncommitted inserts
// straight into the database file (and the executor commits per model), so a rollback would
// neither be one transaction nor leave the bytes alone. bench/README.md has the cost.

import { constants, copyFileSync, existsSync } from 'node:fs';
import { DuckDBInstance } from './duckdb-api.js';
import { StateError, StateLockedError, errorMessage } from '../errors.js';

/** copyState copies `src` (and `src.wal`) to `dest`; false when `src` does not exist. */
export async function copyState(src: string, dest: string): Promise<boolean> {
  if (!existsSync(src)) return false;
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(src, { access_mode: 'READ_ONLY' });
  } catch (err) {
    const msg = errorMessage(err);
    if (/Could not set lock/i.test(msg)) {
      const pid = /PID (\d+)/.exec(msg)?.[1];
      throw new StateLockedError(src, pid ? `PID ${pid}` : '');
    }
    throw new StateError(`cannot read state ${src} to copy it: ${msg}`, err);
  }
  try {
    // COPYFILE_FICLONE shares blocks on file systems that can (btrfs, xfs): the copy is free.
    copyFileSync(src, dest, constants.COPYFILE_FICLONE);
    if (existsSync(`${src}.wal`)) copyFileSync(`${src}.wal`, `${dest}.wal`, constants.COPYFILE_FICLONE);
  } finally {
    instance.closeSync();
  }
  return true;
}
