// The options of a run, passed as one object from the command through the executor and the
// model's language to its runner: the caller's hooks (prints, progress, the debug channel),
// where requests go and what stops the run. Each layer adds what it knows (the executor: the
// project root and a model's upstream) and passes the rest on unchanged.

import type { DebugLog } from '../debug.js';
import type { Shard } from '../detect/shard.js';
import type { Model } from '../project/index.js';
import type { BreakerTrip } from '../send/breaker.js';
import type { AttemptEvent } from '../send/sender.js';
import type { Clock } from '../send/clock.js';
import type { SharedLimits } from '../send/shared-limiter.js';
import type { Transport } from '../send/types.js';
import type { ProgressSource } from './progress.js';

export interface RunHooks {
  /** The environment models see through env.get() (besides the project's .env); default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Where env.get() looks, for the error about a missing variable (default: the environment and the project's .env). */
  readonly envSources?: string | undefined;
  /** A line a .star model printed (secrets already redacted). */
  readonly onPrint?: (model: Model, line: string) => void;
  /** Called as a model that can send (.star) starts, with a reader of its progress. */
  readonly onProgress?: (model: Model, progress: ProgressSource) => void;
  /** Where trace lines go (EBB_DEBUG); default: nowhere. */
  readonly debug?: DebugLog;
  /** Where .star models' requests go (default: a new UndiciTransport per model, closed at its end). */
  readonly transport?: Transport | undefined;
  /** The senders' time (default the system's): offline runs pass a VirtualClock, so waits cost no real time. */
  readonly clock?: Clock | undefined;
  /** Aborting it (Ctrl-C) stops the run: no new requests, in-flight ones finish, successful acks are committed. */
  readonly signal?: AbortSignal | undefined;
  /** Secrets besides env.get's: the values of the project file's `${VAR}`s (redacted from the run's output). */
  readonly secrets?: readonly string[] | undefined;
  /** What this run shares with other processes (EBB_COORDINATOR): rate budgets, a lock per model. */
  readonly shared?: SharedLimits | undefined;
  /** Each finished HTTP attempt of a .star model (`ebb serve`'s request metrics). */
  readonly onAttempt?: ((model: Model, event: AttemptEvent) => void) | undefined;
  /** An origin whose circuit breaker opened while a .star model sent to it (`ebb serve`'s metrics). */
  readonly onTrip?: ((model: Model, trip: BreakerTrip) => void) | undefined;
  /** Days the request log (_ebb.requests) keeps an entry: ebb.yaml `requests.keep_days` (default 7). */
  readonly requestLogDays?: number | undefined;
  /** The key shard this run covers (ebb run --shard I/N); absent: every key. */
  readonly shard?: Shard | undefined;
}

/** ModelRunOptions is what one model's run is given: the hooks, and what the executor knows. */
export interface ModelRunOptions extends RunHooks {
  /** The project root (the .env file, relative paths). */
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;
  /** The models this one reads (from the DAG). */
  readonly upstream?: readonly Model[];
}
