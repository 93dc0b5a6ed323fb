// The status a running `ebb run` publishes beside the state (<state>.run.json, written by
// lib/run/status-file.ts about once a second while a model sends), read without DuckDB's lock,
// each value checked for its type since it is rendered. A file whose process is gone describes a
// run that ended without saying so (killed with -9): it is shown as such.

import { readFileSync } from 'node:fs';
import { runStatusPath, type PublishedProgress, type SeriesPoint } from '../run/index.js';

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
  /** The current run's 429s, waits and latency over time (status-file.ts SeriesPoint), oldest first. */
  readonly series: readonly SeriesPoint[];
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
    series: Array.isArray(v['series']) ? (v['series'] as unknown[]).flatMap(point) : [],
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
    attempts: n('attempts'),
    too_many: n('too_many'),
    waited_ms: n('waited_ms'),
    latency_ms: typeof c['latency_ms'] === 'number' ? c['latency_ms'] : null,
  };
}

/** point is one point of the series, its values checked (they are charted); none when malformed. */
function point(value: unknown): SeriesPoint[] {
  if (typeof value !== 'object' || value === null) return [];
  const p = value as Record<string, unknown>;
  const n = (k: string) => (typeof p[k] === 'number' && Number.isFinite(p[k]) ? (p[k] as number) : 0);
  if (typeof p['at'] !== 'number') return [];
  return [
    {
      at: n('at'),
      model: String(p['model'] ?? ''),
      attempts: n('attempts'),
      too_many: n('too_many'),
      waited_ms: n('waited_ms'),
      latency_ms: typeof p['latency_ms'] === 'number' ? p['latency_ms'] : null,
    },
  ];
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
