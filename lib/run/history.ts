// history reads past model runs from _ebb.runs, newest first. `limit` is a positive whole
// number (the CLI refuses anything else as a usage error).

import type { JsonRow, Store } from '../store/index.js';

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
