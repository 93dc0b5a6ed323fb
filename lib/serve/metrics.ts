// Metrics is what `ebb serve` exposes on /metrics, in Prometheus' text format (version 0.0.4):
// counters of runs and of rows per model, the time of each model's last success, and whether a
// run is in progress. It is fed the same per-model results `ebb run --json` writes, so what the
// metrics count is exactly what the runs recorded in _ebb.runs since the process started; the
// requests those runs sent are counted per origin by ./request-metrics.ts.

import { family, labels } from './prometheus.js';
import { RequestMetrics } from './request-metrics.js';

/** One model's result, as `ebb run --json` writes it. */
export interface ModelReport {
  readonly model: string;
  readonly status: string;
  readonly rows?: number | null;
  readonly [detail: string]: unknown;
}

/** The row counts of a model's result that are counted (tracked models' details). */
const ROW_KINDS = ['new', 'changed', 'deleted', 'saved', 'failed', 'rejected', 'unsaved'] as const;

export class Metrics {
  readonly #runs = new Map<string, number>();
  readonly #modelRuns = new Map<string, number>();
  readonly #rows = new Map<string, number>();
  readonly #lastSuccess = new Map<string, number>();
  #running = 0;
  readonly #started = Date.now();
  /** What the models sent, per destination origin (fed by the runs' Senders). */
  readonly requests = new RequestMetrics();

  runStarted(): void {
    this.#running++;
  }

  /** runEnded counts one run (its exit status) and each model's result in it. */
  runEnded(
    status: 'ok' | 'failed' | 'rows' | 'interrupted',
    models: readonly ModelReport[],
    at = Date.now(),
  ): void {
    this.#running = Math.max(0, this.#running - 1);
    bump(this.#runs, labels({ status }));
    for (const m of models) {
      bump(this.#modelRuns, labels({ model: m.model, status: m.status }));
      if (m.status === 'ok') this.#lastSuccess.set(m.model, at);
      for (const kind of ROW_KINDS) {
        const n = m[kind];
        if (typeof n === 'number' && n > 0) bump(this.#rows, labels({ model: m.model, kind }), n);
      }
    }
  }

  /** lastSuccess is when `model` last ran ok in this process (ms), if it did. */
  lastSuccess(model: string): number | undefined {
    return this.#lastSuccess.get(model);
  }

  render(): string {
    const out: string[] = [];
    family(out, 'ebb_runs_total', 'counter', 'Runs started by the schedules, by how they ended.', this.#runs);
    family(out, 'ebb_model_runs_total', 'counter', 'Model runs, by model and status.', this.#modelRuns);
    family(
      out,
      'ebb_rows_total',
      'counter',
      'Rows per model and kind (new, changed, deleted, saved, failed, rejected, unsaved).',
      this.#rows,
    );
    const last = new Map([...this.#lastSuccess].map(([m, t]) => [labels({ model: m }), t / 1000]));
    family(
      out,
      'ebb_last_success_timestamp_seconds',
      'gauge',
      'When each model last ran ok (Unix time).',
      last,
    );
    family(
      out,
      'ebb_run_in_progress',
      'gauge',
      '1 while a scheduled run is in progress.',
      new Map([['', this.#running]]),
    );
    family(
      out,
      'ebb_start_time_seconds',
      'gauge',
      'When this ebb serve started (Unix time).',
      new Map([['', this.#started / 1000]]),
    );
    this.requests.render(out);
    return out.join('\n') + '\n';
  }
}

function bump(m: Map<string, number>, key: string, by = 1): void {
  m.set(key, (m.get(key) ?? 0) + by);
}
