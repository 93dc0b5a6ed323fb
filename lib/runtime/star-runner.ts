// starRunner runs a .star model: its script executes in a worker thread, while this side
// (the main thread) owns DuckDB — it answers the script's queries, stores its rows and
// acknowledgements, and turns its prints into log lines with secrets redacted.

import { MessageChannel, Worker, type TransferListItem } from 'node:worker_threads';
import { ModelError, ModelRunError } from '../errors.js';
import type { Model } from '../project/index.js';
import { cleanDuckDBMessage, type Cursor, type Store } from '../store/index.js';
import { keyString, TrackedSession, type DeltaCounts, type DeltaPage } from '../detect/tracked.js';
import { scanStarSql } from './star-sql.js';
import { serve } from './channel.js';
import { encodePage } from './page.js';
import { CHANGES, EMPTY_PAGE, type RowsPage } from './rows-page.js';
import type { Finish, ModelInit, TrackedOpened } from './protocol.js';
import { RowSink } from './row-sink.js';
import { modelEnv, Redactor } from './secrets.js';
import { toWire } from './values.js';
import type { Wire } from './wire.js';

export interface StarRunOptions {
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;
  /** A line the script printed (already redacted). */
  readonly onPrint?: (model: Model, line: string) => void;
  /** Rows of the tracked delta handed to the script so far, out of the delta's size. */
  readonly onProgress?: (model: Model, done: number, total: number) => void;
}

export interface StarRunResult {
  readonly rows: number;
  readonly details?: Record<string, number>;
}

/** startWorker starts the model's worker, from the compiled JS or (in tests) the TS source. */
function startWorker(workerData: unknown, transferList: TransferListItem[]): Worker {
  const url = new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url);
  if (url.pathname.endsWith('.ts')) {
    // Running from TypeScript sources: the worker registers tsx before loading its module.
    const tsx = import.meta.resolve('tsx/esm/api');
    const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
    return new Worker(boot, { eval: true, workerData, transferList });
  }
  return new Worker(url, { workerData, transferList });
}

export async function runStarModel(store: Store, model: Model, runId: string, options: StarRunOptions): Promise<StarRunResult> {
  const { env, secrets } = modelEnv(options.root, options.env);
  const redactor = new Redactor(secrets);
  const session = model.kind === 'tracked' ? new TrackedSession(store, model, runId) : undefined;
  const sink = model.kind === 'tracked' ? undefined : new RowSink(store, model);
  const cursors = new Map<number, Cursor>();
  let nextCursor = 1;

  const init: ModelInit = {
    name: model.name,
    file: model.file,
    source: model.source,
    kind: model.kind,
    uniqueKey: model.uniqueKey,
    env,
  };
  const { port1, port2 } = new MessageChannel();
  const flag = new Int32Array(new SharedArrayBuffer(4));
  let settle!: (f: Finish) => void;
  const finished = new Promise<Finish>((resolve) => (settle = resolve));

  // The delta of a literal tracked query is computed while the worker starts; the script's
  // query() takes it when its SQL and parameters are the same (else it computes its own).
  const early = session ? startEarlyDelta(session, model) : undefined;
  const pager = new Prefetcher(async (after, limit) => toRowsPage(await session!.page(after, limit)));
  const handler = async (op: string, payload: unknown): Promise<unknown> => {
    const p = payload as Record<string, unknown>;
    // Work started ahead (a page, the delta) must finish before anything else uses the connection.
    if (op !== 'tracked.page') await pager.idle();
    if (early && op !== 'tracked.open') await early.settled;
    switch (op) {
      case 'print':
        options.onPrint?.(model, redactor.redact(String(p)));
        return undefined;
      case 'secret':
        redactor.add(String(p));
        return undefined;
      case 'tracked.open': {
        const sql = String(p['sql']);
        const params = p['params'] as Wire[];
        const ready = early && early.key === deltaKey(sql, params) ? await early.counts : undefined;
        const counts = ready ?? (await session!.computeDelta(sql, params as never));
        return { columns: session!.columns.map((c) => c.name), counts } satisfies TrackedOpened;
      }
      case 'tracked.page': {
        const page = await pager.page(Number(p['after']), Number(p['limit']));
        const counts = session!.counts;
        if (counts && page.count > 0) options.onProgress?.(model, page.first + page.count - 1, counts.new + counts.changed);
        return page;
      }
      case 'deleted.page':
        return toRowsPage(await session!.deletedPage(Number(p['after']), Number(p['limit'])));
      case 'tracked.ack':
        return session!.ack(p['seqs'] as number[]);
      case 'deleted.ack':
        return session!.ackDeleted(p['seqs'] as number[]);
      case 'tracked.seqForKey': {
        const key = (p['key'] as Wire[]).map((v) => (typeof v === 'bigint' ? v.toString() : v));
        const found = await session!.seqsForKeys([key], Boolean(p['deleted']));
        return found.get(keyString(key.map((v) => String(v)))) ?? null;
      }
      case 'cursor.open': {
        const cursor = await store.openCursor(String(p['sql']), p['params'] as never);
        const id = nextCursor++;
        cursors.set(id, cursor);
        return id;
      }
      case 'cursor.next': {
        const id = Number(p['id']);
        const cursor = cursors.get(id);
        if (!cursor) return EMPTY_PAGE;
        const rows = await cursor.next();
        if (!rows) {
          cursors.delete(id);
          return EMPTY_PAGE;
        }
        return encodePage(cursor.columns, cursor.columnTypes, rows, 1);
      }
      case 'sink.rows':
        return sink!.add(p['rows'] as Array<Record<string, Wire>>);
      case 'finish':
        settle(payload as Finish);
        return undefined;
      default:
        throw new Error(`unknown host call ${op}`);
    }
  };
  // The script sees host failures as its own error, at its own position: no file prefix,
  // no echo of the SQL statement.
  const channel = serve(port1, flag, async (op, payload) => {
    try {
      return await handler(op, payload);
    } catch (err) {
      const message = err instanceof ModelError ? err.detail : cleanDuckDBMessage(err instanceof Error ? err.message : String(err));
      const what = STORING[op];
      throw new Error(what ? `storing ${what} failed: ${message}` : message);
    }
  }, ['finish']);
  const worker = startWorker({ port: port2, flag, model: init }, [port2]);
  worker.on('error', (err) => settle({ ok: false, error: `the model's worker crashed: ${err.message}` }));
  worker.on('exit', (code) => settle({ ok: false, error: `the model's worker exited (code ${code}) before finishing` }));

  const trackedResult = (s: TrackedSession) => {
    const counts = s.counts ?? { new: 0, changed: 0, deleted: 0 };
    const failed = counts.new + counts.changed - s.saved + (counts.deleted - s.deletedAcked);
    return { rows: s.saved, details: { ...counts, saved: s.saved, failed: Math.max(0, failed) } };
  };
  try {
    const finish = await finished;
    const failure = channel.failure();
    const error = failure ?? (finish.ok ? undefined : (finish.error ?? 'failed'));
    if (error !== undefined) {
      const err = new ModelError(model.name, model.file, redactor.redact(error));
      // Its acknowledgements are kept: say how far it got.
      if (session?.counts) {
        const r = trackedResult(session);
        throw new ModelRunError(err, r.rows, r.details);
      }
      throw err;
    }
    if (session) return trackedResult(session);
    return { rows: await sink!.finish() };
  } finally {
    for (const c of cursors.values()) c.close();
    port1.close();
    await worker.terminate();
    await session?.close();
    await sink?.discard();
  }
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
function startEarlyDelta(session: TrackedSession, model: Model): EarlyDelta | undefined {
  let calls;
  try {
    calls = scanStarSql(model).tracked;
  } catch {
    return undefined;
  }
  const call = calls[0];
  if (!call || call.params === undefined || calls.some((c) => c.sql !== call.sql)) return undefined;
  const counts = session.computeDelta(call.sql, call.params).catch(() => undefined);
  return { key: deltaKey(call.sql, call.params), counts, settled: counts };
}

/** What the one-way messages store, for their error messages. */
const STORING: Record<string, string> = {
  'tracked.ack': 'acknowledgements',
  'deleted.ack': 'acknowledged deletions',
  'sink.rows': 'saved rows',
};

/**
 * Prefetcher reads the next page of the delta while the script works on the current one, so
 * DuckDB and the conversion of rows overlap with the script's own work.
 */
class Prefetcher {
  readonly #fetch: (after: number, limit: number) => Promise<RowsPage>;
  #ahead: { after: number; limit: number; page: Promise<RowsPage> } | undefined;

  constructor(fetch: (after: number, limit: number) => Promise<RowsPage>) {
    this.#fetch = fetch;
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

  /** idle resolves when no page is being fetched ahead. */
  async idle(): Promise<void> {
    await this.#ahead?.page.catch(() => undefined);
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
