// The `http` module of a model's script (worker side): http.get/post/put/patch/delete and
// http.request build a request, hand it to the main thread's HTTP lane and return a lazy
// response at once. The script blocks only when it reads a field of a response, or when it has
// 10 × @concurrency requests unfinished (then until only 2 × @concurrency are left; less far
// with large bodies), not counting up to RETRY_ALLOWANCE × @concurrency requests waiting to retry.
//
// It also keeps what conditional acknowledgements need: the requests issued since the last
// save, whether the script read their responses or not (reading for logging is no decision). A
// save takes them as its dependencies.

import {
  Builtin,
  HostValue,
  None,
  makeDict,
  makeModule,
  makeString,
  str,
  string,
  unpack,
  type Thread,
  type Value,
} from '../starlark/index.js';
import type { Client, Outcome } from './channel.js';
import { CallSite } from './call-site.js';
import { method, NO_ARGS, REQUEST_PARAMS, requestArgs, type RequestArgs } from './http-args.js';
import { decodeJsonBytes } from './http-json.js';
import { buildRequest, type RequestKeying } from './http-request.js';
import { packCall } from './http-call-wire.js';
import { IdMap } from './id-map.js';
import { bodyText, unpackReply, type HttpReply, type HttpWire } from './http-reply.js';
import type { ModelInit, ModelOps } from './protocol.js';

type Reply = HttpReply;

/**
 * Requests waiting to retry that the bound on unfinished requests leaves out, per @concurrency.
 * 8: with 10 % of rows failing and @retries: 1 (a mean backoff of 125 ms) about 0.1 × rows/s ×
 * 0.125 s wait at once — 125 at 10,000 rows/s, under 8 × 16 at the default @concurrency.
 */
export const RETRY_ALLOWANCE = 8;
/**
 * A waiting script goes on once its unfinished requests are down to this many times
 * @concurrency: one @concurrency on the network, three more queued in the Sender to follow at
 * once while the script's thread gets back to work. Two (one queued) starved the slots when
 * rows fail: a retry whose wait ends takes a slot ahead of the queue and leaves the requests set
 * aside, so the unfinished count the script waits on rises without a new request (10 % of rows
 * failing: 0.68× the healthy sink's rows/s, 0.73× with four; the seed loop the same).
 */
export const LOW_DEPTH = 4;
/**
 * How far past that mark the script runs before it waits, per @concurrency: the requests the
 * main thread answers per wake-up of the script. A wake-up (a message, a futex call, a context
 * switch on both threads) cost the main thread ~0.25 ms on an idle machine and 1–1.5 ms at load
 * 10, more than a request's own work: waiting at 2 × @concurrency until @concurrency were left
 * (32 replies a wake-up at @concurrency 32) spent ~2.5 s of a 100k-row seed loop there at load
 * 10, running 8 × @concurrency ahead (256 replies a wake-up) ~0.5 s. 256 is also the most
 * replies the main thread holds back (channel-server.ts HOLD_MAX).
 */
export const RUN_AHEAD = 8;
/**
 * Once its unfinished requests' bodies hold this many bytes, the script runs no further ahead
 * than HEAVY_DEPTH × @concurrency (and waits until @concurrency are left): large bodies (big
 * batches) keep the run-ahead's memory bounded.
 */
const RUN_AHEAD_BYTES = 16 * 1024 * 1024;
/** With such bodies the script waits at this many times @concurrency unfinished requests. */
export const HEAVY_DEPTH = 2;
/**
 * While at most this many requests are in flight the pipeline is starved: a request is posted
 * at once rather than left for the outbox to batch.
 */
const STARVED_INFLIGHT = 4;
/** The start of a body that is not JSON shown in the error: enough to tell an HTML page from an API's error. */
const NOT_JSON_BODY_CHARS = 80;
/** The start of a failed response's body shown in a script's error: a line an API's error message fits in. */
const FAILED_BODY_CHARS = 200;

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Response is what http.* returns: the request is in flight until a field is read. */
export class Response extends HostValue {
  readonly id: number;
  readonly method: string;
  readonly url: string;
  #reply: Reply | undefined;
  #read = false;
  /** A save depends on this request (set when the save takes it). */
  attributed = false;
  /** Where the script issued it (file:line:col). */
  at: string | undefined;
  /** Its body's size, counted in the run-ahead's bytes while it is in flight. */
  bytes = 0;
  readonly #http: HttpModule;

  constructor(http: HttpModule, id: number, method: string, url: string) {
    super();
    this.#http = http;
    this.id = id;
    this.method = method;
    this.url = url;
  }

  type(): string {
    return 'http_response';
  }

  get settled(): boolean {
    return this.#reply !== undefined;
  }
  get read(): boolean {
    return this.#read;
  }
  /** The reply once settled, for outcome functions' records (reading it is not the script's reading). */
  get reply(): Reply | undefined {
    return this.#reply;
  }

  settle(reply: Reply): void {
    this.#reply = reply;
  }

  /**
   * #get waits for the outcome. Reading a field is not a decision about the save that follows
   * (that save still depends on this request's 2xx unless it has an outcome function); it only
   * means the script saw a failure, which then does not fail a model that saved nothing after it.
   */
  #get(): Reply {
    if (!this.#read) {
      this.#read = true;
      this.#http.markRead(this);
    }
    if (this.#reply === undefined) this.#http.waitFor(this);
    return this.#reply!;
  }

  override attr(name: string): Value | undefined {
    switch (name) {
      case 'status_code': {
        const r = this.#get();
        return r.status === null ? None : r.status;
      }
      case 'ok':
        return this.#get().ok;
      case 'headers':
        return makeDict(Object.entries(this.#get().headers).map(([k, v]) => [makeString(k), makeString(v)]));
      case 'text':
        return this.#bytes();
      case 'truncated':
        return this.#get().truncated === true;
      case 'error': {
        const r = this.#get();
        return r.ok || r.error === undefined ? None : makeString(r.error.message);
      }
      case 'url':
        return makeString(this.url);
      case 'method':
        return makeString(this.method);
      case 'json':
        return new Builtin('json', (th, _fn, args, kwargs) => {
          unpack('json', args, kwargs);
          const bytes = this.#bytes();
          if (this.#reply!.truncated === true) throw new Error(this.#truncatedError(bytes.length));
          try {
            return decodeJsonBytes(th, bytes);
          } catch (err) {
            const r = this.#reply!;
            throw new Error(
              `the response of ${this.method} ${this.url} (status ${String(r.status)}) is not JSON: ` +
                `${err instanceof Error ? err.message : String(err)}; body starts ${JSON.stringify(cut(bodyText(r), NOT_JSON_BODY_CHARS))}`,
            );
          }
        });
      case 'raise_for_status':
        return new Builtin('raise_for_status', (_th, _fn, args, kwargs) => {
          unpack('raise_for_status', args, kwargs);
          const r = this.#get();
          if (!r.ok) throw new Error(this.#failure(r));
          return None;
        });
      default:
        return undefined;
    }
  }

  override attrNames(): string[] {
    return [
      'error',
      'headers',
      'json',
      'method',
      'ok',
      'raise_for_status',
      'status_code',
      'text',
      'truncated',
      'url',
    ];
  }

  override repr(): string {
    const r = this.#reply;
    return `<http_response ${this.method} ${this.url}${r ? ` ${r.status === null ? 'no response' : String(r.status)}` : ' in flight'}>`;
  }

  /** #bytes is the body as an interpreter string (its characters are the body's UTF-8 bytes). */
  #bytes(): string {
    const r = this.#get();
    if (r.status === null) throw new Error(this.#failure(r));
    return r.body;
  }

  /** The error of json() on a body the transport cut at its cap (`kept` bytes). */
  #truncatedError(kept: number): string {
    const mib = kept / (1024 * 1024);
    return (
      `the response of ${this.method} ${this.url} is larger than the ${Number.isInteger(mib) ? `${mib} MiB` : `${kept} bytes`} ` +
      `ebb keeps of a response body: it was cut (r.truncated is True) and cannot be decoded as JSON; ask the API for smaller pages`
    );
  }

  #failure(r: Reply): string {
    if (r.status === null)
      return `${this.method} ${this.url} got no response after ${r.attempts} attempt(s): ${r.error?.message ?? 'unknown error'}`;
    const location = r.status >= 300 && r.status < 400 ? r.headers['location'] : undefined;
    const moved = location === undefined ? '' : ` (a redirect to ${location}, not followed)`;
    return `${this.method} ${this.url} answered ${r.status}${moved}: ${cut(bodyText(r), FAILED_BODY_CHARS)}`;
  }
}

/** cut shortens a body for a message; the `…` also lets the redactor find a secret cut short. */
function cut(text: string, chars: number): string {
  return text.length > chars ? `${text.slice(0, chars)}…` : text;
}

/** HttpModule is the worker's side of HTTP for one model run. */
export class HttpModule {
  readonly #client: Client<ModelOps>;
  readonly #init: ModelInit;
  /** Requests whose outcome has not arrived (an IdMap: a churned Map kept responses until a full GC, id-map.ts). */
  readonly #inflight = new IdMap<Response>();
  /** Requests since the last save, read or not: the next save's dependencies. */
  #unsaved: Response[] = [];
  /** Requests that failed, were never read, and that no save depended on. */
  readonly #lost = new Map<number, Response>();
  /** The bytes of the bodies of the requests in flight (the run-ahead's memory). */
  #bodyBytes = 0;

  readonly #site = new CallSite();
  /** The Idempotency-Key's secret and model, when the main thread handed the secret over. */
  readonly #keying: RequestKeying | undefined;
  /** Called at the end of each http.* call: outcome functions whose replies are in run then. */
  afterCall: ((th: Thread) => void) | undefined;
  /** Whether saves wait for their requests' replies to be decided (outcome functions). */
  deciding: (() => boolean) | undefined;

  constructor(client: Client<ModelOps>, init: ModelInit) {
    this.#client = client;
    this.#init = init;
    const secret = init.http.keySecret;
    this.#keying = secret === undefined ? undefined : { secret, model: init.name };
  }

  module(): Value {
    const entries: Record<string, Value> = {};
    for (const m of METHODS) {
      const verb = m.toUpperCase();
      entries[m] = new Builtin(`http.${m}`, (th, fn, args, kwargs) => {
        // The seed loop's call, http.post(url, json=row): nothing to convert (json= takes any
        // value; None is "not given"), so not the general unpacking, once a request.
        const url = args[0];
        if (args.length === 1 && typeof url === 'string' && kwargs.length === 1 && kwargs[0]![0] === 'json') {
          const json = kwargs[0]![1];
          return this.#issue(th, fn.name, verb, str(url), json === None ? NO_ARGS : { ...NO_ARGS, json });
        }
        const [u, ...rest] = unpack(fn.name, args, kwargs, ['url', string], ...REQUEST_PARAMS);
        return this.#issue(th, fn.name, verb, u, requestArgs(rest));
      });
    }
    entries['request'] = new Builtin('http.request', (th, fn, args, kwargs) => {
      const [verb, url, ...rest] = unpack(
        fn.name,
        args,
        kwargs,
        ['method', method],
        ['url', string],
        ...REQUEST_PARAMS,
      );
      return this.#issue(th, fn.name, verb, url, requestArgs(rest));
    });
    return makeModule('http', entries);
  }

  /** takeDeps gives the requests a save depends on and starts a new group. */
  takeDeps(): Response[] {
    const deps = this.#unsaved;
    if (deps.length === 0) return [];
    for (let i = 0; i < deps.length; i++) deps[i]!.attributed = true;
    // A new array, not a cleared one: the save keeps the one it was given.
    this.#unsaved = [];
    return deps;
  }

  markRead(r: Response): void {
    this.#lost.delete(r.id);
  }

  waitFor(r: Response): void {
    this.#client.waitUntil(() => r.settled);
  }

  /**
   * finish waits for every request in flight and returns those that failed unread and that no
   * save depended on (in a tracked model a save's failed dependencies are its failures instead).
   * While saves wait to be decided, it takes the replies @concurrency at a time and runs their
   * outcome functions (afterCall) as they come, rather than all of them once the last is in:
   * the ~10 × @concurrency decisions the script ran ahead of are made while the last requests
   * are on the network, not after them.
   */
  finish(tracked: boolean, th?: Thread): Array<{ id: number; what: string; error: string }> {
    while (this.#inflight.size > 0) {
      const n = this.#inflight.size;
      const step = th !== undefined && this.deciding?.() === true ? this.#init.http.concurrency : n;
      const left = Math.max(0, n - step);
      this.#client.waitUntil(
        () => this.#inflight.size <= left,
        false,
        () => this.#inflight.size - left,
      );
      if (th !== undefined) this.afterCall?.(th);
    }
    const out: Array<{ id: number; what: string; error: string }> = [];
    for (const r of this.#lost.values()) {
      if (tracked && r.attributed) continue;
      out.push({
        id: r.id,
        what: `${r.method} ${r.url}${r.at === undefined ? '' : ` (at ${r.at})`}`,
        error: r.attr('error') === None ? `status ${String(r.attr('status_code'))}` : str(r.attr('error')!),
      });
    }
    return out;
  }

  #issue(th: Thread, fn: string, method: string, url: string, args: RequestArgs): Value {
    // Asked before anything runs: a statement of its own, http.post(…) leaves its response to
    // no one but a save that may ride with it (http-call-wire.ts, `dropped`).
    const dropped = th.resultDropped();
    const call = buildRequest(th, fn, method, url, args, this.#init.http.timeoutMs, this.#keying);
    // The Sender keeps @concurrency requests in flight; the script runs ahead of it, its
    // requests queued there, so a finished request is followed at once by the next without a
    // round trip through this thread. Past RUN_AHEAD × @concurrency more it waits until only
    // LOW_DEPTH × @concurrency are left (not for one only), so it wakes once per many responses.
    // Requests waiting to retry hold no slot in the Sender: counting them here would let rows
    // that keep failing hold back the others all the same (10 % of rows failing: 0.37× the
    // rows/s of a healthy sink, measured). They are left out up to a bound, so an outage
    // cannot pile up requests without end before the breaker opens.
    const limit = this.#init.http.concurrency;
    const aside = RETRY_ALLOWANCE * limit;
    const unfinished = (): number => this.#inflight.size - Math.min(this.#client.aside, aside);
    // Large bodies: as far as the network's queue only, then until @concurrency are left.
    const heavy = this.#bodyBytes >= RUN_AHEAD_BYTES;
    const low = heavy ? limit : LOW_DEPTH * limit;
    if (unfinished() >= (heavy ? HEAVY_DEPTH * limit : (LOW_DEPTH + RUN_AHEAD) * limit))
      this.#client.waitUntil(
        () => unfinished() <= low,
        false,
        () => unfinished() - low,
        true,
      );
    let response!: Response;
    const at = this.#site.of(th);
    // Read before the body moves to the main thread with the message.
    const body = call.body;
    const bytes = body === undefined ? 0 : typeof body === 'string' ? body.length : body.byteLength;
    // A body that owns its whole buffer moves rather than being copied (the script never sees it again).
    const moving =
      body instanceof Uint8Array &&
      body.byteOffset === 0 &&
      body.byteLength === body.buffer.byteLength &&
      body.buffer instanceof ArrayBuffer
        ? body.buffer
        : undefined;
    const id = this.#client.submit(
      'http',
      packCall(call, at, dropped),
      (o: Outcome<HttpWire>) => this.#settle(response, o),
      false,
      moving,
    );
    response = new Response(this, id, method, call.url);
    response.at = at;
    response.bytes = bytes;
    this.#bodyBytes += bytes;
    this.#inflight.set(id, response);
    // Only a tracked model's saves depend on requests; elsewhere a failed unread request fails the model.
    if (this.#init.kind === 'tracked') this.#unsaved.push(response);
    // A starved pipeline wants the request out now; a full one lets the outbox batch.
    if (this.#inflight.size <= STARVED_INFLIGHT) this.#client.postNow();
    this.afterCall?.(th);
    return response;
  }

  #settle(response: Response, o: Outcome<HttpWire>): void {
    this.#inflight.delete(response.id);
    this.#bodyBytes -= response.bytes;
    const reply: Reply = o.ok
      ? unpackReply(o.value)
      : {
          ok: false,
          status: null,
          headers: {},
          body: '',
          attempts: 0,
          error: { code: o.error.code, message: o.error.message },
        };
    response.settle(reply);
    if (!reply.ok && !response.read) this.#lost.set(response.id, response);
  }
}
