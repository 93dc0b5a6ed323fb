// starRunner runs a .star model: its script executes in a worker thread, while this side
// (the main thread) owns DuckDB and the network — it answers the script's queries on a serial
// database lane, sends its HTTP requests through the model's Sender on a concurrent lane,
// commits its acknowledgements once the requests they depend on succeeded, records the rows
// whose requests failed, and turns its prints into log lines with secrets redacted.

import { MessageChannel, Worker, type TransferListItem } from 'node:worker_threads';
import { ModelError, PartialRunError, PROBLEM_CODES, RUN_CODES } from '../errors.js';
import type { Model } from '../project/index.js';
import {
  initIdempotency,
  Sender,
  SEND_DEFAULTS,
  UndiciTransport,
  type SenderSettings,
  type Transport,
} from '../send/index.js';
import { cleanDuckDBMessage, duckdbErrorKind, projectKey, type Cursor, type Store } from '../store/index.js';
import {
  keyString,
  TrackedSession,
  type DeltaCounts,
  type DeltaPage,
  type JsonDeltaPage,
} from '../detect/tracked.js';
import { scanStarSql } from './star-sql.js';
import {
  HostCallError,
  newSignal,
  SerialLane,
  serve,
  setAside,
  type Handlers,
  type WireError,
} from './channel.js';
import { Delivery } from './delivery.js';
import { advice, describeFailure, failureCode } from './failure-advice.js';
import { FailureLog } from './failures.js';
import { pageBuffers as jsonPageBuffers, type JsonRowTexts, type JsonValues } from './json-page.js';
import { encodePage } from './page.js';
import { CHANGES, EMPTY_PAGE, type RowsPage } from './rows-page.js';
import { LANES, type Finish, type ModelInit, type ModelOps, type PageWant } from './protocol.js';
import { RowSink } from './row-sink.js';
import type { ProgressSource } from './progress.js';
import { modelEnv, Redactor } from './secrets.js';
import { toWire } from './values.js';
import { workerEntry } from './worker-entry.js';
import { toHttpReply } from './http-reply.js';
import { SeqRuns } from '../detect/seq-runs.js';
import type { Wire } from './wire.js';

export interface StarRunOptions {
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;
  /** A line the script printed (already redacted). */
  readonly onPrint?: (model: Model, line: string) => void;
  /** Called once as the model starts, with a reader of its progress (for progress lines). */
  readonly onProgress?: (model: Model, progress: ProgressSource) => void;
  /** Where requests go (default: a new UndiciTransport for this model, closed at its end). */
  readonly transport?: Transport | undefined;
  /** Aborted on Ctrl-C: no new requests, in-flight ones finish, successful acks are committed. */
  readonly signal?: AbortSignal | undefined;
}

export interface StarRunResult {
  readonly rows: number;
  readonly details?: Record<string, number>;
  /** Something the user should know although the model succeeded (with its EBB_… code). */
  readonly warning?: { readonly code: string; readonly message: string };
}

/**
 * StarModelError is a .star model that failed or was interrupted, with what it did before:
 * the acknowledgements it made are committed and counted.
 */
export class StarModelError extends PartialRunError {
  constructor(model: Model, message: string, partial: StarRunResult, interrupted: boolean, code?: string) {
    super(model.name, model.file, message, partial, interrupted, code);
    this.name = 'StarModelError';
  }
}

/**
 * A script makes a row object, its values and often a JSON body per row, all short-lived: a
 * young generation larger than V8's default (16 MiB semi-spaces on 64-bit) collects them in
 * fewer, cheaper scavenges.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 96 };

/** startWorker starts the model's worker, from the compiled JS or (in tests) a bundle of the TS source. */
function startWorker(workerData: unknown, transferList: TransferListItem[]): Worker {
  const { url, execArgv } = workerEntry();
  return new Worker(url, {
    workerData,
    transferList,
    resourceLimits: WORKER_LIMITS,
    ...(execArgv === undefined ? {} : { execArgv }),
  });
}

/** senderSettings fills a model's directives with the sender's defaults. */
export function senderSettings(model: Model): SenderSettings {
  const d = model.sender;
  return {
    rateLimit: d.rateLimit ? { count: d.rateLimit.requests, periodMs: d.rateLimit.perMs } : undefined,
    concurrency: d.concurrency ?? SEND_DEFAULTS.concurrency,
    retries: d.retries ?? SEND_DEFAULTS.retries,
    timeoutMs: d.timeoutMs ?? SEND_DEFAULTS.timeoutMs,
  };
}

/** How long a stopped script may take to reach its next host call before its worker is ended. */
const STOP_GRACE_MS = 2000;

export async function runStarModel(
  store: Store,
  model: Model,
  runId: string,
  options: StarRunOptions,
): Promise<StarRunResult> {
  const startedAt = performance.now();
  const { env, secrets, sources } = modelEnv(options.root, options.env);
  const redactor = new Redactor(secrets);
  const session = model.kind === 'tracked' ? new TrackedSession(store, model, runId) : undefined;
  const sink = model.kind === 'tracked' ? undefined : new RowSink(store, model);
  const cursors = new Map<number, Cursor>();
  let nextCursor = 1;
  const settings = senderSettings(model);
  await initIdempotency();
  const transport = options.transport ?? new UndiciTransport();
  // Requests waiting to retry are published to the worker, whose bound on unfinished requests
  // leaves them out (http-module.ts); `signal` is set before the first request.
  const sender = new Sender({
    model: model.name,
    idempotencySecret: await projectKey(store),
    settings,
    transport,
    onWaiting: (n) => setAside(signal, n),
  });
  const lane = new SerialLane();

  const init: ModelInit = {
    name: model.name,
    root: options.root,
    file: model.file,
    source: model.source,
    kind: model.kind,
    uniqueKey: model.uniqueKey,
    env,
    ...(model.maxSteps !== undefined ? { maxSteps: model.maxSteps } : {}),
    envSources: sources,
    http: { concurrency: settings.concurrency, timeoutMs: settings.timeoutMs },
  };
  const { port1, port2 } = new MessageChannel();
  const signal = newSignal();
  let settle!: (f: Finish) => void;
  const finished = new Promise<Finish>((resolve) => (settle = resolve));

  // The delta of a literal tracked query is computed (on the database lane) while the worker
  // starts; the script's query() takes it when its SQL and parameters are the same.
  const early = session ? startEarlyDelta(session, model, lane) : undefined;
  // Once the delta is known, DuckDB's statements are small — pages, batches of
  // acknowledgements — and DuckDB shares the machine with the script's worker: on one thread it
  // spends about a third less CPU on them (measured on 2 cores). Its default comes back when the
  // model ends.
  let narrowed = false;
  const oneThread = async () => {
    if (narrowed) return;
    narrowed = true;
    await store.exec('SET threads = 1');
  };
  const pager = new Prefetcher(
    lane,
    async (after, limit, want) =>
      fromJson(await session!.jsonPage(after, limit, want.values, want.rows)) ??
      toRowsPage(await session!.page(after, limit)),
  );
  let served: ReturnType<typeof serve> | undefined;
  /** The host calls that failed, so a script ended by one reports that failure's code. */
  const hostErrors: WireError[] = [];
  const delivery = new Delivery({
    sender,
    lane,
    session,
    failures: session ? new FailureLog(store, model, runId, redactor, session) : undefined,
    onFatal: (e) => served?.fail({ ...e, message: redactor.redact(e.message) }),
  });
  const handlers: Handlers<ModelOps> = {
    print: (line) => {
      options.onPrint?.(model, redactor.redact(line));
      return null;
    },
    secret: (value) => {
      redactor.add(value);
      return null;
    },
    'tracked.open': async ({ sql, params }) => {
      const ready = early && early.key === deltaKey(sql, params) ? await early.counts : undefined;
      const counts = ready ?? (await session!.computeDelta(sql, params as never));
      await oneThread();
      return { columns: session!.columns.map((c) => c.name), counts };
    },
    'tracked.page': ({ after, limit, values, rows }) => pager.page(after, limit, { values, rows }),
    'tracked.values': ({ after, limit }) => session!.jsonValues(after, limit),
    'tracked.rows': ({ after, limit }) => session!.jsonRowTexts(after, limit),
    'deleted.page': async ({ after, limit }) =>
      fromJson(await session!.deletedJsonPage(after, limit)) ??
      toRowsPage(await session!.deletedPage(after, limit)),
    'tracked.seqForKey': async ({ key, deleted }) => {
      const k = key.map((v) => (typeof v === 'bigint' ? v.toString() : v));
      const found = await session!.seqsForKeys([k], deleted);
      return found.get(keyString(k.map((v) => String(v)))) ?? null;
    },
    'cursor.open': async ({ sql, params }) => {
      const cursor = await store.openCursor(sql, params as never);
      const id = nextCursor++;
      cursors.set(id, cursor);
      return id;
    },
    'cursor.next': async ({ id }) => {
      const cursor = cursors.get(id);
      if (!cursor) return EMPTY_PAGE;
      const rows = await cursor.next();
      if (!rows) {
        cursors.delete(id);
        return EMPTY_PAGE;
      }
      return encodePage(cursor.columns, cursor.columnTypes, rows, 1);
    },
    ack: ({ runs, deleted, deps, at }) => {
      delivery.ack(new SeqRuns(runs), deleted, deps, at);
      return null;
    },
    'sink.rows': ({ rows }) => sink!.add(rows as Array<Record<string, Wire>>),
    http: async (req, id) => toHttpReply(await delivery.send(id, req)),
    finish: (f) => {
      settle(f);
      return null;
    },
  };
  // The script sees host failures as its own error, at its own position: no file prefix,
  // no echo of the SQL statement, no secret.
  const toError = (err: unknown, op: string): WireError => {
    const raw = err instanceof Error ? err.message : String(err);
    const message = err instanceof ModelError ? err.detail : cleanDuckDBMessage(raw);
    const what = STORING[op];
    const kind = duckdbErrorKind(raw);
    const code =
      err instanceof HostCallError
        ? err.code
        : typeof (err as { code?: unknown })?.code === 'string'
          ? String((err as { code: string }).code)
          : kind === 'syntax'
            ? PROBLEM_CODES.sqlSyntax
            : kind === 'bind'
              ? PROBLEM_CODES.bind
              : 'EBB_HOST';
    const wire = { code, message: redactor.redact(what ? `storing ${what} failed: ${message}` : message) };
    hostErrors.push(wire);
    if (hostErrors.length > 16) hostErrors.shift();
    return wire;
  };
  options.onProgress?.(model, () => {
    const c = session?.counts;
    return {
      model: model.name,
      done: session
        ? session.saved + session.deletedAcked + delivery.uncommittedRows + delivery.failedRows
        : (sink?.count ?? 0),
      total: c ? c.new + c.changed + c.deleted : null,
      requests: delivery.requestsDone,
      inFlight: sender.inFlight,
      failed: session ? delivery.failedRows : delivery.failedRequests,
      elapsedMs: performance.now() - startedAt,
    };
  });
  served = serve(port1, signal, handlers, LANES, lane, toError, pageBuffers);
  // A script that only loops over the delta does nothing when the delta is empty: the common
  // no-change run then costs the delta alone, without a worker and an interpreter to start.
  const idle = early !== undefined && deltaOnly(model) && isEmptyDelta(await early.counts);
  const worker = idle ? undefined : startWorker({ port: port2, signal, model: init }, [port2]);
  if (worker) {
    worker.on('error', (err) => settle({ ok: false, error: `the model's worker crashed: ${err.message}` }));
    worker.on('exit', (code) =>
      settle({ ok: false, error: `the model's worker exited (code ${code}) before finishing` }),
    );
  } else {
    if (/\bstar\b/.test(options.env['EBB_DEBUG'] ?? '')) {
      process.stderr.write(
        `[star] ${model.name}: the delta is empty and the script only loops over it; not started\n`,
      );
    }
    settle({ ok: true });
  }

  let interrupted = false;
  let graceTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    interrupted = true;
    sender.stop();
    served?.stop();
    // A script busy in pure computation reaches no host call: end its worker after a grace period.
    graceTimer = setTimeout(() => settle({ ok: false, interrupted: true }), STOP_GRACE_MS);
  };
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  const counts = (): StarRunResult => {
    if (!session) return { rows: sink?.count ?? 0 };
    const c = session.counts ?? { new: 0, changed: 0, deleted: 0 };
    const saved = session.saved;
    const deletedAcked = session.deletedAcked;
    const unsaved = Math.max(0, c.new + c.changed + c.deleted - saved - deletedAcked - delivery.failedRows);
    return { rows: saved, details: { ...c, saved, failed: delivery.failedRows, unsaved } };
  };

  try {
    const finish = await finished;
    if (finish.interrupted) interrupted = true;
    if (interrupted && worker) await terminate(worker);
    // Every request ends (or times out) and every held ack is decided before the model ends.
    await served.idle().catch(() => undefined);
    await delivery.drain();
    await lane.idle();
    if (session) await new FailureLog(store, model, runId, redactor, session).clearResolved();
    if (interrupted) {
      throw new StarModelError(
        model,
        'interrupted: no new requests were sent; the rows not acknowledged come back next run',
        counts(),
        true,
      );
    }
    const stop = delivery.stopped ?? served.failure();
    if (stop) {
      const what =
        stop.origin === undefined || stop.message.startsWith(stop.origin)
          ? stop.message
          : `${stop.origin}: ${stop.message}`;
      const message = stop.position === undefined ? what : `${stop.position}: ${what}`;
      // The breaker's and Retry-After's stops are the model's error, with their own codes.
      throw new StarModelError(model, redactor.redact(message), counts(), false, stop.code);
    }
    if (!finish.ok) {
      const error = redactor.redact(finish.error ?? 'failed');
      // The worker names the code of the host call that ended the script, when it knows it.
      throw new StarModelError(
        model,
        error,
        counts(),
        false,
        finish.code ?? hostErrorCode(hostErrors, error),
      );
    }
    const lost = finish.unreadFailures ?? [];
    if (lost.length > 0) {
      const first = lost[0]!;
      const failed = delivery.failure(first.id);
      const what = failed ? `${describeFailure(failed)}; ${advice(failed)}` : `${first.what}: ${first.error}`;
      throw new StarModelError(
        model,
        redactor.redact(
          `${lost.length} request${lost.length === 1 ? '' : 's'} whose response${lost.length === 1 ? ' was' : 's were'} never read failed, ` +
            `e.g. ${what} (read r.ok or r.status_code to decide, or save.row after the request so a failure is recorded)`,
        ),
        counts(),
        false,
        failed ? failureCode(failed) : undefined,
      );
    }
    if (session) {
      const result = counts();
      const first = delivery.firstFailure;
      if (delivery.failedRows > 0) {
        const n = delivery.failedRows;
        const example = first ? `; the first: ${describeFailure(first)}; ${advice(first)}` : '';
        throw new StarModelError(
          model,
          redactor.redact(
            `${n} row${n === 1 ? '' : 's'} failed to deliver (not acknowledged; sent again next run)${example}; see ebb status ${model.name}`,
          ),
          result,
          false,
          first ? failureCode(first) : undefined,
        );
      }
      return { ...result, ...nothingAcknowledged(model, session) };
    }
    return { rows: await sink!.finish() };
  } finally {
    if (graceTimer) clearTimeout(graceTimer);
    options.signal?.removeEventListener('abort', onAbort);
    delivery.close();
    for (const c of cursors.values()) c.close();
    port1.close();
    await worker?.terminate();
    await lane.idle();
    await session?.close();
    if (narrowed) await store.exec('RESET threads').catch(() => undefined);
    await sink?.discard();
    if (!options.transport) await transport.close();
  }
}

/**
 * nothingAcknowledged is the warning for a tracked script that had rows to send and called no
 * save.row or save.delete: nothing is recorded as delivered, so the next run sends it all again.
 */
function nothingAcknowledged(model: Model, session: TrackedSession): Pick<StarRunResult, 'warning'> {
  const c = session.counts;
  const total = c ? c.new + c.changed + c.deleted : 0;
  if (total === 0 || session.saved > 0 || session.deletedAcked > 0) return {};
  const rows = total === 1 ? 'the 1 row' : `all ${total} rows`;
  return {
    warning: {
      code: RUN_CODES.nothingAcknowledged,
      message:
        `${model.file}: nothing was acknowledged: the script called no save.row or save.delete, so ${rows} will be sent again next run; ` +
        'call save.row(row) once a row is delivered (and save.delete(row) for a handled deletion)',
    },
  };
}

/**
 * hostErrorCode is the code of the host call whose failure ended the script (a query whose SQL
 * does not bind, a key twice in a tracked query…), when it has a code more precise than
 * EBB_HOST; the model's code is EBB_MODEL otherwise.
 */
function hostErrorCode(errors: readonly WireError[], scriptError: string): string | undefined {
  for (let i = errors.length - 1; i >= 0; i--) {
    const e = errors[i]!;
    if (scriptError.includes(e.message)) return e.code === 'EBB_HOST' ? undefined : e.code;
  }
  return undefined;
}

async function terminate(worker: Worker): Promise<void> {
  await worker.terminate().catch(() => undefined);
}

function deltaOnly(model: Model): boolean {
  try {
    return scanStarSql(model).deltaOnly;
  } catch {
    return false;
  }
}

function isEmptyDelta(c: DeltaCounts | undefined): boolean {
  return c !== undefined && c.new + c.changed + c.deleted === 0;
}

interface EarlyDelta {
  readonly key: string;
  readonly counts: Promise<DeltaCounts | undefined>;
  /** Resolves when the computation is over, whatever its outcome. */
  readonly settled: Promise<unknown>;
}

function deltaKey(sql: string, params: readonly unknown[]): string {
  return JSON.stringify([sql, params], (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

/**
 * startEarlyDelta starts computing the delta of the model's only literal tracked query, if it
 * has one with literal parameters. A failure is left for query() to meet again: the script
 * then computes the delta itself and gets the error at its own line.
 */
function startEarlyDelta(session: TrackedSession, model: Model, lane: SerialLane): EarlyDelta | undefined {
  let calls;
  try {
    calls = scanStarSql(model).tracked;
  } catch {
    return undefined;
  }
  const call = calls[0];
  if (!call || call.params === undefined || calls.some((c) => c.sql !== call.sql)) return undefined;
  const counts = lane.run(() => session.computeDelta(call.sql, call.params!)).catch(() => undefined);
  return { key: deltaKey(call.sql, call.params), counts, settled: counts };
}

/** What the one-way messages store, for their error messages. */
const STORING: Record<string, string> = {
  'sink.rows': 'saved rows',
};

/**
 * Prefetcher reads the next page of the delta while the script works on the current one, so
 * DuckDB and the conversion of rows overlap with the script's own work.
 */
class Prefetcher {
  readonly #fetch: (after: number, limit: number, want: PageWant) => Promise<RowsPage>;
  #ahead: { after: number; limit: number; want: PageWant; page: Promise<RowsPage> } | undefined;

  /** Fetches run on the database lane, in order with the script's other database work. */
  constructor(lane: SerialLane, fetch: (after: number, limit: number, want: PageWant) => Promise<RowsPage>) {
    this.#fetch = (after, limit, want) => lane.run(() => fetch(after, limit, want));
  }

  async page(after: number, limit: number, want: PageWant): Promise<RowsPage> {
    const ahead = this.#ahead;
    this.#ahead = undefined;
    let page: RowsPage;
    if (
      ahead &&
      ahead.after === after &&
      ahead.limit === limit &&
      ahead.want.values === want.values &&
      ahead.want.rows === want.rows
    ) {
      page = await ahead.page;
    } else {
      if (ahead) await ahead.page.catch(() => undefined);
      page = await this.#fetch(after, limit, want);
    }
    if (page.count === limit) {
      const next = after + limit;
      this.#ahead = { after: next, limit, want, page: this.#fetch(next, limit, want) };
      // Its failure, if any, is reported when the script asks for that page.
      this.#ahead.page.catch(() => undefined);
    }
    return page;
  }
}

/** pageBuffers are the buffers of a JSON page's lists, moved to the worker with the reply. */
function pageBuffers(value: unknown): ArrayBuffer[] | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  // A page's lists, or the values or row texts of one (tracked.values, tracked.rows).
  const json =
    'json' in value
      ? (value as RowsPage).json
      : 'seqs' in value
        ? (value as JsonValues | JsonRowTexts)
        : undefined;
  return json === undefined ? undefined : jsonPageBuffers(json);
}

function fromJson(page: JsonDeltaPage | undefined): RowsPage | undefined {
  if (page === undefined) return undefined;
  const { columns, first, count, json } = page;
  return json === undefined ? { columns, first, count, data: [] } : { columns, first, count, data: [], json };
}

function toRowsPage(page: DeltaPage): RowsPage {
  const rows = page.rows.map((r) => r.values);
  const out = encodePage(page.columns, page.types, rows, page.rows[0]?.seq ?? 1);
  const change = new Uint8Array(page.rows.length);
  page.rows.forEach((r, i) => (change[i] = CHANGES.indexOf(r.change)));
  const beforeType = page.beforeType;
  const before = beforeType
    ? page.rows.map((r) => (r.before === null ? null : toWire(r.before, beforeType)))
    : undefined;
  return before ? { ...out, change, before } : { ...out, change };
}
