// Saves is what save.row, save.rows and save.delete do in a model's worker, one implementation
// per kind of model: a tracked script's saves are conditional acknowledgements of delta rows
// (TrackedSaves), any other script's saves are rows for its table (SinkSaves). Host picks one
// when the model starts and never branches on the kind again.

import type { Thread, Value } from '../starlark/index.js';

/** Where a save was made and how its rows' outcomes are read (`outcome=`, absent: all-or-nothing on 2xx). */
export interface SaveCall {
  readonly th: Thread;
  readonly fn: string;
  readonly at: string | undefined;
  readonly outcome: Value | undefined;
}

export interface Saves {
  /** rows saves rows (save.row: one; save.rows: an iterable). */
  rows(rows: Iterable<Value>, call: SaveCall): void;
  /** delete acknowledges handled deletions (save.delete: a row of deleted(), or a list of them, one save). */
  delete(rows: readonly Value[], call: SaveCall): void;
  /** reject records a row refused without a request (save.reject): rejected, held back until it changes. */
  reject(row: Value, message: string, call: SaveCall): void;
  /** flush sends what is held to the main thread (before a wait, and at the end of the script). */
  flush(): void;
}
