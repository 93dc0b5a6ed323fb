// TrackedCounts are the figures of a tracked model's run, beside its row count: what the delta
// held and what became of it. They are printed on the model's line, written as fields of its
// `--json` line, and kept in _ebb.runs.details.

export interface TrackedCounts {
  /** The delta: rows new, changed and deleted since the last run. */
  readonly new: number;
  readonly changed: number;
  readonly deleted: number;
  /** Rows acknowledged (save.row) after their requests succeeded. */
  readonly saved: number;
  /** Rows whose requests failed: recorded in _ebb.failures, sent again next run. */
  readonly failed: number;
  /** Rows the API rejected (an outcome function said so): recorded, not sent again until they change or `ebb retry`. */
  readonly rejected: number;
  /** Rows the script did not acknowledge: its own choice; they come back next run. */
  readonly unsaved: number;
}
