// Saves is what save.row, save.rows and save.delete do in a model's worker, one implementation
// per kind of model: a tracked script's saves are conditional acknowledgements of delta rows
// (TrackedSaves), any other script's saves are rows for its table (SinkSaves). Host picks one
// when the model starts and never branches on the kind again.

import type { Value } from '../starlark/index.js';

export interface Saves {
  /** rows saves rows (save.row: one; save.rows: an iterable); `at` is the script's file:line:col. */
  rows(rows: Iterable<Value>, fn: string, at: string | undefined): void;
  /** delete acknowledges a handled deletion (save.delete). */
  delete(row: Value, at: string | undefined): void;
  /** flush sends what is held to the main thread (before a wait, and at the end of the script). */
  flush(): void;
}
