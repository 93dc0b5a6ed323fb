// What a running model has done so far, read from the engine's own counters (the tracked
// session's committed acknowledgements, the delivery's failed rows, the sender's requests in
// flight, its attempts' 429s, waits and latencies) whenever a progress line is drawn. The
// printer derives rates and ETAs from these figures; it never estimates the figures themselves.

export interface ProgressSnapshot {
  /** The model's name (schema.table). */
  readonly model: string;
  /**
   * Rows handled: in a tracked model, rows acknowledged after their requests succeeded (saved
   * or deleted; committed, or in the batch being committed) plus rows whose requests failed;
   * otherwise rows saved so far.
   */
  readonly done: number;
  /** The tracked delta's size (new + changed + deleted) once it is computed; null otherwise. */
  readonly total: number | null;
  /** Requests that ended (after their retries), successful or not. */
  readonly requests: number;
  /** Requests started and not yet ended (attempting, or waiting to retry). */
  readonly inFlight: number;
  /** Tracked: rows whose requests failed (recorded in _ebb.failures); otherwise failed requests. */
  readonly failed: number;
  /** Milliseconds since the model started. */
  readonly elapsedMs: number;
  /** What its HTTP attempts met so far (a .star model): the live page charts it over time. */
  readonly http?: AttemptTotals | undefined;
}

/** Totals over a model's finished HTTP attempts, retries included. */
export interface AttemptTotals {
  readonly attempts: number;
  /** Attempts answered 429 Too Many Requests. */
  readonly tooMany: number;
  /** Time attempts waited before they were sent (rate limit, backoff, Retry-After). */
  readonly waitedMs: number;
  /** The attempts' latencies, summed. */
  readonly latencyMs: number;
}

/** Reads a running model's snapshot; cheap enough to call several times a second. */
export type ProgressSource = () => ProgressSnapshot;
