// ModelResult is what one model's run produced; it is printed, emitted as JSON and recorded.

import type { EbbCode } from '../error-codes.js';
import type { ModelKind } from '../project/index.js';
import type { TrackedCounts } from '../runtime/tracked-counts.js';

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
  /** The stable code of `error` (EBB_…), listed in docs/errors.md. */
  readonly code?: EbbCode;
  /** A tracked model's delta and what became of it (written as fields of its JSON line). */
  readonly details?: TrackedCounts;
  /** A warning about a model that succeeded (e.g. a tracked script that acknowledged nothing). */
  readonly warning?: string;
  /** The stable code of `warning` (EBB_…). */
  readonly warning_code?: EbbCode;
}

/** RunSummary is a run's results; its keys are snake_case, as in every JSON line ebb writes. */
export interface RunSummary {
  readonly run_id: string;
  readonly results: readonly ModelResult[];
  readonly duration_ms: number;
  /** The run was stopped by Ctrl-C (SIGINT/SIGTERM). */
  readonly interrupted?: boolean;
  /** The run was stopped by its deadline (ebb run --timeout). */
  readonly timed_out?: boolean;
}

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const rand = Math.floor(Math.random() * 0x10000)
    .toString(16)
    .padStart(4, '0');
  return `${stamp}-${rand}`;
}
