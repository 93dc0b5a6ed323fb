// runStarModel runs a .star model: its script executes in a worker thread, while this side
// (the main thread) owns DuckDB and the network — it answers the script's queries on a serial
// database lane, sends its HTTP requests through the model's Sender on a concurrent lane,
// commits its acknowledgements once the requests they depend on succeeded, records the rows
// whose requests failed, and turns its prints into log lines with secrets redacted. What
// depends on the kind of model (a tracked delta and its acknowledgements, or saved rows) is
// the model's Outlet (./outlet.ts); this file reads as the steps of a run: prepare, serve,
// start the worker, wait for the script (or stop it), settle, report, clean up.

import { MessageChannel, type Worker } from 'node:worker_threads';
import type { EbbCode } from '../error-codes.js';
import { CATALOG_DIR } from '../catalog/catalog.js';
import { catalogSender } from '../catalog/defaults.js';
import { NO_DEBUG } from '../debug.js';
import type { Model } from '../project/index.js';
import {
  initIdempotency,
  Sender,
  SEND_DEFAULTS,
  UndiciTransport,
  type SenderSettings,
  type Transport,
} from '../send/index.js';
import { projectKey, type Store } from '../store/index.js';
import { LATER, newSignal, SerialLane, serve, setAside, type Handlers, type Served } from './channel.js';
import { Cursors } from './cursors.js';
import { pageBuffers } from './delta-pages.js';
import { advice, describeFailure, failureCode } from './failure-advice.js';
import { HostErrors } from './host-errors.js';
import { unpackCall } from './http-call-wire.js';
import { packBareReply, packReply } from './http-reply.js';
import { startWorker } from './model-worker.js';
import type { Outlet, OutletParts } from './outlet.js';
import { OAuthTransport } from './oauth-transport.js';
import { PlainOutlet } from './plain-outlet.js';
import { LANES, type Finish, type ModelInit, type ModelOps } from './protocol.js';
import { AttemptCounter } from './attempt-totals.js';
import { RequestLog } from './request-log.js';
import type { ModelRunOptions } from './run-options.js';
import { modelEnv, Redactor } from './secrets.js';
import { lockModel, sharedBreaker, sharedLimiter } from './shared-run.js';
import { StarModelError, type StarRunResult } from './star-result.js';
import { TrackedOutlet } from './tracked-outlet.js';

export { StarModelError, type StarRunResult } from './star-result.js';

/**
 * senderSettings fills a model's directives with the defaults of the catalog libraries it loads
 * (a library's documented @rate_limit/@concurrency), then with the sender's.
 */
export function senderSettings(model: Model): SenderSettings {
  const d = catalogSender(model.source, model.sender);
  return {
    rateLimit: d.rateLimit ? { count: d.rateLimit.requests, periodMs: d.rateLimit.perMs } : undefined,
    concurrency: d.concurrency ?? SEND_DEFAULTS.concurrency,
    retries: d.retries ?? SEND_DEFAULTS.retries,
    timeoutMs: d.timeoutMs ?? SEND_DEFAULTS.timeoutMs,
  };
}

/** outletFor is where a model's work goes: one Outlet per kind of script. */
function outletFor(parts: OutletParts): Outlet {
  return parts.model.kind === 'tracked' ? new TrackedOutlet(parts) : new PlainOutlet(parts);
}

/**
 * A script that calls http.* or loads a library (which may) is likely to send: undici's Pool
 * (~20 ms of the main thread to load) is loaded at its start rather than at its first request.
 * Others never pay for it.
 */
const SENDS = /\bhttp\.|\bload\(/;

/**
 * ownTransport is a model's own network: one pool per model, its connections the Sender's
 * @concurrency (see UndiciTransport); a script that may send loads undici while its delta is
 * computed (see SENDS).
 */
function ownTransport(model: Model, concurrency: number): UndiciTransport {
  const transport = new UndiciTransport({ connections: concurrency });
  if (SENDS.test(model.source)) transport.prepare();
  return transport;
}

/** How long a stopped script may take to reach its next host call before its worker is ended. */
const STOP_GRACE_MS = 2000;

export async function runStarModel(
  store: Store,
  model: Model,
  runId: string,
  options: ModelRunOptions,
): Promise<StarRunResult> {
  await initIdempotency();
  const idempotencySecret = await projectKey(store);
  const unlock = await lockModel(model, options);
  try {
    const run = new StarRun(store, model, runId, options, idempotencySecret);
    try {
      const finish = await run.execute();
      return await run.outcome(finish);
    } finally {
      await run.close();
    }
  } finally {
    await unlock();
  }
}

/** StarRun is one run of a .star model: what it holds from its start to its cleanup. */
class StarRun {
  readonly #model: Model;
  readonly #options: ModelRunOptions;
  readonly #startedAt = performance.now();
  readonly #init: ModelInit;
  readonly #redactor: Redactor;
  readonly #sender: Sender;
  readonly #requests: RequestLog;
  /** Its attempts' 429s, waits and latencies, for its published progress. */
  readonly #attempts = new AttemptCounter();
  readonly #transport: Transport;
  /** The Sender's transport: the run's, with the script's OAuth grants applied. */
  readonly #oauth: OAuthTransport;
  readonly #lane = new SerialLane();
  readonly #outlet: Outlet;
  readonly #cursors: Cursors;
  /** The host calls that failed, so a script ended by one reports that failure's code. */
  readonly #errors: HostErrors;
  readonly #channel = new MessageChannel();
  readonly #signal = newSignal();
  readonly #finished: Promise<Finish>;
  #settle: (finish: Finish) => void = () => undefined;
  #served: Served | undefined;
  #worker: Worker | undefined;
  #interrupted = false;
  #graceTimer: NodeJS.Timeout | undefined;
  readonly #onAbort = () => this.#stop();

  constructor(
    store: Store,
    model: Model,
    runId: string,
    options: ModelRunOptions,
    idempotencySecret: Uint8Array,
  ) {
    this.#model = model;
    this.#options = options;
    const { env, sources } = modelEnv(options.root, options.env);
    this.#redactor = new Redactor(options.secrets ?? []);
    const settings = senderSettings(model);
    this.#transport = options.transport ?? ownTransport(model, settings.concurrency);
    this.#oauth = new OAuthTransport(this.#transport, (token) => this.#redactor.add(token));
    const limiter = sharedLimiter(model, settings, options);
    const requests = new RequestLog({
      store,
      model: model.name,
      runId,
      redactor: this.#redactor,
      lane: this.#lane,
      keepDays: options.requestLogDays,
      warn: (m) => (options.debug ?? NO_DEBUG).log('star', m),
    });
    this.#requests = requests;
    const onAttempt = options.onAttempt;
    const breakerState = sharedBreaker(options, (text) => this.#redactor.redact(text));
    // Requests waiting to retry are published to the worker, whose bound on unfinished requests
    // leaves them out (http-module.ts).
    this.#sender = new Sender({
      model: model.name,
      idempotencySecret,
      settings,
      transport: this.#oauth,
      onWaiting: (n) => setAside(this.#signal, n),
      onAttempt: (e) => {
        requests.attempt(e);
        this.#attempts.add(e);
        onAttempt?.(model, e);
      },
      onTrip: (trip) => options.onTrip?.(model, trip),
      ...(limiter === undefined ? {} : { limiter }),
      ...(breakerState === undefined ? {} : { breakerState }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    });
    this.#init = {
      name: model.name,
      root: options.root,
      catalog: CATALOG_DIR,
      file: model.file,
      source: model.source,
      kind: model.kind,
      uniqueKey: model.uniqueKey,
      env,
      ...(model.maxSteps !== undefined ? { maxSteps: model.maxSteps } : {}),
      envSources: options.envSources ?? sources,
      http: {
        concurrency: settings.concurrency,
        timeoutMs: settings.timeoutMs,
        keySecret: idempotencySecret,
      },
    };
    this.#outlet = outletFor({
      store,
      model,
      runId,
      redactor: this.#redactor,
      lane: this.#lane,
      sender: this.#sender,
      onFatal: (e) => this.#served?.fail({ ...e, message: this.#redactor.redact(e.message) }),
      shard: options.shard,
    });
    this.#cursors = new Cursors(store);
    this.#errors = new HostErrors(this.#redactor);
    this.#finished = new Promise<Finish>((resolve) => (this.#settle = resolve));
  }

  /**
   * execute serves the script's operations, starts its worker (unless its work is known to be
   * empty) and waits for it to finish or be stopped; then every request ends (or times out)
   * and every held acknowledgement is decided.
   */
  async execute(): Promise<Finish> {
    const model = this.#model;
    this.#options.onProgress?.(model, () => this.#progress());
    const toError = (err: unknown, op: string) => this.#errors.toError(err, op);
    const served = serve(
      this.#channel.port1,
      this.#signal,
      this.#handlers(),
      LANES,
      this.#lane,
      toError,
      pageBuffers,
    );
    this.#served = served;
    if (await this.#outlet.skipsScript()) {
      const debug = this.#options.debug ?? NO_DEBUG;
      debug.log('star', `${model.name}: the delta is empty and the script only loops over it; not started`);
      this.#settle({ ok: true });
    } else {
      this.#worker = startWorker(this.#channel.port2, this.#signal, this.#init, this.#settle);
    }
    const signal = this.#options.signal;
    if (signal?.aborted) this.#stop();
    else signal?.addEventListener('abort', this.#onAbort, { once: true });

    const finish = await this.#finished;
    if (finish.interrupted) this.#interrupted = true;
    if (this.#interrupted) await this.#worker?.terminate().catch(() => undefined);
    await served.idle().catch(() => undefined);
    // Every attempt has ended: the request log is written (on the database lane) while the
    // last acknowledgements are committed (on the acknowledgements' connection), not after:
    // its bodies' decoding and redaction overlap the commit.
    const logged = this.#requests.close();
    await this.#outlet.delivery.drain();
    await logged;
    await this.#lane.idle();
    await this.#outlet.settled();
    return finish;
  }

  /** outcome is the model's result, or the StarModelError of why and where it stopped. */
  async outcome(finish: Finish): Promise<StarRunResult> {
    const outlet = this.#outlet;
    const fail = (message: string, code?: EbbCode) =>
      new StarModelError(this.#model, this.#redactor.redact(message), outlet.partial(), false, code);
    if (this.#interrupted) {
      const message = 'interrupted: no new requests were sent; the rows not acknowledged come back next run';
      throw new StarModelError(this.#model, message, outlet.partial(), true);
    }
    const stop = outlet.delivery.stopped ?? this.#served?.failure();
    if (stop) {
      const what =
        stop.origin === undefined || stop.message.startsWith(stop.origin)
          ? stop.message
          : `${stop.origin}: ${stop.message}`;
      // The breaker's and Retry-After's stops are the model's error, with their own codes.
      throw fail(stop.position === undefined ? what : `${stop.position}: ${what}`, stop.code);
    }
    if (!finish.ok) {
      const error = this.#redactor.redact(finish.error ?? 'failed');
      // The worker names the code of the host call that ended the script, when it knows it.
      throw fail(error, finish.code ?? this.#errors.codeFor(error));
    }
    const lost = finish.unreadFailures ?? [];
    const first = lost[0];
    if (first !== undefined) {
      const failed = outlet.delivery.failure(first.id);
      const what = failed ? `${describeFailure(failed)}; ${advice(failed)}` : `${first.what}: ${first.error}`;
      throw fail(
        `${lost.length} request${lost.length === 1 ? '' : 's'} whose response${lost.length === 1 ? ' was' : 's were'} never read failed, ` +
          `e.g. ${what} (read r.ok or r.status_code to decide, or save.row after the request so a failure is recorded)`,
        failed ? failureCode(failed) : undefined,
      );
    }
    return outlet.complete();
  }

  /** close releases everything the run holds, whatever happened. */
  async close(): Promise<void> {
    clearTimeout(this.#graceTimer);
    this.#options.signal?.removeEventListener('abort', this.#onAbort);
    this.#outlet.delivery.close();
    this.#cursors.close();
    this.#channel.port1.close();
    await this.#worker?.terminate();
    await this.#requests.close();
    await this.#lane.idle();
    await this.#outlet.close();
    if (!this.#options.transport) await this.#transport.close();
  }

  /** The operations the script makes: the outlet's, and those of every script. */
  #handlers(): Handlers<ModelOps> {
    const model = this.#model;
    const redactor = this.#redactor;
    return {
      ...this.#outlet.handlers,
      print: (line) => {
        this.#options.onPrint?.(model, redactor.redact(line));
        return null;
      },
      secret: (value) => {
        redactor.add(value);
        return null;
      },
      oauth: (grant) => {
        this.#oauth.register(grant);
        return null;
      },
      'cursor.open': ({ sql, params }) => this.#cursors.open(sql, params),
      'cursor.next': ({ id }) => this.#cursors.next(id),
      http: (req, id, answer) => {
        const call = unpackCall(req);
        this.#outlet.delivery.submit(id, call, call.unread === true ? packBareReply : packReply, answer);
        return LATER;
      },
      drain: () => {
        this.#outlet.delivery.lastRequestSent();
        return null;
      },
      finish: (f) => {
        this.#settle(f);
        return null;
      },
    };
  }

  #progress() {
    const delivery = this.#outlet.delivery;
    return {
      model: this.#model.name,
      ...this.#outlet.progress(),
      requests: delivery.requestsDone,
      inFlight: this.#sender.inFlight,
      elapsedMs: performance.now() - this.#startedAt,
      http: this.#attempts.totals(),
    };
  }

  /** #stop is Ctrl-C: no new requests, in-flight ones finish, successful acks are committed. */
  #stop(): void {
    this.#interrupted = true;
    this.#sender.stop();
    this.#served?.stop();
    // A script busy in pure computation reaches no host call: end its worker after a grace period.
    this.#graceTimer = setTimeout(() => this.#settle({ ok: false, interrupted: true }), STOP_GRACE_MS);
  }
}
