// `_ebb.runs`: one row per model run (its status, rows, duration, error and code, and a tracked
// model's figures as JSON details). The executor records each run; history, status and ls
// read them back through the functions here.

import type { EbbCode } from '../../error-codes.js';
import type { JsonRow, Store } from '../store.js';

/** A model run as recorded. */
export interface RunRecord {
  readonly run_id: string;
  readonly model: string;
  readonly kind: string;
  readonly status: string;
  readonly rows: number | null;
  readonly duration_ms: number;
  readonly error?: string | undefined;
  readonly code?: EbbCode | undefined;
  /** A tracked model's figures, stored as JSON. */
  readonly details?: object | undefined;
}

/** recordRun stores one model run that started at `startedAt` and finishes now. */
export async function recordRun(store: Store, r: RunRecord, startedAt: Date): Promise<void> {
  await store.exec(
    `INSERT INTO _ebb.runs (run_id, model, kind, status, rows, duration_ms, error, started_at, finished_at, details, error_code)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?::TIMESTAMPTZ, now(), ?::JSON, ?)`,
    [
      r.run_id,
      r.model,
      r.kind,
      r.status,
      r.rows === null ? null : BigInt(r.rows),
      BigInt(r.duration_ms),
      r.error ?? null,
      startedAt.toISOString(),
      r.details ? JSON.stringify(r.details) : null,
      r.code ?? null,
    ],
  );
}

/**
 * readHistory reads past model runs, newest first (of one model, named in any case, or of
 * all). `limit` is a positive whole number (the CLI refuses anything else as a usage error).
 * `details` is the JSON text of a tracked model's figures, or null.
 */
export async function readHistory(
  store: Store,
  model: string | undefined,
  limit: number,
): Promise<JsonRow[]> {
  const where = model === undefined ? '' : 'WHERE lower(model) = lower(?)';
  const params = model === undefined ? [] : [model];
  return store.queryJson(
    `SELECT run_id, model, kind, status, rows::DOUBLE AS rows, duration_ms::DOUBLE AS duration_ms, error, error_code AS code,
            strftime(started_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') AS started_at,
            strftime(finished_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') AS finished_at,
            details
       FROM _ebb.runs ${where}
      ORDER BY started_at DESC, finished_at DESC
      LIMIT ${Math.max(1, Math.floor(limit))}`,
    params,
  );
}

/**
 * lastRuns gives each model's latest run, keyed by its lower-cased name (model names are
 * case-insensitive): model (as recorded), run_id, status, rows, duration_ms, error, details (JSON text or null) and
 * started_at (ISO-8601 in UTC, to the second).
 */
export async function lastRuns(store: Store): Promise<Map<string, JsonRow>> {
  const rows = await store.queryJson(
    `SELECT model, run_id, status, rows::DOUBLE AS rows, duration_ms::DOUBLE AS duration_ms, error, details,
            strftime(started_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS started_at
       FROM _ebb.runs
    QUALIFY row_number() OVER (PARTITION BY lower(model) ORDER BY started_at DESC, finished_at DESC) = 1`,
  );
  return new Map(rows.map((r) => [String(r['model']).toLowerCase(), r]));
}

/** lastSuccesses gives when each model (as recorded) last finished a run with status ok. */
export async function lastSuccesses(store: Store): Promise<Map<string, Date>> {
  const rows = await store.queryJson(
    `SELECT model, epoch_ms(max(finished_at))::DOUBLE AS at FROM _ebb.runs WHERE status = 'ok' GROUP BY model`,
  );
  return new Map(rows.map((r) => [String(r['model']), new Date(Number(r['at']))]));
}
