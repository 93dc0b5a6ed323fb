// The status a running `ebb run` publishes beside the state (<state>.run.json, written by
// lib/run/status-file.ts about once a second while a model sends), read without DuckDB's lock,
// each value checked for its type since it is rendered. A file whose process is gone describes a
// run that ended without saying so (killed with -9): it is shown as such.

import { readFileSync } from 'node:fs';
import { runStatusPath, type PublishedProgress } from '../run/index.js';

export interface LiveModel {
  readonly model: string;
  readonly status: string;
  readonly rows: number | null;
  readonly duration_ms: number | null;
  readonly error?: string;
}

/** The current model's progress, as lib/run/status-file.ts publishes it. */
export type LiveCurrent = PublishedProgress;

export interface LiveStatus {
  readonly pid: number;
  readonly run_id: string;
  readonly command: string;
  readonly started_at: string;
  readonly updated_at: string;
  readonly finished: boolean;
  readonly models: readonly LiveModel[];
  readonly current: LiveCurrent | null;
  /** Not in the file: whether the run is going on now (not finished, its process alive). */
  readonly running: boolean;
}

/** readLiveStatus reads the status file; undefined when there is none or it cannot be read. */
export function readLiveStatus(statePath: string): LiveStatus | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(runStatusPath(statePath), 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const v = raw as Record<string, unknown>;
  const pid = Number(v['pid']);
  const finished = v['finished'] === true;
  const running = !finished && alive(pid);
  return {
    pid,
    run_id: String(v['run_id'] ?? ''),
    command: String(v['command'] ?? ''),
    started_at: String(v['started_at'] ?? ''),
    updated_at: String(v['updated_at'] ?? ''),
    finished,
    models: Array.isArray(v['models']) ? (v['models'] as LiveModel[]).map(liveModel) : [],
    current: current(v['current']),
    running,
  };
}

function liveModel(m: LiveModel): LiveModel {
  return {
    model: String(m.model),
    status: String(m.status),
    rows: typeof m.rows === 'number' ? m.rows : null,
    duration_ms: typeof m.duration_ms === 'number' ? m.duration_ms : null,
    ...(m.error === undefined ? {} : { error: String(m.error) }),
  };
}

function current(value: unknown): LiveCurrent | null {
  if (typeof value !== 'object' || value === null) return null;
  const c = value as Record<string, unknown>;
  const n = (k: string) => (typeof c[k] === 'number' ? (c[k] as number) : 0);
  return {
    model: String(c['model'] ?? ''),
    done: n('done'),
    total: typeof c['total'] === 'number' ? c['total'] : null,
    in_flight: n('in_flight'),
    requests: n('requests'),
    failed: n('failed'),
    rows_per_s: n('rows_per_s'),
    elapsed_ms: n('elapsed_ms'),
  };
}

/** alive tells whether a process exists (EPERM: it does, under another user). */
function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
