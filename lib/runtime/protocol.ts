// The operations between a model's worker and the main thread: one table (name → request →
// reply) that both ends are typed by, and the lane each runs in on the main thread. Adding an
// operation is one entry here, one in LANES and one handler in star-runner.ts (or, for one that
// only tracked or only non-tracked scripts make, in tracked-outlet.ts or plain-outlet.ts).

import type { EbbCode } from '../error-codes.js';
import type { FileOptions } from '../starlark/index.js';
import type { HttpWire } from './http-reply.js';
import type { Lane } from './channel.js';
import type { JsonRowTexts, JsonValues } from '../detect/json-page.js';
import type { RowsPage } from './rows-page.js';
import type { Wire } from './wire.js';
import type { OAuthRegistration } from './oauth-grant.js';

/** The names a model's script sees besides Starlark's universe. */
export const MODEL_GLOBALS: readonly string[] = [
  'query',
  'deleted',
  'save',
  'outcome',
  'oauth',
  'env',
  'json',
  'time',
  'math',
  'struct',
  'http',
];

/** Models may loop and reassign at top level, like scripts (the seed loop is top-level code). */
export const MODEL_FILE_OPTIONS: FileOptions = {
  allowWhile: true,
  allowSet: true,
  allowGlobalReassign: true,
  allowToplevelControl: true,
};

export interface ModelInit {
  readonly name: string;
  /** The project root: load() reads libraries relative to it. */
  readonly root: string;
  /** The folder of the shipped catalog: load("@ebb/NAME.star") reads NAME.star there. */
  readonly catalog: string;
  /** Path relative to the project root, used in messages and positions. */
  readonly file: string;
  readonly source: string;
  readonly kind: 'table' | 'append' | 'merge' | 'tracked' | 'view';
  readonly uniqueKey: readonly string[];
  /** Environment seen by env.get(): the process environment overlaid with the project's .env. */
  readonly env: Readonly<Record<string, string>>;
  /** The model's step budget (@max_steps; absent: DEFAULT_MAX_STEPS). */
  readonly maxSteps?: number;
  /** Where env.get() looked, for the error about a missing variable. */
  readonly envSources: string;
  /**
   * Requests in flight at once (@concurrency), the per-attempt timeout (@timeout), in ms, and the
   * state's idempotency secret: the worker computes each request's Idempotency-Key where it
   * builds the body (lib/send/idempotency.ts), off the main thread. The script never sees it.
   */
  readonly http: {
    readonly concurrency: number;
    readonly timeoutMs: number;
    readonly keySecret?: Uint8Array;
  };
}

export interface TrackedOpened {
  readonly columns: readonly string[];
  readonly counts: { readonly new: number; readonly changed: number; readonly deleted: number };
}

export interface Finish {
  readonly ok: boolean;
  readonly error?: string;
  /** The run-time code (RUN_CODES) of the host failure that ended the script, if it has one. */
  readonly code?: EbbCode;
  /** The script stopped because the run was interrupted (Ctrl-C). */
  readonly interrupted?: boolean;
  /** Requests whose responses the script never read, that failed, and that no save depended on. */
  readonly unreadFailures?: ReadonlyArray<{
    readonly id: number;
    readonly what: string;
    readonly error: string;
  }>;
}

/** One HTTP request as the worker sends it (the Sender adds retries and idempotency keys). */
export interface HttpCall {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Uint8Array | undefined;
  readonly timeoutMs: number;
  /** Where the script issued it (file:line:col), for the messages about its failure. */
  readonly at?: string | undefined;
  /**
   * The save that depends on this request alone, when the script made it before the request
   * left its outbox (the seed loop's `http.post(…); save.row(row)`): the ack message's fields,
   * decided with the request's outcome instead of a message of its own.
   */
  readonly ack?: { readonly runs: number[]; readonly deleted: boolean; readonly at?: string } | undefined;
  /**
   * Nothing on the worker can read the response: the script called it as a statement of its own
   * (`http.post(…)` on its line, so it holds no response) and `ack` rides with it (the save that
   * took it from the next saves' dependencies has no outcome function). Its reply crosses bare
   * (http-reply.ts packBareReply), and a success keeps no headers (HttpRequest.unread).
   */
  readonly unread?: boolean | undefined;
}

/**
 * A request as the script's worker builds it: its body may be a byte string (a character per
 * byte, as json= encodes it), which crosses to the main thread as one string — cheaper than a
 * buffer's clone or transfer — and becomes an HttpCall's bytes there (http-call-wire.ts).
 */
export type ScriptCall = Omit<HttpCall, 'body'> & { readonly body?: Uint8Array | string | undefined };

/** What a page of the delta holds besides its changes: the rows' values, their JSON texts. */
export interface PageWant {
  readonly values: boolean;
  readonly rows: boolean;
}

/**
 * A parameter of query(): the scalars a script may bind (int, float, string, bool, None), as
 * every store statement accepts them.
 */
export type QueryParam = null | boolean | bigint | number | string;

/** A row an outcome function did not accept: its verdict, message and the request it came from. */
export interface RefusedRow {
  readonly seq: number;
  readonly kind: 'rejected' | 'failed';
  readonly message: string;
  readonly method: string;
  readonly url: string;
  readonly status: number | null;
  readonly attempts: number;
}

/** The operations: request and reply types, shared by the worker and the main thread. */
export interface ModelOps {
  print: { req: string; rep: null };
  secret: { req: string; rep: null };
  /** A grant the script made with the oauth module (one-way): its token is fetched when needed. */
  oauth: { req: OAuthRegistration; rep: null };
  'tracked.open': { req: { sql: string; params: QueryParam[] }; rep: TrackedOpened };
  /** A page of the delta; without `values`, its rows' values are left for tracked.values; with
   *  `rows`, it holds the rows' JSON texts (else tracked.rows reads them if they are needed). */
  'tracked.page': { req: { after: number; limit: number } & PageWant; rep: RowsPage };
  'tracked.values': { req: { after: number; limit: number }; rep: JsonValues };
  'tracked.rows': { req: { after: number; limit: number }; rep: JsonRowTexts };
  'deleted.page': { req: { after: number; limit: number }; rep: RowsPage };
  'tracked.seqForKey': { req: { key: Wire[]; deleted: boolean }; rep: number | null };
  'cursor.open': { req: { sql: string; params: QueryParam[] }; rep: number };
  'cursor.next': { req: { id: number }; rep: RowsPage };
  /** A save: acknowledge the rows `runs` (SeqRuns pairs: first, count, …) once every request in
   *  `deps` ended in 2xx (one-way). `at`: where
   *  the script saved (file:line:col), sent when it changed since the previous ack. */
  ack: { req: { runs: number[]; deleted: boolean; deps: number[]; at?: string }; rep: null };
  /** A save with an outcome function, decided on the worker once its requests were over
   *  (one-way): acknowledge `runs`, record `refused` in _ebb.failures. */
  outcome: {
    req: { runs: number[]; deleted: boolean; deps: number[]; refused: RefusedRow[]; at?: string };
    rep: null;
  };
  /** Rows a non-tracked model saved (one-way). */
  'sink.rows': { req: { rows: Array<Record<string, Wire>> }; rep: number };
  /** The request as http-call-wire.ts packs it (a flat array: the main thread's cheaper read). */
  http: { req: unknown[]; rep: HttpWire };
  /** The script sent its last request and waits for those in flight (HostModules.finish). */
  drain: { req: null; rep: null };
  finish: { req: Finish; rep: null };
}

/**
 * The database lane is serial: DuckDB work happens in the order the script asked for it. The
 * concurrent lane answers at once or in any order (HTTP requests, prints, held acks).
 */
export const LANES: { readonly [K in keyof ModelOps]: Lane } = {
  // In order with the database work: a line printed after a save that completed a batch appears
  // once that batch is committed.
  print: 'serial',
  secret: 'concurrent',
  oauth: 'concurrent',
  'tracked.open': 'serial',
  // The page handler queues its own database work (it may hand out a page fetched ahead).
  'tracked.page': 'concurrent',
  'tracked.values': 'serial',
  'tracked.rows': 'serial',
  'deleted.page': 'serial',
  'tracked.seqForKey': 'serial',
  'cursor.open': 'serial',
  'cursor.next': 'serial',
  ack: 'concurrent',
  outcome: 'concurrent',
  'sink.rows': 'serial',
  http: 'concurrent',
  drain: 'concurrent',
  finish: 'concurrent',
};

/**
 * The crash window: new requests wait while the acks of this many requests are not durable, so
 * a kill -9 re-sends at most these (with the same idempotency keys) besides those in flight.
 */
export const UNDURABLE_REQUESTS = 5000;
/**
 * Acks waiting are committed once they depend on this many requests: four fifths of the crash
 * window, so a commit (~10 ms here) is under way while 1,000 more requests may still go before
 * new ones must wait for it. At half the window the seed loop made 40 commits of 2,500 rows
 * for 100,000 requests; 25 of 4,000 cost its process ~80 ms less CPU (6 alternating runs).
 */
export const FLUSH_REQUESTS = (UNDURABLE_REQUESTS * 4) / 5;
/**
 * Failed and rejected rows waiting are recorded (in _ebb.failures) once this many wait: bounds
 * their memory and the record at the end. Rows, not acks: a failed batch save is one ack of all
 * its rows.
 */
export const FLUSH_FAILED_ROWS = 5000;
/**
 * The worker sends acks and saved rows in messages of at most this many rows: large enough that
 * a message's cost is spread over many rows, small enough that one is never held long.
 */
export const MESSAGE_ROWS = 5000;
/**
 * Acks waiting are also committed this long after the first one waits (counted anew when a row
 * group is committed, which takes the oldest rows: ack-batches.ts). 2 s rather than 1: a
 * flush by time commits less than a row group, which DuckDB writes through its log and
 * compresses again at the checkpoint; at 1 s a bulk sync (1M rows in batches of 500) made
 * several such flushes and ran about 8 % slower.
 */
export const FLUSH_MS = 2000;
/**
 * At most this many acknowledged rows wait for a commit, and they are committed in exactly
 * this many when they reach it: DuckDB's row group, which a transaction writes straight to the
 * table's blocks instead of through the write-ahead log — about half the cost of storing
 * rows, and no checkpoint stalls (measured on a 1M-row sync in batches of 500).
 */
export const ROW_GROUP = 122_880;
/**
 * Until a model sends its first request nothing outside ebb's state depends on its acks (a
 * crash only makes the next run redo the work), so they wait for a row group or this long.
 */
export const QUIET_FLUSH_MS = 10_000;
