// ModelResult is what one model's run produced; it is printed, emitted as JSON and recorded.

import type { ModelKind } from '../project/index.js';

/** interrupted: the run was stopped (Ctrl-C) while this model ran; what it acknowledged is kept. */
export type ModelStatus = 'ok' | 'error' | 'skipped' | 'interrupted';

export interface ModelResult {
  readonly run_id: string;
  readonly model: string;
  readonly kind: ModelKind;
  readonly file: string;
  readonly status: ModelStatus;
  readonly rows: number | null;
  readonly duration_ms: number;
  readonly error?: string;
  /** The stable code of `error` (EBB_…), listed in README.md. */
  readonly code?: string;
  /**
   * Extra per-kind figures. Tracked models: new, changed, deleted (the delta), saved (rows
   * acknowledged), failed (rows whose requests failed: recorded in _ebb.failures), unsaved
   * (rows the script did not acknowledge: its own choice; they come back next run).
   */
  readonly details?: Readonly<Record<string, number>>;
  /** A warning about a model that succeeded (e.g. a tracked script that acknowledged nothing). */
  readonly warning?: string;
  /** The stable code of `warning` (EBB_…). */
  readonly warning_code?: string;
}

export interface RunSummary {
  readonly run_id: string;
  readonly results: readonly ModelResult[];
  readonly duration_ms: number;
  /** The run was stopped by Ctrl-C (SIGINT/SIGTERM). */
  readonly interrupted?: boolean;
  /** The run was stopped by its deadline (ebb run --timeout). */
  readonly timedOut?: boolean;
}

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const rand = Math.floor(Math.random() * 0x10000)
    .toString(16)
    .padStart(4, '0');
  return `${stamp}-${rand}`;
}
