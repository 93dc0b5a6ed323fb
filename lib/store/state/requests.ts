// `_ebb.requests`: the request log, what the dashboard's request inspector shows. One row per
// attempt of a model's HTTP request (a retried request leaves one row per failed attempt and
// one for its last), with its URL and bodies already redacted and cut by the runtime
// (lib/runtime/request-log.ts). It is bounded: pruneRequests keeps the newest successes of each
// model and every failure, for a number of days (ebb.yaml `requests.keep_days`).

import { DuckDBTimestampTZValue } from '../duckdb-api.js';
import { appendText } from '../append-text.js';
import type { JsonRow, Store } from '../store.js';

/** One attempt as logged. */
export interface RequestEntry {
  readonly runId: string;
  readonly model: string;
  /** When the attempt started (ms since the epoch). */
  readonly at: number;
  readonly method: string;
  readonly url: string;
  readonly status: number | null;
  /** The transport's error (network, timeout) when no response came. */
  readonly error: string | null;
  readonly attempt: number;
  /** No 2xx: a status error or no response. */
  readonly failed: boolean;
  readonly latencyMs: number;
  readonly requestBody: string | null;
  readonly responseBody: string | null;
}

/**
 * Entries are staged with an appender in a temporary table of this name, then copied by one
 * statement: binding twelve parameters an entry (multi-row INSERTs of 100) cost ~0.1 ms an
 * entry — ~1 s of a 50,000-row sync with 10 % of its rows failing twice — the appender a few
 * µs. Not appended to _ebb.requests itself: an appender's close commits synchronously, and the
 * main thread would wait for the log's write (~9 ms a batch, measured) instead of DuckDB's
 * threads doing it while the requests go on.
 */
const STAGE = '_ebb_requests_stage';

/** recordRequests appends entries to the log. */
export async function recordRequests(store: Store, entries: readonly RequestEntry[]): Promise<void> {
  if (entries.length === 0) return;
  // Made anew on every call: a staging that failed half-way must not leave rows for the next one.
  await store.exec(`CREATE OR REPLACE TEMP TABLE ${STAGE} AS SELECT * FROM _ebb.requests LIMIT 0`);
  const a = await store.appender(STAGE, 'main', 'temp');
  try {
    // In the table's column order (migrations.ts).
    for (const e of entries) {
      a.appendVarchar(e.runId);
      a.appendVarchar(e.model);
      a.appendTimestampTZ(new DuckDBTimestampTZValue(BigInt(Math.round(e.at)) * 1000n));
      a.appendVarchar(e.method);
      a.appendVarchar(e.url);
      if (e.status === null) a.appendNull();
      else a.appendInteger(e.status);
      appendText(a, e.error);
      a.appendInteger(e.attempt);
      a.appendBoolean(e.failed);
      a.appendDouble(e.latencyMs);
      appendText(a, e.requestBody);
      appendText(a, e.responseBody);
      a.endRow();
    }
  } finally {
    a.closeSync();
  }
  await store.exec(`INSERT INTO _ebb.requests SELECT * FROM temp.main.${STAGE}`);
  await store.exec(`DROP TABLE temp.main.${STAGE}`);
}

/**
 * pruneRequests bounds a model's log: entries older than `keepDays` go, and of the successes
 * only the newest `keepOk` stay (failures stay for their days). Returns how many went.
 */
export async function pruneRequests(
  store: Store,
  model: string,
  keepOk: number,
  keepDays: number,
): Promise<number> {
  const old = await store.query(
    `DELETE FROM _ebb.requests WHERE model = ? AND sent_at < now() - to_days(?::INTEGER) RETURNING 1`,
    [model, Math.max(0, Math.floor(keepDays))],
  );
  const extra = await store.query(
    `DELETE FROM _ebb.requests WHERE model = ? AND NOT failed AND sent_at < (
       SELECT min(sent_at) FROM (SELECT sent_at FROM _ebb.requests WHERE model = ? AND NOT failed ORDER BY sent_at DESC LIMIT ${Math.max(1, Math.floor(keepOk))})
     ) RETURNING 1`,
    [model, model],
  );
  return old.length + extra.length;
}

/** What the request inspector asks for. */
export interface RequestQuery {
  /** A model (named in any case), or every model. */
  readonly model?: string | undefined;
  readonly failedOnly?: boolean;
  readonly limit: number;
}

/**
 * listRequests reads logged attempts, newest first; none from a state an older ebb wrote and
 * nothing migrated since (the dashboard opens the state read-only, without migrating it).
 */
export async function listRequests(store: Store, q: RequestQuery): Promise<JsonRow[]> {
  const table = await store.query(
    `SELECT 1 FROM duckdb_tables() WHERE schema_name = '_ebb' AND table_name = 'requests'`,
  );
  if (table.length === 0) return [];
  const where: string[] = [];
  const params: string[] = [];
  if (q.model !== undefined) {
    where.push('lower(model) = lower(?)');
    params.push(q.model);
  }
  if (q.failedOnly === true) where.push('failed');
  return store.queryJson(
    `SELECT run_id, model, strftime(sent_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') AS sent_at, method, url, status, error,
            attempt, failed, latency_ms, request_body, response_body
       FROM _ebb.requests ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY sent_at DESC
      LIMIT ${Math.max(1, Math.floor(q.limit))}`,
    params,
  );
}
