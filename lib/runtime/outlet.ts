// An Outlet is where a .star model's work goes, one implementation per kind of model: a
// tracked script acknowledges rows of its delta (TrackedOutlet: the tracked session and the
// failure log), any other script saves rows into its table (PlainOutlet: the row sink).
// runStarModel goes through this interface and names neither: adding a kind of script is one
// file implementing it plus one line in star-runner.ts's outletFor. Each implementation serves
// its own operations, reads its own progress and makes its own result.

import type { Shard } from '../detect/shard.js';
import type { Model } from '../project/index.js';
import type { Store } from '../store/index.js';
import type { Handlers, SerialLane, WireError } from './channel.js';
import type { Delivery, RequestSender } from './delivery.js';
import type { ProgressSnapshot } from './progress.js';
import type { ModelOps } from './protocol.js';
import type { Redactor } from './secrets.js';
import type { StarRunResult } from './star-result.js';

/** The operations whose meaning depends on the kind of model (the rest are the runner's). */
export type OutletOp =
  | 'tracked.open'
  | 'tracked.page'
  | 'tracked.values'
  | 'tracked.rows'
  | 'deleted.page'
  | 'tracked.seqForKey'
  | 'ack'
  | 'outcome'
  | 'sink.rows';

export type OutletHandlers = Pick<Handlers<ModelOps>, OutletOp>;

/** What an outlet is made from: the run's parts it shares with the runner. */
export interface OutletParts {
  readonly store: Store;
  readonly model: Model;
  readonly runId: string;
  readonly redactor: Redactor;
  /** The database lane: DuckDB work in the order the script asked for it. */
  readonly lane: SerialLane;
  readonly sender: RequestSender;
  /** A failure that must stop the script (a breaker, a commit that failed). */
  readonly onFatal: (error: WireError) => void;
  /** The key shard the run covers (ebb run --shard I/N), if any. */
  readonly shard?: Shard | undefined;
}

export interface Outlet {
  /** The model's requests and the acknowledgements that depend on them. */
  readonly delivery: Delivery;
  readonly handlers: OutletHandlers;
  /** skipsScript says whether the script need not start: its work is known to be empty. */
  skipsScript(): Promise<boolean>;
  /** The figures of a progress line that depend on the kind of model. */
  progress(): Pick<ProgressSnapshot, 'done' | 'total' | 'failed'>;
  /** partial is what the model did so far, for a model that failed or was interrupted. */
  partial(): StarRunResult;
  /** settled runs once every request ended and every acknowledgement was committed. */
  settled(): Promise<void>;
  /** complete is the result of a script that finished well, or throws if rows failed to deliver. */
  complete(): Promise<StarRunResult>;
  /** close releases what the outlet holds, whatever happened. */
  close(): Promise<void>;
}

/** refused is the handler of an operation the other kind of model makes (the worker never sends it here). */
export function refused(op: OutletOp, kind: string): () => never {
  return () => {
    throw new Error(`${op}: not an operation of a ${kind} model`);
  };
}
