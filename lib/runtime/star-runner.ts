// starRunner runs a .star model: its script executes in a worker thread, while this side
// (the main thread) owns DuckDB and the network — it answers the script's queries on a serial
// database lane, sends its HTTP requests through the model's Sender on a concurrent lane,
// commits its acknowledgements once the requests they depend on succeeded, records the rows
// whose requests failed, and turns its prints into log lines with secrets redacted.

import { MessageChannel, Worker, type TransferListItem } from 'node:worker_threads';
import { ModelError, PartialRunError } from '../errors.js';
import type { Model } from '../project/index.js';
import { initIdempotency, Sender, SEND_DEFAULTS, UndiciTransport, type SenderSettings, type Transport } from '../send/index.js';
import { cleanDuckDBMessage, type Cursor, type Store } from '../store/index.js';
import { keyString, TrackedSession, type DeltaCounts, type DeltaPage } from '../detect/tracked.js';
import { scanStarSql } from './star-sql.js';
import { HostCallError, newSignal, SerialLane, serve, type Handlers, type WireError } from './channel.js';
import { Delivery } from './delivery.js';
import { FailureLog } from './failures.js';
import { encodePage } from './page.js';
import { CHANGES, EMPTY_PAGE, type RowsPage } from './rows-page.js';
import { LANES, type Finish, type ModelInit, type ModelOps } from './protocol.js';
import { RowSink } from './row-sink.js';
import { modelEnv, Redactor } from './secrets.js';
import { toWire } from './values.js';
import { workerEntry } from './worker-entry.js';
import type { Wire } from './wire.js';

export interface StarRunOptions {
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;
  /** A line the script printed (already redacted). */
  readonly onPrint?: (model: Model, line: string) => void;
  /** Rows of the tracked delta handed to the script so far, out of the delta's size. */
  readonly onProgress?: (model: Model, done: number, total: number) => void;
  /** Where requests go (default: a new UndiciTransport for this model, closed at its end). */
  readonly transport?: Transport | undefined;
  /** Aborted on Ctrl-C: no new requests, in-flight ones finish, successful acks are committed. */
  readonly signal?: AbortSignal | undefined;
}

export interface StarRunResult {
  readonly rows: number;
  readonly details?: Record<string, number>;
}

/**
 * StarModelError is a .star model that failed or was interrupted, with what it did before:
 * the acknowledgements it made are committed and counted.
 */
export class StarModelError extends PartialRunError {
  constructor(model: Model, message: string, partial: StarRunResult, interrupted: boolean) {
    super(model.name, model.file, message, partial, interrupted);
    this.name = 'StarModelError';
  }
}

/** startWorker starts the model's worker, from the compiled JS or (in tests) a bundle of the TS source. */
function startWorker(workerData: unknown, transferList: TransferListItem[]): Worker {
  const { url, execArgv } = workerEntry();
  return new Worker(url, { workerData, transferList, ...(execArgv === undefined ? {} : { execArgv }) });
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

export async function runStarModel(store: Store, model: Model, runId: string, options: StarRunOptions): Promise<StarRunResult> {
  const { env, secrets, sources } = modelEnv(options.root, options.env);
  const redactor = new Redactor(secrets);
  const session = model.kind === 'tracked' ? new TrackedSession(store, model, runId) : undefined;
  const sink = model.kind === 'tracked' ? undefined : new RowSink(store, model);
  const cursors = new Map<number, Cursor>();
  let nextCursor = 1;
  const settings = senderSettings(model);
  await initIdempotency();
  const transport = options.transport ?? new UndiciTransport();
  const sender = new Sender({ model: model.name, settings, transport });
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
  const pager = new Prefetcher(lane, async (after, limit) => toRowsPage(await session!.page(after, limit)));
  let served: ReturnType<typeof serve> | undefined;
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
      return { columns: session!.columns.map((c) => c.name), counts };
    },
    'tracked.page': async ({ after, limit }) => {
      const page = await pager.page(after, limit);
      const counts = session!.counts;
      if (counts && page.count > 0) options.onProgress?.(model, page.first + page.count - 1, counts.new + counts.changed);
      return page;
    },
    'deleted.page': async ({ after, limit }) => toRowsPage(await session!.deletedPage(after, limit)),
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
    ack: ({ seqs, deleted, deps }) => {
      delivery.ack(seqs, deleted, deps);
      return null;
    },
    'sink.rows': ({ rows }) => sink!.add(rows as Array<Record<string, Wire>>),
    http: (req, id) => delivery.send(id, req),
    finish: (f) => {
      settle(f);
      return null;
    },
  };
  // The script sees host failures as its own error, at its own position: no file prefix,
  // no echo of the SQL statement, no secret.
  const toError = (err: unknown, op: string): WireError => {
    const message = err instanceof ModelError ? err.detail : cleanDuckDBMessage(err instanceof Error ? err.message : String(err));
    const what = STORING[op];
    const code = err instanceof HostCallError ? err.code : typeof (err as { code?: unknown })?.code === 'string' ? String((err as { code: string }).code) : 'EBB_HOST';
    return { code, message: redactor.redact(what ? `storing ${what} failed: ${message}` : message) };
  };
  served = serve(port1, signal, handlers, LANES, lane, toError);
  const worker = startWorker({ port: port2, signal, model: init }, [port2]);
  worker.on('error', (err) => settle({ ok: false, error: `the model's worker crashed: ${err.message}` }));
  worker.on('exit', (code) => settle({ ok: false, error: `the model's worker exited (code ${code}) before finishing` }));

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
    if (interrupted) await terminate(worker);
    // Every request ends (or times out) and every held ack is decided before the model ends.
    await served.idle().catch(() => undefined);
    await delivery.drain();
    await lane.idle();
    if (session) await new FailureLog(store, model, runId, redactor, session).clearDelivered();
    if (interrupted) {
      throw new StarModelError(model, 'interrupted: no new requests were sent; the rows not acknowledged come back next run', counts(), true);
    }
    const stop = delivery.stopped ?? served.failure();
    if (stop) {
      const message = stop.origin === undefined || stop.message.startsWith(stop.origin) ? stop.message : `${stop.origin}: ${stop.message}`;
      throw new StarModelError(model, redactor.redact(message), counts(), false);
    }
    if (!finish.ok) throw new StarModelError(model, redactor.redact(finish.error ?? 'failed'), counts(), false);
    const lost = finish.unreadFailures ?? [];
    if (lost.length > 0) {
      const first = lost[0]!;
      throw new StarModelError(
        model,
        redactor.redact(
          `${lost.length} request${lost.length === 1 ? '' : 's'} whose response${lost.length === 1 ? ' was' : 's were'} never read failed, ` +
            `e.g. ${first.what}: ${first.error} (read r.ok or r.status_code to decide, or save.row after the request so a failure is recorded)`,
        ),
        counts(),
        false,
      );
    }
    if (session) {
      const result = counts();
      if (delivery.failedRows > 0) {
        throw new StarModelError(
          model,
          `${delivery.failedRows} row${delivery.failedRows === 1 ? '' : 's'} failed to deliver (not acknowledged; sent again next run); see ebb status ${model.name}`,
          result,
          false,
        );
      }
      return result;
    }
    return { rows: await sink!.finish() };
  } finally {
    if (graceTimer) clearTimeout(graceTimer);
    options.signal?.removeEventListener('abort', onAbort);
    delivery.close();
    for (const c of cursors.values()) c.close();
    port1.close();
    await worker.terminate();
    await lane.idle();
    await session?.close();
    await sink?.discard();
    if (!options.transport) await transport.close();
  }
}

async function terminate(worker: Worker): Promise<void> {
  await worker.terminate().catch(() => undefined);
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
  readonly #fetch: (after: number, limit: number) => Promise<RowsPage>;
  #ahead: { after: number; limit: number; page: Promise<RowsPage> } | undefined;

  /** Fetches run on the database lane, in order with the script's other database work. */
  constructor(lane: SerialLane, fetch: (after: number, limit: number) => Promise<RowsPage>) {
    this.#fetch = (after, limit) => lane.run(() => fetch(after, limit));
  }

  async page(after: number, limit: number): Promise<RowsPage> {
    const ahead = this.#ahead;
    this.#ahead = undefined;
    let page: RowsPage;
    if (ahead && ahead.after === after && ahead.limit === limit) {
      page = await ahead.page;
    } else {
      if (ahead) await ahead.page.catch(() => undefined);
      page = await this.#fetch(after, limit);
    }
    if (page.count === limit) {
      const next = after + limit;
      this.#ahead = { after: next, limit, page: this.#fetch(next, limit) };
      // Its failure, if any, is reported when the script asks for that page.
      this.#ahead.page.catch(() => undefined);
    }
    return page;
  }
}

function toRowsPage(page: DeltaPage): RowsPage {
  const rows = page.rows.map((r) => r.values);
  const out = encodePage(page.columns, page.types, rows, page.rows[0]?.seq ?? 1);
  const change = new Uint8Array(page.rows.length);
  page.rows.forEach((r, i) => (change[i] = CHANGES.indexOf(r.change)));
  const beforeType = page.beforeType;
  const before = beforeType ? page.rows.map((r) => (r.before === null ? null : toWire(r.before, beforeType))) : undefined;
  return before ? { ...out, change, before } : { ...out, change };
}
