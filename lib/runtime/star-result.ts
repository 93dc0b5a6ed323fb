// What running a .star model produced: its result when it succeeded, and StarModelError when it
// failed or was interrupted, carrying what it did before (its acknowledgements are committed).

import type { EbbCode } from '../error-codes.js';
import { PartialRunError } from '../errors.js';
import type { Model } from '../project/index.js';
import type { TrackedCounts } from './tracked-counts.js';

export interface StarRunResult {
  /** Rows saved (a tracked model: rows acknowledged). */
  readonly rows: number;
  /** A tracked model's delta and what became of it. */
  readonly details?: TrackedCounts;
  /** Something the user should know although the model succeeded (with its EBB_… code). */
  readonly warning?: { readonly code: EbbCode; readonly message: string };
}

/**
 * StarModelError is a .star model that failed or was interrupted, with what it did before:
 * the acknowledgements it made are committed and counted.
 */
export class StarModelError extends PartialRunError {
  constructor(model: Model, message: string, partial: StarRunResult, interrupted: boolean, code?: EbbCode) {
    super(model.name, model.file, message, partial, interrupted, code);
    this.name = 'StarModelError';
  }
}
