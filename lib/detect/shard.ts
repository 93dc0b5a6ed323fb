// Key shards (`ebb run --shard I/N`): which of N workers owns a tracked row. The shard of a key
// is computed in DuckDB SQL from the key's canonical text, with a hash that is stable across
// ebb and DuckDB releases by definition — the first 4 bytes of the MD5 of that text, read as an
// unsigned big-endian integer, modulo N — never DuckDB's hash(), which may change with a
// release and would move keys between shards. Four bytes, not eight: every shard reads every row
// of the query and hashes its key, and parsing 8 hex digits instead of 16 takes a third off that
// cost (measured on 1M keys); the bias of 2^32 mod N is below 10^-6 for any N ≤ MAX_SHARDS.
// shardOf is the same function in TypeScript
// (node:crypto), for reshard and tests; a test pins both to fixed values and to each other.
//
// The canonical key text: a single key column is its value cast to VARCHAR (a string is
// itself, an integer of any width its decimal digits, a UUID its lower-case text, a DATE
// YYYY-MM-DD); a composite key is each part's text prefixed with its byte length and a colon
// (`3:abc2:42`), so no choice of values can make two keys' texts collide by shifting a boundary.

import { createHash } from 'node:crypto';
import { UsageError } from '../errors.js';
import { quoteIdent } from '../project/index.js';

export interface Shard {
  /** Which shard this worker is, from 0. */
  readonly index: number;
  /** How many shards there are. */
  readonly count: number;
}

/** The most shards a run may be split into (a sanity bound on a typo, far above real use). */
export const MAX_SHARDS = 4096;

/** shardText is how a shard is named to people and in file names: `I/N`. */
export function shardText(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/**
 * parseShard reads `I/N` (from --shard or EBB_SHARD, named by `source` in the error); it must
 * hold 0 ≤ I < N. A bad value is a UsageError (exit 2).
 */
export function parseShard(text: string, source: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || count > MAX_SHARDS || index >= count) {
    const why =
      m && count >= 1 && index >= count ? ` (the index counts from 0, so it is below ${count})` : '';
    throw new UsageError(
      `${source} takes I/N with 0 ≤ I < N ≤ ${MAX_SHARDS}, e.g. --shard 0/4 or --shard $JOB_COMPLETION_INDEX/4, not "${text}"${why}`,
    );
  }
  return { index, count };
}

/** keyTextSql is the canonical text of the key columns `keys` (of the relation `alias`), as SQL. */
export function keyTextSql(keys: readonly string[], alias?: string): string {
  return partsTextSql(keys.map((k) => `${alias ? `${alias}.` : ''}${quoteIdent(k)}`));
}

/** partsTextSql is the canonical text of a key given as SQL expressions of its parts' values. */
export function partsTextSql(parts: readonly string[]): string {
  const text = (e: string) => `CAST(${e} AS VARCHAR)`;
  if (parts.length === 1) return text(parts[0]!);
  return parts.map((e) => `strlen(${text(e)})::VARCHAR || ':' || ${text(e)}`).join(' || ');
}

/** shardOfTextSql is the shard (0 … count-1) of a canonical key text given as an SQL expression. */
export function shardOfTextSql(text: string, count: number): string {
  return `(('0x' || md5(${text})[1:8])::UINTEGER % ${Math.floor(count)})`;
}

/** shardOfSql is the shard (0 … count-1) of the key columns `keys`, as an SQL expression. */
export function shardOfSql(keys: readonly string[], count: number, alias?: string): string {
  return shardOfTextSql(keyTextSql(keys, alias), count);
}

/** shardPredicateSql holds for the rows whose key belongs to `shard`. */
export function shardPredicateSql(keys: readonly string[], shard: Shard, alias?: string): string {
  return `${shardOfSql(keys, shard.count, alias)} = ${Math.floor(shard.index)}`;
}

/**
 * shardBody keeps the rows of a query body whose key belongs to `shard`: the query is read as
 * it was written, and DuckDB drops the other shards' rows as they stream by. A row with a NULL
 * key part has no shard (its text is NULL): it is kept, so every shard fails on it as an
 * unsharded run does, rather than dropping it unseen.
 */
export function shardBody(body: string, keys: readonly string[], shard: Shard): string {
  return `SELECT * FROM (${body}\n) AS _ebb_s WHERE (${shardPredicateSql(keys, shard, '_ebb_s')}) IS NOT FALSE`;
}

/** A key part as TypeScript sees it: its canonical text (see the file's opening), or a string or integer. */
export type KeyPart = string | number | bigint;

/** keyText is keyTextSql in TypeScript, for string and integer key parts (and texts made as DuckDB makes them). */
export function keyText(parts: readonly KeyPart[]): string {
  const texts = parts.map((p) => {
    if (typeof p === 'number' && !Number.isSafeInteger(p))
      throw new Error(`a key part ${p} has no canonical text here: give it as DuckDB's text`);
    return String(p);
  });
  if (texts.length === 1) return texts[0]!;
  return texts.map((t) => `${Buffer.byteLength(t, 'utf8')}:${t}`).join('');
}

/** shardOf is shardOfSql in TypeScript: the shard of a key given by its parts. */
export function shardOf(parts: readonly KeyPart[], count: number): number {
  const digest = createHash('md5').update(keyText(parts), 'utf8').digest();
  return digest.readUInt32BE(0) % Math.floor(count);
}
