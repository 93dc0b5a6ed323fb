// The files of `ebb reshard`: which state files it reads (the shard files of one folder, or the
// unsharded state), which it writes, and how the new ones replace the old ones without a crash
// ever losing either. New files are written under temporary names (`….duckdb.reshard`) that no
// run opens; once every one is complete, a journal (`<name>.reshard.json`) lists the renames,
// then each new file takes its name and each old one is kept as `….before-reshard`; the journal
// goes last. A crash before the journal leaves the old files in place (the temporary ones are
// removed by the next reshard); a crash after it is finished by the next `ebb reshard`, and runs
// are refused while the journal exists (checkShardFolder), so no run ever sees half of a reshard.

import {
  existsSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  openSync,
  fsyncSync,
  closeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { MAX_SHARDS, type Shard } from '../detect/shard.js';
import { ShardError, UsageError } from '../errors.js';
import { journalPath, shardFiles, shardStatePath } from './shard-state.js';

/** A state file reshard reads, with the shard its name gives (1 shard: the unsharded state). */
export interface SourceFile extends Shard {
  readonly path: string;
}

/** A state file reshard writes: under `tmp` until it is complete, then renamed to `path`. */
export interface TargetFile extends Shard {
  readonly path: string;
  readonly tmp: string;
}

/** The renames that finish a reshard, as written in its journal. */
export interface Journal {
  readonly from: number;
  readonly to: number;
  readonly sources: readonly string[];
  readonly targets: ReadonlyArray<{ readonly tmp: string; readonly path: string }>;
}

/** The name an old state file is kept under once a reshard replaced it. */
export const BACKUP_SUFFIX = '.before-reshard';

/** checkTarget reads --to: a whole number from 1 to MAX_SHARDS. */
export function checkTarget(to: number): number {
  if (!Number.isSafeInteger(to) || to < 1 || to > MAX_SHARDS)
    throw new UsageError(`--to takes a number of shards from 1 to ${MAX_SHARDS}, not "${to}"`);
  return to;
}

/**
 * sourceFiles finds what to reshard beside `basePath`: every shard file of one count (all of
 * 0 … N-1 present), or the unsharded state alone.
 */
export function sourceFiles(basePath: string): SourceFile[] {
  const files = shardFiles(basePath);
  const base = existsSync(basePath);
  const where = dirname(basePath);
  if (files.length === 0) {
    if (!base)
      throw new ShardError(
        `no state to reshard in ${where}: neither ${basePath} nor shard files of it exist`,
      );
    return [{ index: 0, count: 1, path: basePath }];
  }
  if (base)
    throw new ShardError(
      `${where} holds both the unsharded state ${basePath} and shard files: move the one that is not in use aside, then reshard`,
    );
  const counts = [...new Set(files.map((f) => f.count))];
  if (counts.length > 1)
    throw new ShardError(
      `${where} holds shard files of ${counts.join(' and ')} shards: keep one set, then reshard`,
    );
  const n = counts[0]!;
  const missing = Array.from({ length: n }, (_, i) => i).filter((i) => !files.some((f) => f.index === i));
  if (missing.length > 0)
    throw new ShardError(
      `the state of ${n} shards in ${where} lacks shard ${missing.join(', ')} (${shardStatePath(basePath, { index: missing[0]!, count: n })}): ` +
        `run that shard once (or restore its file), then reshard — a missing shard's delivered rows would be sent again`,
    );
  return files;
}

/** targetFiles names the new files of `to` shards (1: the unsharded state) and their temporary names. */
export function targetFiles(basePath: string, to: number): TargetFile[] {
  return Array.from({ length: to }, (_, index) => {
    const path = to === 1 ? basePath : shardStatePath(basePath, { index, count: to });
    return { index, count: to, path, tmp: `${path}.reshard` };
  });
}

/** removeFile deletes a DuckDB file and its write-ahead log, if there. */
export function removeFile(path: string): void {
  rmSync(path, { force: true });
  rmSync(`${path}.wal`, { force: true });
}

/** writeJournal writes the journal durably (fsync) before the first rename. */
export function writeJournal(basePath: string, journal: Journal): void {
  const path = journalPath(basePath);
  writeFileSync(path, JSON.stringify(journal, null, 2) + '\n');
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** readJournal reads an unfinished reshard's journal, if there is one. */
export function readJournal(basePath: string): Journal | undefined {
  const path = journalPath(basePath);
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as Journal;
}

/**
 * finishJournal does the renames a journal lists (each one at most once: a rename already done
 * is skipped), then removes the journal. Returns the backups of the old files.
 */
export function finishJournal(basePath: string, journal: Journal): string[] {
  for (const t of journal.targets) {
    if (existsSync(t.tmp)) renameSync(t.tmp, t.path);
    if (existsSync(`${t.tmp}.wal`)) renameSync(`${t.tmp}.wal`, `${t.path}.wal`);
  }
  const backups: string[] = [];
  for (const s of journal.sources) {
    if (existsSync(s)) renameSync(s, s + BACKUP_SUFFIX);
    if (existsSync(`${s}.wal`)) renameSync(`${s}.wal`, `${s}${BACKUP_SUFFIX}.wal`);
    // What the last run of the old file published, and who held it: neither names a live file now.
    for (const side of ['.run.json', '.owner.json']) rmSync(s + side, { force: true });
    backups.push(s + BACKUP_SUFFIX);
  }
  rmSync(journalPath(basePath), { force: true });
  return backups;
}
