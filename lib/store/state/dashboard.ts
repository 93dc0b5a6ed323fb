// The dashboard's reads of ebb's tables (_ebb.runs, _ebb.failures), beside the other owners of
// those tables in lib/store/state. Each reads a bounded result: the dashboard never loads a
// whole table into JS, however many runs or failures the state holds.

import type { JsonRow, Params } from '../store.js';

/** The one thing the queries need of an open state. */
export interface Readable {
  queryJson(sql: string, params?: Params): Promise<JsonRow[]>;
}

const ISO = (col: string) => `strftime(${col} AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ')`;

export interface LastRun {
  readonly model: string;
  readonly run_id: string;
  readonly status: string;
  readonly rows: number | null;
  readonly started_at: string;
  readonly error: string | null;
}

/** lastRuns: each model's newest run, keyed by lower-cased model name. */
export async function lastRuns(state: Readable): Promise<Map<string, LastRun>> {
  const rows = await state.queryJson(
    `SELECT lower(model) AS model, run_id, status, rows::DOUBLE AS rows, error, ${ISO('started_at')} AS started_at
       FROM _ebb.runs
    QUALIFY row_number() OVER (PARTITION BY lower(model) ORDER BY started_at DESC, finished_at DESC) = 1`,
  );
  return new Map(rows.map((r) => [String(r['model']), r as unknown as LastRun]));
}

/** rejectedRows: how many of a model's rows the API rejected (held back until they change or are retried). */
export async function rejectedRows(state: Readable, model: string): Promise<number> {
  const rows = await state.queryJson(
    "SELECT count(*)::DOUBLE AS n FROM _ebb.failures WHERE lower(model) = lower(?) AND kind = 'rejected'",
    [model],
  );
  return Number(rows[0]?.['n'] ?? 0);
}

/** pendingFailures: how many failed rows wait per model (lower-cased name). */
export async function pendingFailures(state: Readable): Promise<Map<string, number>> {
  const rows = await state.queryJson(
    'SELECT lower(model) AS model, count(*)::DOUBLE AS n FROM _ebb.failures GROUP BY ALL',
  );
  return new Map(rows.map((r) => [String(r['model']), Number(r['n'])]));
}

export interface RunRow {
  readonly run_id: string;
  readonly model: string;
  readonly status: string;
  readonly rows: number | null;
  readonly duration_ms: number;
  readonly started_at: string;
  readonly error: string | null;
  readonly code: string | null;
  /** Per-kind figures (tracked: new, changed, deleted, saved, failed, unsaved), as JSON text. */
  readonly details: string | null;
}

/** runs: the newest model runs (of one model, or all), newest first, at most `limit`. */
export async function runs(state: Readable, limit: number, model?: string): Promise<RunRow[]> {
  const where = model === undefined ? '' : 'WHERE lower(model) = lower(?)';
  return (await state.queryJson(
    `SELECT run_id, model, status, rows::DOUBLE AS rows, duration_ms::DOUBLE AS duration_ms,
            ${ISO('started_at')} AS started_at, error, error_code AS code, details::VARCHAR AS details
       FROM _ebb.runs ${where}
      ORDER BY started_at DESC, finished_at DESC
      LIMIT ${Math.max(1, Math.floor(limit))}`,
    model === undefined ? [] : [model],
  )) as unknown as RunRow[];
}

export interface FailureGroup {
  readonly error: string;
  readonly status: number | null;
  readonly rows: number;
  readonly last_failed_at: string;
}

/** failureGroups: a model's pending failures grouped by message, largest group first. */
export async function failureGroups(state: Readable, model: string, limit: number): Promise<FailureGroup[]> {
  return (await state.queryJson(
    `SELECT error, status, count(*)::DOUBLE AS rows, ${ISO('max(last_failed_at)')} AS last_failed_at
       FROM _ebb.failures WHERE lower(model) = lower(?)
      GROUP BY error, status ORDER BY rows DESC, error LIMIT ${Math.max(1, Math.floor(limit))}`,
    [model],
  )) as unknown as FailureGroup[];
}

export interface FailureRow {
  readonly key: string;
  readonly change: string;
  readonly method: string;
  readonly url: string;
  readonly status: number | null;
  readonly error: string;
  readonly attempts: number;
  readonly last_failed_at: string;
}

/** failureRows: a model's failed rows, optionally those whose key contains `search`, in key order. */
export async function failureRows(
  state: Readable,
  model: string,
  search: string,
  limit: number,
): Promise<FailureRow[]> {
  return (await state.queryJson(
    `SELECT key, change, method, url, status, error, attempts, ${ISO('last_failed_at')} AS last_failed_at
       FROM _ebb.failures
      WHERE lower(model) = lower(?) AND (? = '' OR contains(lower(key), lower(?)))
      ORDER BY key LIMIT ${Math.max(1, Math.floor(limit))}`,
    [model, search, search],
  )) as unknown as FailureRow[];
}
