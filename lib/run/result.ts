// ModelResult is what one model's run produced; it is printed, emitted as JSON and recorded.

import type { ModelKind } from '../project/index.js';

export type ModelStatus = 'ok' | 'error' | 'skipped';

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
  /** Extra per-kind figures (for tracked models: new, changed, deleted, saved, failed). */
  readonly details?: Readonly<Record<string, number>>;
}

export interface RunSummary {
  readonly run_id: string;
  readonly results: readonly ModelResult[];
  readonly duration_ms: number;
}

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const rand = Math.floor(Math.random() * 0x10000).toString(16).padStart(4, '0');
  return `${stamp}-${rand}`;
}
