// `_ebb.failures`: the rows of tracked models whose requests failed after retries, one entry
// per (model, key). The delivery records them (lib/runtime/failures.ts decides which rows and
// which entries a run resolved); `ebb status` reads them. Keys are JSON texts of the key
// columns, as the script saw them.

import { appendText } from '../append-text.js';
import { sqlString } from '../quote.js';
import type { JsonRow, Store } from '../store.js';

/** A failed row as stored; first_failed_at and last_failed_at are set by the store. */
export interface FailureEntry {
  readonly model: string;
  readonly key: string;
  readonly change: string;
  readonly method: string;
  readonly url: string;
  readonly status: number | null;
  readonly error: string;
  readonly attempts: number;
  readonly runId: string;
  /** 'failed' (sent again next run) or 'rejected' (the API refused the record: held back while unchanged). */
  readonly kind: 'failed' | 'rejected';
  /** A rejected row's content hash (_ebb_hash, as text): it is held back while the query's row keeps it. */
  readonly rowHash: string | null;
}

/**
 * Entries are staged with an appender in a temporary table of this name, then upserted by one
 * statement: binding eleven parameters an entry cost ~0.5 ms an entry (a batch API refusing
 * one row a request records thousands), the appender ~0.03 ms.
 */
const STAGE = '_ebb_failures_stage';

/** recordFailures stores failed rows; an entry of a key that failed before is updated in place. */
export async function recordFailures(store: Store, entries: readonly FailureEntry[]): Promise<void> {
  if (entries.length === 0) return;
  // Made anew on every call: a staging that failed half-way must not leave rows for the next one.
  await store.exec(
    `CREATE OR REPLACE TEMP TABLE ${STAGE} (model VARCHAR, key VARCHAR, change VARCHAR, method VARCHAR, url VARCHAR,
       status INTEGER, error VARCHAR, attempts INTEGER, run_id VARCHAR, kind VARCHAR, row_hash UBIGINT)`,
  );
  const a = await store.appender(STAGE, 'main', 'temp');
  try {
    for (const e of entries) {
      a.appendVarchar(e.model);
      a.appendVarchar(e.key);
      a.appendVarchar(e.change);
      a.appendVarchar(e.method);
      a.appendVarchar(e.url);
      if (e.status === null) a.appendNull();
      else a.appendInteger(e.status);
      a.appendVarchar(e.error);
      a.appendInteger(e.attempts);
      a.appendVarchar(e.runId);
      a.appendVarchar(e.kind);
      if (e.rowHash === null) a.appendNull();
      else a.appendUBigInt(BigInt(e.rowHash));
      a.endRow();
    }
  } finally {
    a.closeSync();
  }
  // A key listed twice keeps its last entry (an upsert may not touch one row twice).
  await store.exec(
    `INSERT INTO _ebb.failures (model, key, change, method, url, status, error, attempts, first_failed_at, last_failed_at, run_id, kind, row_hash)
     SELECT model, key, change, method, url, status, error, attempts, now(), now(), run_id, kind, row_hash
       FROM temp.main.${STAGE} QUALIFY row_number() OVER (PARTITION BY model, key ORDER BY rowid DESC) = 1
     ON CONFLICT (model, key) DO UPDATE SET change = excluded.change, method = excluded.method, url = excluded.url,
       status = excluded.status, error = excluded.error, attempts = excluded.attempts,
       last_failed_at = excluded.last_failed_at, run_id = excluded.run_id, kind = excluded.kind,
       row_hash = excluded.row_hash`,
  );
  await store.exec(`DROP TABLE temp.main.${STAGE}`);
}

/** failureKeysAfter reads up to `limit` keys of a model's entries after `after`, in key order (but those of run `exceptRun`). */
export async function failureKeysAfter(
  store: Store,
  model: string,
  after: string,
  limit: number,
  exceptRun?: string,
): Promise<string[]> {
  const rows = await store.query(
    `SELECT key FROM _ebb.failures WHERE model = ? AND key > ?${exceptRun === undefined ? '' : ' AND run_id IS DISTINCT FROM ?'} ORDER BY key LIMIT ${Math.floor(limit)}`,
    exceptRun === undefined ? [model, after] : [model, after, exceptRun],
  );
  return rows.map((r) => String(r['key']));
}

/**
 * clearFailures deletes a model's entries whose keys `keysSql` selects (a query of one column
 * of key texts) and returns how many it deleted.
 */
export async function clearFailures(store: Store, model: string, keysSql: string): Promise<number> {
  return (
    await store.query(`DELETE FROM _ebb.failures WHERE model = ? AND key IN (${keysSql}) RETURNING key`, [
      model,
    ])
  ).length;
}

/**
 * Keys clearResolved looks at are staged here, each column's value as text, for one statement
 * that casts them to the key columns' types: the same keys written as a VALUES list of
 * `CAST('…' AS T)` literals cost DuckDB ~13 µs each to parse and bind (65 ms for 5,000 entries),
 * the appender under 2 µs.
 */
const KEY_STAGE = '_ebb_key_stage';

/**
 * stageKeyTexts puts keys in a temporary table (made anew): `rows` are each an entry's key (its
 * JSON text), then the key columns' values as text (null for NULL). Returns the table's name;
 * its columns are `_key`, then `_t0`, `_t1`… (VARCHAR). dropKeyTexts removes it.
 */
export async function stageKeyTexts(
  store: Store,
  columns: number,
  rows: readonly (readonly (string | null)[])[],
): Promise<string> {
  const texts = Array.from({ length: columns }, (_c, i) => `_t${i} VARCHAR`);
  await store.exec(`CREATE OR REPLACE TEMP TABLE ${KEY_STAGE} (_key VARCHAR, ${texts.join(', ')})`);
  const a = await store.appender(KEY_STAGE, 'main', 'temp');
  try {
    for (const row of rows) {
      for (const v of row) appendText(a, v);
      a.endRow();
    }
  } finally {
    a.closeSync();
  }
  return `temp.main.${KEY_STAGE}`;
}

/** dropKeyTexts removes the table stageKeyTexts made. */
export async function dropKeyTexts(store: Store): Promise<void> {
  await store.exec(`DROP TABLE IF EXISTS temp.main.${KEY_STAGE}`);
}

/** clearFailure deletes one entry. */
export async function clearFailure(store: Store, model: string, key: string): Promise<void> {
  await store.exec('DELETE FROM _ebb.failures WHERE model = ? AND key = ?', [model, key]);
}

/**
 * listFailures reads a model's entries, latest failure first: key (JSON text), change, method,
 * url, status, error, attempts, first_failed_at, last_failed_at (ISO-8601, UTC) and run_id.
 */
export async function listFailures(store: Store, model: string, limit: number): Promise<JsonRow[]> {
  return store.queryJson(
    `SELECT key, coalesce(kind, 'failed') AS kind, change, method, url, status, error, attempts,
            strftime(first_failed_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS first_failed_at,
            strftime(last_failed_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS last_failed_at, run_id
       FROM _ebb.failures WHERE model = ? ORDER BY last_failed_at DESC, key LIMIT ${Math.max(1, Math.floor(limit))}`,
    [model],
  );
}

/** A model's entries that share a kind, a status and an error, with the first few keys (JSON texts). */
export interface FailureGroup {
  /** failed: sent again next run; rejected: the API refused the rows, not sent again until they change or `ebb retry`. */
  readonly kind: 'failed' | 'rejected';
  readonly status: number | null;
  readonly error: string;
  readonly rows: number;
  readonly keys: readonly string[];
}

/** failureGroups groups a model's entries by kind, status and error: failed first, the largest group first. */
export async function failureGroups(
  store: Store,
  model: string,
  sampleKeys: number,
): Promise<FailureGroup[]> {
  const rows = await store.queryJson(
    `SELECT coalesce(kind, 'failed') AS kind, status, error, count(*)::DOUBLE AS n,
            list(key ORDER BY key)[1:${Math.floor(sampleKeys)}] AS keys
       FROM _ebb.failures WHERE model = ? GROUP BY ALL ORDER BY kind, n DESC, status`,
    [model],
  );
  return rows.map((r) => ({
    kind: r['kind'] === 'rejected' ? 'rejected' : 'failed',
    status: r['status'] === null ? null : Number(r['status']),
    error: String(r['error']),
    rows: Number(r['n']),
    keys: r['keys'] as string[],
  }));
}

/**
 * rejectedHashesSql is the hashes of the model's rows the API rejected (kind = 'rejected'): a
 * query row with one of them has not changed since, so it is not sent again (`ebb retry` clears
 * the entries). The hash covers the key columns, so a hash names one row of one key.
 */
export function rejectedHashesSql(model: string): string {
  return `(SELECT row_hash FROM _ebb.failures WHERE model = ${sqlString(model)} AND kind = 'rejected' AND row_hash IS NOT NULL)`;
}

/** clearRejected forgets a model's rejected rows (all, or those of `keys`), so the next run sends them; returns their keys. */
export async function clearRejected(store: Store, model: string, keys: readonly string[]): Promise<string[]> {
  const only = keys.length === 0 ? '' : ` AND key IN (${keys.map(() => '?').join(', ')})`;
  const rows = await store.query(
    `DELETE FROM _ebb.failures WHERE model = ? AND kind = 'rejected'${only} RETURNING key`,
    [model, ...keys],
  );
  return rows.map((r) => String(r['key'])).sort();
}
