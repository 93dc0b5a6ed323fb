// The status a running `ebb run` publishes beside its state, for other processes: DuckDB lets
// no other process open the state file while a run writes it (not even read-only), so `ebb
// status`, the dashboard and monitors read this file instead — `<state>.run.json`, rewritten
// atomically (a temp file renamed over it) about once a second and as each model ends: the
// models done with their counts, the current model's progress, and whether the run finished;
// with each write while a model sends, a point of its series over time (429s, waits, latency
// in the second before), which the live page charts.
// A file whose process is gone is reported as such (a run killed with -9 leaves it behind).

import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { AttemptTotals, ProgressSource } from '../runtime/progress.js';
import type { ModelResult } from './result.js';

/** How often the current model's progress is written while it runs. */
const PUBLISH_EVERY_MS = 1_000; // ms: fresh enough for a page that polls, cheap for the run
/** Points of the series kept in the file: the last ten minutes at one a second. */
export const SERIES_POINTS = 600;

export interface PublishedModel {
  readonly model: string;
  readonly status: string;
  readonly rows: number | null;
  readonly duration_ms: number;
  readonly error?: string;
  readonly [detail: string]: unknown;
}

export interface PublishedProgress {
  readonly model: string;
  readonly done: number;
  readonly total: number | null;
  readonly in_flight: number;
  readonly requests: number;
  readonly failed: number;
  readonly rows_per_s: number;
  readonly elapsed_ms: number;
  /** Its HTTP attempts so far (retries included), those answered 429, and the time they waited. */
  readonly attempts: number;
  readonly too_many: number;
  readonly waited_ms: number;
  /** Mean latency of its attempts so far; null before the first. */
  readonly latency_ms: number | null;
}

/** One point of the series: what the current model's attempts met since the point before. */
export interface SeriesPoint {
  /** When (ms since the epoch). */
  readonly at: number;
  readonly model: string;
  readonly attempts: number;
  readonly too_many: number;
  readonly waited_ms: number;
  /** Mean latency of those attempts; null when none ended. */
  readonly latency_ms: number | null;
}

export interface RunStatus {
  readonly pid: number;
  readonly run_id: string | null;
  readonly command: string;
  readonly started_at: string;
  readonly updated_at: string;
  readonly finished: boolean;
  readonly models: readonly PublishedModel[];
  readonly current: PublishedProgress | null;
  /** The last SERIES_POINTS points, oldest first. */
  readonly series: readonly SeriesPoint[];
}

/** runStatusPath is where the run using `statePath` publishes its status. */
export function runStatusPath(statePath: string): string {
  return `${statePath}.run.json`;
}

/** readRunStatus reads the published status; `alive` says whether its process still runs. */
export function readRunStatus(statePath: string): (RunStatus & { readonly alive: boolean }) | undefined {
  if (statePath === ':memory:') return undefined;
  let status: RunStatus;
  try {
    status = JSON.parse(readFileSync(runStatusPath(statePath), 'utf8')) as RunStatus;
  } catch {
    return undefined;
  }
  return { ...status, alive: !status.finished && processAlive(status.pid) };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class RunStatusWriter {
  readonly #path: string | undefined;
  readonly #command: string;
  readonly #startedAt = new Date().toISOString();
  readonly #models: PublishedModel[] = [];
  #runId: string | null = null;
  #source: ProgressSource | undefined;
  readonly #series: SeriesPoint[] = [];
  /** The totals the last point was taken from (of the model named). */
  #last: { model: string; totals: AttemptTotals } | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(statePath: string, command: string) {
    this.#path = statePath === ':memory:' ? undefined : runStatusPath(statePath);
    this.#command = command;
    this.#write(false);
  }

  /** watch follows the progress of the model now running. */
  watch(source: ProgressSource): void {
    this.#source = source;
    this.#write(false);
    if (this.#timer === undefined && this.#path !== undefined) {
      this.#timer = setInterval(() => this.#write(false), PUBLISH_EVERY_MS);
      this.#timer.unref();
    }
  }

  /** result records a model that ended. */
  result(r: ModelResult): void {
    this.#runId = r.run_id;
    this.#source = undefined;
    const { file: _file, kind: _kind, run_id: _run, details, ...rest } = r;
    this.#models.push({ ...rest, ...details });
    this.#write(false);
  }

  /** finish writes the final status; the file stays, marked finished, for the next reader. */
  finish(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#source = undefined;
    this.#write(true);
  }

  #write(finished: boolean): void {
    if (this.#path === undefined) return;
    const status: RunStatus = {
      pid: process.pid,
      run_id: this.#runId,
      command: this.#command,
      started_at: this.#startedAt,
      updated_at: new Date().toISOString(),
      finished,
      models: this.#models,
      current: this.#current(),
      series: this.#series,
    };
    const tmp = `${this.#path}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify(status));
      renameSync(tmp, this.#path);
    } catch {
      // Publishing is a courtesy to other processes: a full disk must not stop the run.
      rmSync(tmp, { force: true });
    }
  }

  #current(): PublishedProgress | null {
    const s = this.#source?.();
    if (s === undefined) return null;
    const http = s.http ?? { attempts: 0, tooMany: 0, waitedMs: 0, latencyMs: 0 };
    this.#point(s.model, http);
    return {
      model: s.model,
      done: s.done,
      total: s.total,
      in_flight: s.inFlight,
      requests: s.requests,
      failed: s.failed,
      rows_per_s: s.elapsedMs > 0 ? Math.round((s.done / s.elapsedMs) * 1000) : 0,
      elapsed_ms: Math.round(s.elapsedMs),
      attempts: http.attempts,
      too_many: http.tooMany,
      waited_ms: Math.round(http.waitedMs),
      latency_ms: http.attempts > 0 ? Math.round(http.latencyMs / http.attempts) : null,
    };
  }

  /** #point adds what the model's attempts met since the last point (of the same model). */
  #point(model: string, now: AttemptTotals): void {
    const zero = { attempts: 0, tooMany: 0, waitedMs: 0, latencyMs: 0 };
    const before = this.#last?.model === model ? this.#last.totals : zero;
    this.#last = { model, totals: now };
    const attempts = now.attempts - before.attempts;
    this.#series.push({
      at: Date.now(),
      model,
      attempts,
      too_many: now.tooMany - before.tooMany,
      waited_ms: Math.round(now.waitedMs - before.waitedMs),
      latency_ms: attempts > 0 ? Math.round((now.latencyMs - before.latencyMs) / attempts) : null,
    });
    if (this.#series.length > SERIES_POINTS) this.#series.splice(0, this.#series.length - SERIES_POINTS);
  }
}
