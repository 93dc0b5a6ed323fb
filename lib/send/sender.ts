// The Sender: everything between "a model issued this request" and "this is how it ended".
// Per model it composes a bounded queue (@concurrency attempts in flight; a request waiting to
// retry gives its slot up, so requests that keep failing do not starve the others, and takes one
// again before it is first in line), the rate limiter (every attempt, retries included, takes
// a token), the retry policy (retry-policy.ts), a circuit breaker per origin, and the
// idempotency-key header. send() never rejects: every failure is a SendOutcome with an error
// code, so the runtime can decide per row what to acknowledge. `tripped` names the first origin
// whose breaker opened (breaker.ts) and its last error: the runtime then stops the model. With a
// coordinator, the breakers' open states are shared with other processes (shared-breaker.ts).

import { setMaxListeners } from 'node:events';
import { CODE } from '../error-codes.js';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { COMPACT_HEAD, SEND_DEFAULTS } from './defaults.js';
import { Breakers, ruleProblem, unhealthy } from './breaker.js';
import type { BreakerRule, BreakerTrip, OriginState } from './breaker.js';
import { HttpStatusError, RetryAfterTooLongError, SendError, SendStoppedError } from './errors.js';
import { idempotencyKey, idempotencyReady, initIdempotency } from './idempotency.js';
import { NEVER_ABORTED } from './never.js';
import { observe } from './observe.js';
import { RateLimiter, type Limiter } from './rate-limiter.js';
import { decideAfterError, decideAfterStatus } from './retry-policy.js';
import type { Decision, RetryLimits, RetryState } from './retry-policy.js';
import type { BreakerState, OpenElsewhere } from './shared-breaker.js';
import type { HttpRequest, HttpResponse, SendOutcome, SenderSettings, Transport } from './types.js';
import { errorMessage, excerpt, failure, resolved, success } from './outcome.js';
import { originOf } from './url.js';

/** One finished attempt, for progress lines and tests. */
export interface AttemptEvent {
  readonly request: HttpRequest;
  readonly origin: string;
  readonly attempt: number; // 1-based
  readonly startedAt: number; // clock.now() when the attempt started (after its token)
  readonly tokenAt: number | null; // when the rate limiter granted its token (clock ms); null without @rate_limit
  readonly durationMs: number;
  readonly waitedMs: number; // waited before this attempt: rate limit + backoff / Retry-After
  readonly status: number | null; // null when no response came
  readonly errorCode: string | null; // transport error code, if any
  /** The attempt's answer (the request log keeps its body), or its transport error. */
  readonly response: HttpResponse | null;
  readonly error: SendError | null;
}

export interface SenderOptions {
  readonly model: string;
  /** The project's secret that keys idempotency keys (lib/store/state/project-key.ts). */
  readonly idempotencySecret: Uint8Array;
  readonly settings: SenderSettings;
  readonly transport: Transport;
  readonly breaker?: Partial<BreakerRule>;
  readonly limits?: Partial<Omit<RetryLimits, 'retries'>>;
  readonly maxErrorBodyChars?: number;
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly onAttempt?: (event: AttemptEvent) => void;
  readonly onOutcome?: (request: HttpRequest, outcome: SendOutcome) => void;
  /** Called with the number of requests waiting to retry (without a slot) when it changes. */
  readonly onWaiting?: (waiting: number) => void;
  /** Called once, when the first origin trips. */
  readonly onTrip?: (trip: BreakerTrip) => void;
  /**
   * The rate limit's grants, when they come from a budget shared with other processes (the
   * coordinator): it replaces the model's own RateLimiter. A grant that fails stops the sender.
   */
  readonly limiter?: Limiter;
  /**
   * The breaker's open state shared with other processes (the coordinator, shared-breaker.ts):
   * an origin another process opened is open here too, and one opened here is told to them.
   */
  readonly breakerState?: BreakerState;
}

/** One request's life in the sender. */
class Job implements RetryState {
  failures = 0;
  freeWaits = 0;
  freeWaitedMs = 0;
  attempts = 0;
  waitedMs = 0;
  /** False while it waits to retry without a concurrency slot. */
  holdsSlot = true;
  /** Whether the breaker has counted this request (breaker.ts: its first attempt, free waits aside). */
  sampled = false;
  /** Set while this request's first attempt is the origin's first (#attempts): its end lets the others go. */
  warmed: (() => void) | undefined = undefined;
  resolve!: (outcome: SendOutcome) => void;
  constructor(
    readonly request: HttpRequest,
    readonly state: OriginState,
  ) {}
}

export class Sender {
  readonly model: string;
  readonly settings: SenderSettings;
  readonly #transport: Transport;
  readonly #secret: Uint8Array;
  readonly #limiter: Limiter | null;
  readonly #limits: RetryLimits;
  readonly #breakers: Breakers;
  readonly #breakerState: BreakerState | null;
  readonly #maxErrorBodyChars: number;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #onAttempt: ((event: AttemptEvent) => void) | undefined;
  readonly #onOutcome: ((request: HttpRequest, outcome: SendOutcome) => void) | undefined;
  readonly #onWaiting: ((waiting: number) => void) | undefined;
  /** Aborted by stop(): rate-limit and retry waits end at once. */
  readonly #stop = new AbortController();
  #queue: Job[] = [];
  #head = 0;
  /** Slots held: requests attempting (or waiting for a rate-limit token). */
  #active = 0;
  /** Requests started and not ended: those holding a slot and those waiting to retry. */
  #inFlight = 0;
  /** Requests whose retry wait is over, waiting for a slot: served before new requests. */
  #retrying: ((granted: boolean) => void)[] = [];
  /** Requests between attempts without a slot (waiting for the retry's time, then for a slot). */
  #waiting = 0;
  #stopped = false;
  #idleWaiters: (() => void)[] = [];

  /**
   * With a rate limit, the first attempt to an origin goes alone and the others wait for it to
   * end: otherwise each of the first few opens a connection of its own, and connection setup
   * delays them into a bunch that reaches the destination closer together than their tokens
   * were granted (measured: the first 5 of 200/1s within 4 ms, 201 arrivals in one second).
   * Its end resolves the origin's entry here; after it, requests share the open connection.
   */
  readonly #warm = new Map<string, Promise<void> | true>();

  constructor(options: SenderOptions) {
    const s = options.settings;
    positiveInt('concurrency', s.concurrency, 1);
    positiveInt('retries', s.retries, 0);
    if (!(s.timeoutMs > 0)) throw settingsError(`timeout must be > 0 ms, got ${s.timeoutMs}`);
    this.model = options.model;
    this.settings = s;
    this.#transport = options.transport;
    this.#secret = options.idempotencySecret;
    this.#clock = options.clock ?? systemClock;
    this.#limiter =
      options.limiter ??
      (s.rateLimit === undefined
        ? null
        : new RateLimiter(s.rateLimit.count, s.rateLimit.periodMs, this.#clock));
    this.#limits = {
      retries: s.retries,
      backoffBaseMs: options.limits?.backoffBaseMs ?? SEND_DEFAULTS.backoffBaseMs,
      backoffMaxMs: options.limits?.backoffMaxMs ?? SEND_DEFAULTS.backoffMaxMs,
      retryAfterCapMs: options.limits?.retryAfterCapMs ?? SEND_DEFAULTS.retryAfterCapMs,
      maxRetryAfterWaits: options.limits?.maxRetryAfterWaits ?? SEND_DEFAULTS.maxRetryAfterWaits,
      maxRetryAfterTotalMs: options.limits?.maxRetryAfterTotalMs ?? SEND_DEFAULTS.maxRetryAfterTotalMs,
    };
    const rule: BreakerRule = {
      window: SEND_DEFAULTS.breakerWindow,
      minRequests: SEND_DEFAULTS.breakerMinRequests,
      failureRatio: SEND_DEFAULTS.breakerFailureRatio,
      networkFailures: SEND_DEFAULTS.breakerNetworkFailures,
      ...options.breaker,
    };
    const problem = ruleProblem(rule);
    if (problem !== null) throw settingsError(`breaker: ${problem}`);
    this.#breakerState = options.breakerState ?? null;
    this.#breakers = new Breakers(rule, this.#sharedTrip(options.onTrip));
    this.#maxErrorBodyChars = options.maxErrorBodyChars ?? SEND_DEFAULTS.maxErrorBodyChars;
    this.#random = options.random ?? Math.random;
    this.#onAttempt = options.onAttempt;
    this.#onOutcome = options.onOutcome;
    this.#onWaiting = options.onWaiting;
    // Every waiting request listens on the stop signal: more than 10 is normal, not a leak.
    setMaxListeners(0, this.#stop.signal);
    void initIdempotency();
  }

  /** Requests started and not yet ended (attempting, or waiting between attempts). */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Requests waiting for a slot. */
  get queued(): number {
    return this.#queue.length - this.#head;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** The first origin whose breaker opened, and the error that opened it; null while none. */
  get tripped(): BreakerTrip | null {
    return this.#breakers.tripped;
  }

  /** Sends one request through queue, limiter and retries. Never rejects. */
  send(request: HttpRequest): Promise<SendOutcome> {
    let origin: string;
    try {
      origin = originOf(request.url);
    } catch (err) {
      return Promise.resolve(this.#report(request, failure(err, null, 0)));
    }
    if (this.#stopped) {
      return Promise.resolve(
        this.#report(request, failure(new SendStoppedError(request.method, origin), null, 0)),
      );
    }
    const state = this.#breakers.state(origin);
    if (state.open) return Promise.resolve(this.#report(request, this.#circuitOpen(state, null, 0)));
    const job = new Job(request, state);
    const promise = new Promise<SendOutcome>((resolve) => {
      job.resolve = resolve;
    });
    if (this.#active < this.settings.concurrency) {
      this.#active++;
      this.#inFlight++;
      void this.#run(job);
    } else {
      this.#queue.push(job);
    }
    return promise;
  }

  /** No new attempts: queued requests and those waiting between attempts end with
   *  EBB_SEND_STOPPED; attempts in flight finish (or time out). */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#stop.abort(new SendError(CODE.EBB_SEND_STOPPED, 'sending was stopped'));
    const queue = this.#queue;
    const head = this.#head;
    this.#queue = [];
    this.#head = 0;
    // Those waiting for a slot to retry are told they get none (#waitToRetry).
    const retrying = this.#retrying;
    this.#retrying = [];
    for (const wake of retrying) wake(false);
    for (let i = head; i < queue.length; i++) {
      const job = queue[i]!;
      job.resolve(
        this.#report(
          job.request,
          failure(new SendStoppedError(job.request.method, job.state.origin), null, 0),
        ),
      );
    }
    this.#checkIdle();
  }

  /** Resolves when nothing is queued or in flight. */
  idle(): Promise<void> {
    if (this.#inFlight === 0 && this.queued === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  async #run(job: Job): Promise<void> {
    let outcome: SendOutcome;
    try {
      outcome = await this.#attempts(job);
    } catch (err) {
      // #attempts turns every expected failure into an outcome; this is a bug, kept as a value.
      outcome = failure(err, null, job.attempts);
    }
    this.#finish(job, outcome);
  }

  async #attempts(job: Job): Promise<SendOutcome> {
    if (this.#limiter !== null) {
      const origin = job.state.origin;
      const warm = this.#warm.get(origin);
      if (warm === undefined) {
        this.#warm.set(
          origin,
          new Promise<void>((resolve) => {
            job.warmed = () => {
              this.#warm.set(origin, true);
              resolve();
            };
          }),
        );
      } else if (warm !== true) await warm;
    }
    try {
      return await this.#attemptsOf(job);
    } finally {
      this.#warmed(job);
    }
  }

  /**
   * #warmed lets the requests waiting for the origin's first attempt go, once it ended: not when
   * its request ends, since a request waiting to retry gives its slot up while those waiting here
   * hold theirs — after a 429 on the first attempt, nothing would be left to retry it with.
   */
  #warmed(job: Job): void {
    const warmed = job.warmed;
    job.warmed = undefined;
    warmed?.();
  }

  async #attemptsOf(job: Job): Promise<SendOutcome> {
    let request = job.request;
    if (needsKey(request)) {
      if (!idempotencyReady()) await initIdempotency();
      request = this.#withKey(request);
    }
    let lastResponse: HttpResponse | null = null;
    let lastError: SendError | null = null;
    let waitBefore = 0;
    for (;;) {
      if (this.#stopped) return this.#stoppedBetweenAttempts(job, lastResponse, lastError);
      if (job.state.open) return this.#circuitOpen(job.state, lastResponse, job.attempts);
      const token = await this.#token(job, lastResponse, lastError);
      if ('outcome' in token) return token.outcome;
      waitBefore += token.waited;
      if (this.#breakerState !== null) {
        const elsewhere = await this.#openElsewhere(job, lastResponse);
        if (elsewhere !== null) return elsewhere;
      }
      const { response, error } = await this.#attempt(job, request, token.tokenAt, waitBefore);
      lastResponse = response;
      lastError = error;
      let decision: Decision;
      if (response !== null) {
        if (response.status >= 200 && response.status < 300) {
          if (!job.sampled) this.#sample(job, request, response, null);
          return success(response, job.attempts);
        }
        decision = decideAfterStatus(
          response.status,
          response.headers['retry-after'],
          job,
          this.#limits,
          this.#random,
          this.#clock.wallNow(),
        );
      } else {
        decision = decideAfterError(error!.code, job, this.#limits, this.#random);
      }
      // A free wait (429, 503 with Retry-After) is not the destination failing: the next attempt
      // is the request's sample. A Retry-After beyond the cap opens the breaker itself.
      const free = decision.kind === 'too-long' || (decision.kind === 'retry' && decision.free);
      if (!job.sampled && !free) this.#sample(job, request, response, error);
      switch (decision.kind) {
        case 'done':
        case 'give-up':
          return response !== null
            ? failure(this.#statusError(request, job.state.origin, response), response, job.attempts)
            : failure(error, null, job.attempts);
        case 'too-long': {
          const tooLong = new RetryAfterTooLongError(
            job.state.origin,
            decision.retryAfterMs,
            this.#limits.retryAfterCapMs,
          );
          this.#breakers.open(job.state, tooLong, 'after a Retry-After beyond the cap');
          return failure(tooLong, response, job.attempts);
        }
        case 'retry': {
          const t0 = this.#clock.now();
          if (!(await this.#waitToRetry(job, decision.waitMs))) {
            return this.#stoppedBetweenAttempts(job, response, error);
          }
          waitBefore = this.#clock.now() - t0;
        }
      }
    }
  }

  /**
   * #openElsewhere asks the shared breaker state about the job's origin before an attempt: an
   * origin another process opened opens here (the outcome says who saw it down); a state that
   * cannot be read stops sending with the coordinator's error, as a failed lease does.
   */
  async #openElsewhere(job: Job, lastResponse: HttpResponse | null): Promise<SendOutcome | null> {
    const state = job.state;
    let open: OpenElsewhere | null;
    try {
      const checked = this.#breakerState!.check(state.origin);
      open = checked instanceof Promise ? await checked : checked;
    } catch (err) {
      const error = new SendError(CODE.EBB_COORDINATOR, errorMessage(err));
      this.#breakers.open(
        state,
        error,
        'because the coordinator cannot tell the breaker state of other processes',
      );
      return failure(error, lastResponse, job.attempts);
    }
    if (open === null) return state.open ? this.#circuitOpen(state, lastResponse, job.attempts) : null;
    this.#breakers.open(
      state,
      { code: CODE.EBB_HTTP_CIRCUIT_OPEN, message: open.lastError },
      `because another ebb process (${open.by}) found it down ${open.why}`,
    );
    return this.#circuitOpen(state, lastResponse, job.attempts);
  }

  /**
   * #sharedTrip tells the other processes about an origin this one opened, besides calling the
   * caller's observer. Not an origin learnt from them (EBB_HTTP_CIRCUIT_OPEN) nor one stopped by
   * the coordinator's own failure (EBB_COORDINATOR): neither says anything new about the origin.
   */
  #sharedTrip(onTrip: ((trip: BreakerTrip) => void) | undefined): ((trip: BreakerTrip) => void) | undefined {
    const shared = this.#breakerState;
    if (shared === null) return onTrip;
    return (trip) => {
      const code = trip.error.code;
      if (code !== CODE.EBB_HTTP_CIRCUIT_OPEN && code !== CODE.EBB_COORDINATOR) {
        shared.opened(trip.origin, this.#breakers.state(trip.origin).why, trip.error.message);
      }
      onTrip?.(trip);
    };
  }

  /**
   * #token takes the rate limiter's token for the next attempt: when it was granted and how long
   * it was waited for, or the request's outcome when none can be (stopped, the origin opened
   * while waiting, the coordinator gone).
   */
  async #token(
    job: Job,
    lastResponse: HttpResponse | null,
    lastError: SendError | null,
  ): Promise<{ tokenAt: number | null; waited: number } | { outcome: SendOutcome }> {
    const limiter = this.#limiter;
    if (limiter === null) return { tokenAt: null, waited: 0 };
    if (limiter.tryTake()) return { tokenAt: limiter.lastGrantAt, waited: 0 };
    const t0 = this.#clock.now();
    let tokenAt: number;
    try {
      tokenAt = await limiter.take(this.#stop.signal);
    } catch (err) {
      // A shared budget that cannot grant (the coordinator is gone) stops sending, like an
      // outage: this request fails with the coordinator's error (its code stops the model),
      // later ones find the origin open.
      if (!this.#stop.signal.aborted && err instanceof Error && 'code' in err) {
        const error = new SendError(CODE.EBB_COORDINATOR, err.message);
        this.#breakers.open(job.state, error, 'because the coordinator cannot grant its shared rate limit');
        return { outcome: failure(error, lastResponse, job.attempts) };
      }
      return { outcome: this.#stoppedBetweenAttempts(job, lastResponse, lastError) };
    }
    if (job.state.open) return { outcome: this.#circuitOpen(job.state, lastResponse, job.attempts) };
    return { tokenAt, waited: this.#clock.now() - t0 };
  }

  /** One attempt: the transport's answer or error, counted by the breaker and reported. */
  async #attempt(
    job: Job,
    request: HttpRequest,
    tokenAt: number | null,
    waitBefore: number,
  ): Promise<{ response: HttpResponse | null; error: SendError | null }> {
    job.attempts++;
    job.waitedMs += waitBefore;
    const startedAt = this.#onAttempt === undefined ? 0 : this.#clock.now();
    let response: HttpResponse | null = null;
    let error: SendError | null = null;
    try {
      response = await this.#transport.request(request, NEVER_ABORTED);
    } catch (err) {
      error =
        err instanceof SendError
          ? err
          : new SendError(CODE.EBB_HTTP_NETWORK, errorMessage(err), { cause: err });
    }
    this.#breakers.attempt(job.state, error === null ? null : error.code, error ?? undefined);
    this.#warmed(job);
    const onAttempt = this.#onAttempt;
    if (onAttempt !== undefined) {
      const event: AttemptEvent = {
        request,
        origin: job.state.origin,
        attempt: job.attempts,
        startedAt,
        tokenAt,
        durationMs: this.#clock.now() - startedAt,
        waitedMs: waitBefore,
        status: response === null ? null : response.status,
        errorCode: error === null ? null : error.code,
        response,
        error,
      };
      observe(() => onAttempt(event));
    }
    return { response, error };
  }

  #withKey(request: HttpRequest): HttpRequest {
    return {
      ...request,
      headers: {
        ...request.headers,
        'idempotency-key': idempotencyKey(
          this.#secret,
          this.model,
          request.method,
          request.url,
          request.body,
        ),
      },
    };
  }

  /**
   * Gives the slot up for the retry's wait (ms) and takes one again after it, ahead of requests
   * not yet started; false when stop() cut the wait short (the slot is then not held).
   */
  async #waitToRetry(job: Job, ms: number): Promise<boolean> {
    job.holdsSlot = false;
    this.#active--;
    this.#setWaiting(+1);
    this.#pump();
    try {
      if (ms > 0 && !(await this.#sleep(ms))) return false;
      if (this.#stopped) return false;
      if (this.#active < this.settings.concurrency && this.#retrying.length === 0) {
        this.#active++;
      } else {
        // #pump takes a slot for it (true); stop() wakes it without one (false).
        const granted = await new Promise<boolean>((resolve) => this.#retrying.push(resolve));
        if (!granted) return false;
      }
      job.holdsSlot = true;
      // A stop between the grant and here: the slot is held, and given back by #finish.
      return !this.#stopped;
    } finally {
      this.#setWaiting(-1);
    }
  }

  #setWaiting(delta: number): void {
    this.#waiting += delta;
    const onWaiting = this.#onWaiting;
    const waiting = this.#waiting;
    if (onWaiting !== undefined) observe(() => onWaiting(waiting));
  }

  /** Waits ms; false when stop() cut the wait short. */
  #sleep(ms: number): Promise<boolean> {
    const signal = this.#stop.signal;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const onAbort = (): void => {
        this.#clock.clearTimeout(timer);
        resolve(false);
      };
      const timer = this.#clock.setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Counts the request's first attempt that was not a free wait in its origin's breaker ratio. */
  #sample(job: Job, request: HttpRequest, response: HttpResponse | null, error: SendError | null): void {
    job.sampled = true;
    const bad = unhealthy(response === null ? null : response.status, error === null ? null : error.code);
    if (bad === null) return;
    const why = !bad
      ? undefined
      : response !== null
        ? this.#statusError(request, job.state.origin, response)
        : error!;
    this.#breakers.sample(
      job.state,
      bad,
      why === undefined ? undefined : { code: why.code, message: why.message },
    );
  }

  #finish(job: Job, outcome: SendOutcome): void {
    if (job.holdsSlot) this.#active--;
    this.#inFlight--;
    job.resolve(this.#report(job.request, outcome));
    this.#pump();
  }

  /** Gives free slots to requests waiting to retry, then starts queued requests; those whose
   *  origin opened meanwhile end at once. */
  #pump(): void {
    const concurrency = this.settings.concurrency;
    while (this.#retrying.length > 0 && this.#active < concurrency && !this.#stopped) {
      this.#active++;
      this.#retrying.shift()!(true);
    }
    const queue = this.#queue;
    while (this.#head < queue.length && this.#active < concurrency && !this.#stopped) {
      const next = queue[this.#head]!;
      this.#head++;
      if (next.state.open) {
        next.resolve(this.#report(next.request, this.#circuitOpen(next.state, null, 0)));
      } else {
        this.#active++;
        this.#inFlight++;
        void this.#run(next);
      }
    }
    if (this.#head === queue.length) {
      if (this.#head !== 0) {
        this.#queue = [];
        this.#head = 0;
      }
    } else if (this.#head >= COMPACT_HEAD && this.#head * 2 >= queue.length) {
      this.#queue = queue.slice(this.#head);
      this.#head = 0;
    }
    this.#checkIdle();
  }

  #circuitOpen(state: OriginState, response: HttpResponse | null, attempts: number): SendOutcome {
    return failure(this.#breakers.openError(state), response, attempts);
  }

  #stoppedBetweenAttempts(job: Job, response: HttpResponse | null, error: SendError | null): SendOutcome {
    const r = job.request;
    let message = `${r.method} ${job.state.origin} was not ${job.attempts === 0 ? 'sent' : 'retried'}: sending was stopped`;
    if (response !== null) message += ` (last answer: ${response.status})`;
    else if (error !== null) message += ` (last error: ${error.message})`;
    return failure(new SendError(CODE.EBB_SEND_STOPPED, message), response, job.attempts);
  }

  #statusError(request: HttpRequest, origin: string, response: HttpResponse): HttpStatusError {
    const location = response.headers['location'];
    return new HttpStatusError(
      request.method,
      origin,
      response.status,
      excerpt(response.body, this.#maxErrorBodyChars),
      response.status >= 300 && response.status < 400 && location !== undefined
        ? resolved(location, request.url)
        : undefined,
    );
  }

  #report(request: HttpRequest, outcome: SendOutcome): SendOutcome {
    const onOutcome = this.#onOutcome;
    if (onOutcome !== undefined) observe(() => onOutcome(request, outcome));
    return outcome;
  }

  #checkIdle(): void {
    if (this.#inFlight !== 0 || this.queued !== 0 || this.#idleWaiters.length === 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }
}

/** Every non-GET request carries an idempotency-key, unless the caller set one. */
function needsKey(request: HttpRequest): boolean {
  return request.method !== 'GET' && request.headers['idempotency-key'] === undefined;
}

function positiveInt(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min)
    throw settingsError(`${name} must be a whole number ≥ ${min}, got ${value}`);
}

function settingsError(message: string): SendError {
  return new SendError(CODE.EBB_SEND_SETTINGS, message);
}
