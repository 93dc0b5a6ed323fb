// What `ebb reshard` copies of ebb's own tables between state files attached to one DuckDB
// session (sources and targets by catalog alias): which tracked models the sources hold, their
// failures (rejected ones with their row_hash), the idempotency secrets, the run history, pending
// refresh intents, and each target's shard row. The model tables themselves are plain SQL
// tables, copied by lib/run/reshard.ts; the split of rows between targets (which key goes where)
// is the caller's SQL condition, since the shard hash lives in lib/detect.

import { quoteIdent, sqlString } from '../quote.js';
import type { Store } from '../store.js';

/** A tracked model's row in `_ebb.tracked` of a source. */
export interface TrackedMeta {
  readonly model: string;
  readonly hashVersion: number;
  /** The JSON list of lower-cased key names its rows are keyed by, if recorded. */
  readonly uniqueKey: string | undefined;
}

/** attachState attaches a state file under `alias` (read-write: the file stays locked while attached). */
export async function attachState(store: Store, alias: string, path: string): Promise<void> {
  await store.exec(`ATTACH ${sqlString(path)} AS ${quoteIdent(alias)}`);
}

/** trackedMetaOf reads a source's `_ebb.tracked`. */
export async function trackedMetaOf(store: Store, src: string): Promise<TrackedMeta[]> {
  const rows = await store.query(
    `SELECT model, hash_version, unique_key FROM ${quoteIdent(src)}._ebb.tracked`,
  );
  return rows.map((r) => ({
    model: String(r['model']),
    hashVersion: Number(r['hash_version']),
    uniqueKey:
      r['unique_key'] === null || r['unique_key'] === undefined ? undefined : String(r['unique_key']),
  }));
}

/** failureModelsOf lists the models a source has failure entries of. */
export async function failureModelsOf(store: Store, src: string): Promise<string[]> {
  const rows = await store.query(
    `SELECT DISTINCT model FROM ${quoteIdent(src)}._ebb.failures ORDER BY model`,
  );
  return rows.map((r) => String(r['model']));
}

/** failureCount counts a state's failure entries (all kinds). */
export async function failureCount(store: Store, catalog: string): Promise<number> {
  return Number(await store.scalar(`SELECT count(*)::DOUBLE FROM ${quoteIdent(catalog)}._ebb.failures`));
}

/**
 * copyFailures copies a source's failure entries of `model` for which `where` holds (an SQL
 * condition over the entry's columns, `key` being its JSON key) into `dst`, as they are.
 */
export async function copyFailures(
  store: Store,
  src: string,
  dst: string,
  model: string,
  where: string,
): Promise<void> {
  await store.exec(
    `INSERT INTO ${quoteIdent(dst)}._ebb.failures BY NAME SELECT * FROM ${quoteIdent(src)}._ebb.failures WHERE model = ${sqlString(model)} AND (${where})`,
  );
}

/** secretsOf reads each source's idempotency secret (hex; undefined where no model has sent yet). */
export async function secretsOf(store: Store, srcs: readonly string[]): Promise<Array<string | undefined>> {
  const out: Array<string | undefined> = [];
  for (const s of srcs) {
    const v = await store.scalar(
      `SELECT value FROM ${quoteIdent(s)}._ebb.project WHERE name = 'idempotency_secret'`,
    );
    out.push(v === null || v === undefined ? undefined : String(v));
  }
  return out;
}

/**
 * copyStateMeta fills a new target from the sources: the tracked models' rows (one per model),
 * the idempotency secret of the source `secretFrom`, pending refresh intents, the run history of
 * every source once (each new file has the whole history: readers across shards count a run once) and the target's shard (none: the unsharded state of `ebb reshard --to 1`).
 */
export async function copyStateMeta(
  store: Store,
  srcs: readonly string[],
  dst: string,
  options: { readonly secretFrom: string; readonly shard: { index: number; count: number } | undefined },
): Promise<void> {
  const d = quoteIdent(dst);
  const union = (table: string) =>
    srcs.map((s) => `SELECT * FROM ${quoteIdent(s)}._ebb.${table}`).join(' UNION ALL ');
  await store.exec(`DELETE FROM ${d}._ebb.tracked`);
  await store.exec(
    `INSERT INTO ${d}._ebb.tracked BY NAME SELECT model, max(hash_version) AS hash_version, max(updated_at) AS updated_at, max(unique_key) AS unique_key FROM (${union('tracked')}) GROUP BY model`,
  );
  await store.exec(`DELETE FROM ${d}._ebb.project`);
  await store.exec(
    `INSERT INTO ${d}._ebb.project SELECT * FROM ${quoteIdent(options.secretFrom)}._ebb.project`,
  );
  await store.exec(
    `INSERT OR REPLACE INTO ${d}._ebb.refresh SELECT model, min(requested_at) FROM (${union('refresh')}) GROUP BY model`,
  );
  // Sources made by an earlier reshard each hold the same older runs: they are copied once.
  await store.exec(`INSERT INTO ${d}._ebb.runs BY NAME SELECT DISTINCT * FROM (${union('runs')})`);
  await store.exec(`DELETE FROM ${d}._ebb.shard`);
  if (options.shard !== undefined)
    await store.exec(
      `INSERT INTO ${d}._ebb.shard VALUES (${options.shard.index}, ${options.shard.count}, now())`,
    );
}
