// The early delta: the delta of a tracked model's literal query, computed on the database lane
// while the worker starts; the script's query() takes it when its SQL and parameters are the
// same. When the script only loops over the delta and the delta is empty, the script need not
// run at all: the common no-change run then costs the delta alone, without a worker and an
// interpreter to start.

import type { DeltaCounts } from '../detect/tracked.js';
import type { Model } from '../project/index.js';
import type { SerialLane } from './channel.js';
import type { QueryParam } from './protocol.js';
import { scanStarSql } from './star-sql.js';

export interface EarlyDelta {
  /** The query's SQL and parameters (deltaKey). */
  readonly key: string;
  /** The delta's counts; undefined when computing it failed (query() meets the error again). */
  readonly counts: Promise<DeltaCounts | undefined>;
}

/** deltaKey identifies a tracked query by its SQL and parameters. */
export function deltaKey(sql: string, params: readonly QueryParam[]): string {
  return JSON.stringify([sql, params], (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

/** How a delta is computed (the outlet's, which also chooses DuckDB's thread count for it). */
export type ComputeDelta = (sql: string, params: readonly QueryParam[]) => Promise<DeltaCounts>;

/**
 * startEarlyDelta starts computing the delta of the model's only literal tracked query, if it
 * has one with literal parameters. A failure is left for query() to meet again: the script
 * then computes the delta itself and gets the error at its own line.
 */
export function startEarlyDelta(
  compute: ComputeDelta,
  model: Model,
  lane: SerialLane,
): EarlyDelta | undefined {
  let calls;
  try {
    calls = scanStarSql(model).tracked;
  } catch {
    return undefined;
  }
  const call = calls[0];
  const params = call?.params;
  if (!call || params === undefined || calls.some((c) => c.sql !== call.sql)) return undefined;
  const counts = lane.run(() => compute(call.sql, params)).catch(() => undefined);
  return { key: deltaKey(call.sql, params), counts };
}

/** skipsScript says whether the script need not start: it only loops over an empty delta. */
export async function skipsScript(model: Model, early: EarlyDelta | undefined): Promise<boolean> {
  if (early === undefined || !deltaOnly(model)) return false;
  const c = await early.counts;
  return c !== undefined && c.new + c.changed + c.deleted === 0;
}

function deltaOnly(model: Model): boolean {
  try {
    return scanStarSql(model).deltaOnly;
  } catch {
    return false;
  }
}
