// The Sender: everything between "a model issued this request" and "this is how it ended".
// Per model it composes a bounded queue (@concurrency attempts in flight; a request waiting to
// retry gives its slot up, so requests that keep failing do not starve the others, and takes one
// again before it is first in line), the rate limiter (every attempt, retries included, takes
// a token), the retry policy (retry-policy.ts), a circuit breaker per origin, and the
// idempotency-key header. send() never rejects: every failure is a SendOutcome with an error
// code, so the runtime can decide per row what to acknowledge. `tripped` names the first origin
// whose breaker opened (breaker.ts) and its last error: the runtime then stops the model. With a
// coordinator, the breakers' open states are shared with other processes (shared-breaker.ts).
// Its parts live beside it: the options (sender-options.ts), a request's state (job.ts), the
// slots and the retry wait (slots.ts), the origin's warm-up under a rate limit (warmup.ts) and
// the shared breaker's checks (breaker-sharing.ts).

import { setMaxListeners } from 'node:events';
import { CODE } from '../error-codes.js';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { Breakers, unhealthy } from './breaker.js';
import { SEND_DEFAULTS } from './defaults.js';
import type { BreakerTrip, OriginState } from './breaker.js';
import { openElsewhere, sharedTrip } from './breaker-sharing.js';
import {
  RetryAfterTooLongError,
  SendError,
  type SendFailure,
  SendStoppedError,
  statusFailure,
} from './errors.js';
import { idempotencyReady, initIdempotency, needsKey, withKey } from './idempotency.js';
import { headerOf } from './header-lines.js';
import { Job } from './job.js';
import { NEVER_ABORTED } from './never.js';
import { observe } from './observe.js';
import { RateLimiter, type Limiter } from './rate-limiter.js';
import { decideAfterError, decideAfterStatus } from './retry-policy.js';
import type { Decision, RetryLimits } from './retry-policy.js';
import { breakerRule, checkSettings, retryLimits } from './sender-options.js';
import type { AttemptEvent, SenderOptions } from './sender-options.js';
import type { BreakerState } from './shared-breaker.js';
import { SlotPool } from './slots.js';
import type { HttpRequest, HttpResponse, SendOutcome, SenderSettings, Transport } from './types.js';
import { errorMessage, excerpt, failed, failure, resolved, success } from './outcome.js';
import { originOf } from './url.js';
import { Warmup, warmed } from './warmup.js';

export type { AttemptEvent, SenderOptions } from './sender-options.js';

/** A rate-limit token: when it was granted (null: no rate limit) and how long it was waited for. */
interface Token {
  readonly tokenAt: number | null;
  readonly waited: number;
}
const NO_TOKEN: Token = { tokenAt: null, waited: 0 };

/** An attempt made: the request as sent (with its key) and its response or error. */
interface Attempted {
  readonly request: HttpRequest;
  readonly response: HttpResponse | null;
  readonly error: SendError | null;
}

/** A transport's rejection as the SendError it stands for. */
function asSendError(err: unknown): SendError {
  return err instanceof SendError
    ? err
    : new SendError(CODE.EBB_HTTP_NETWORK, errorMessage(err), { cause: err });
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
  /** Aborted by stop(): rate-limit and retry waits end at once. */
  readonly #stop = new AbortController();
  /** The concurrency slots, the queue and the retry wait (slots.ts). */
  readonly #slots: SlotPool;
  /** The first attempt to an origin goes alone, with a rate limit (warmup.ts). */
  readonly #warmup = new Warmup();

  constructor(options: SenderOptions) {
    const s = options.settings;
    checkSettings(s);
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
    this.#limits = retryLimits(options);
    this.#breakerState = options.breakerState ?? null;
    this.#breakers = new Breakers(
      breakerRule(options),
      sharedTrip(this.#breakerState, options.onTrip, (origin) => this.#breakers.state(origin).why),
    );
    this.#maxErrorBodyChars = options.maxErrorBodyChars ?? SEND_DEFAULTS.maxErrorBodyChars;
    this.#random = options.random ?? Math.random;
    this.#onAttempt = options.onAttempt;
    this.#onOutcome = options.onOutcome;
    this.#slots = new SlotPool({
      concurrency: s.concurrency,
      clock: this.#clock,
      signal: this.#stop.signal,
      start: (job) => void this.#run(job),
      refuse: (job) => job.resolve(this.#report(job.request, this.#circuitOpen(job.state, null, 0))),
      onWaiting: options.onWaiting,
    });
    // Every waiting request listens on the stop signal: more than 10 is normal, not a leak.
    setMaxListeners(0, this.#stop.signal);
    void initIdempotency();
  }

  /** Requests started and not yet ended (attempting, or waiting between attempts). */
  get inFlight(): number {
    return this.#slots.inFlight;
  }

  /** Requests waiting for a slot. */
  get queued(): number {
    return this.#slots.queued;
  }

  get stopped(): boolean {
    return this.#slots.stopped;
  }

  /** The first origin whose breaker opened, and the error that opened it; null while none. */
  get tripped(): BreakerTrip | null {
    return this.#breakers.tripped;
  }

  /** Sends one request through queue, limiter and retries. Never rejects. */
  send(request: HttpRequest): Promise<SendOutcome> {
    return new Promise<SendOutcome>((resolve) => this.submit(request, resolve));
  }

  /**
   * submit is send() with a callback, for a caller that would only chain on the promise (the
   * runtime's delivery: a promise and a turn of the microtask queue fewer per request). `done`
   * is called once, at once when the request cannot be sent (a bad URL, stopped, its origin's
   * breaker open).
   */
  submit(request: HttpRequest, done: (outcome: SendOutcome) => void): void {
    let origin: string;
    try {
      origin = originOf(request.url);
    } catch (err) {
      done(this.#report(request, failure(err, null, 0)));
      return;
    }
    if (this.#slots.stopped) {
      done(this.#report(request, failure(new SendStoppedError(request.method, origin), null, 0)));
      return;
    }
    const state = this.#breakers.state(origin);
    if (state.open) {
      done(this.#report(request, this.#circuitOpen(state, null, 0)));
      return;
    }
    const job = new Job(request, state);
    job.resolve = done;
    this.#slots.add(job);
  }

  /** No new attempts: queued requests and those waiting between attempts end with
   *  EBB_SEND_STOPPED; attempts in flight finish (or time out). */
  stop(): void {
    if (this.#slots.stopped) return;
    // The slots first: those waiting for a slot to retry are told they get none (slots.ts).
    const queued = this.#slots.stop();
    this.#stop.abort(new SendError(CODE.EBB_SEND_STOPPED, 'sending was stopped'));
    for (const job of queued) {
      job.resolve(
        this.#report(
          job.request,
          failure(new SendStoppedError(job.request.method, job.state.origin), null, 0),
        ),
      );
    }
    this.#slots.checkIdle();
  }

  /** Resolves when nothing is queued or in flight. */
  idle(): Promise<void> {
    return this.#slots.idle();
  }

  #run(job: Job): void {
    const plain =
      this.#limiter === null && this.#breakerState === null && !this.#slots.stopped && !job.state.open;
    if (plain && !needsKey(job.request)) this.#firstAttempt(job, job.request);
    else if (plain && idempotencyReady())
      this.#firstAttempt(job, withKey(this.#secret, this.model, job.request));
    else this.#continue(job, undefined);
  }

  /**
   * #firstAttempt is the common case's first attempt (no rate limit, no shared breaker): the
   * transport's promise alone, no async function's around it — a seed loop's main thread, its
   * bottleneck, pays every promise and every turn of the microtask queue 100,000 times. A 2xx
   * ends the request there; anything else goes on in #attemptsOf with this attempt's result.
   */
  #firstAttempt(job: Job, request: HttpRequest): void {
    job.attempts++;
    const startedAt = this.#onAttempt === undefined ? 0 : this.#clock.now();
    this.#transport.request(request, NEVER_ABORTED).then(
      (response) => this.#firstEnded(job, request, startedAt, response, null),
      (err: unknown) => this.#firstEnded(job, request, startedAt, null, asSendError(err)),
    );
  }

  #firstEnded(
    job: Job,
    request: HttpRequest,
    startedAt: number,
    response: HttpResponse | null,
    error: SendError | null,
  ): void {
    try {
      this.#attempted(job, request, null, startedAt, 0, response, error);
      if (response !== null && response.status >= 200 && response.status < 300) {
        if (!job.sampled) this.#sample(job, request, response, null);
        this.#finish(job, success(response, job.attempts));
        return;
      }
    } catch (err) {
      this.#finish(job, failure(err, null, job.attempts));
      return;
    }
    this.#continue(job, { request, response, error });
  }

  /** #continue runs the request's attempts (after `first`, when it was made) to its outcome. */
  #continue(job: Job, first: Attempted | undefined): void {
    // Without a rate limit there is no warm-up to wait for: one promise less per request.
    const attempts =
      this.#limiter === null || first !== undefined ? this.#attemptsOf(job, first) : this.#warmAttempts(job);
    attempts.then(
      (outcome) => this.#finish(job, outcome),
      // #attemptsOf turns every expected failure into an outcome; this is a bug, kept as a value.
      (err: unknown) => this.#finish(job, failure(err, null, job.attempts)),
    );
  }

  async #warmAttempts(job: Job): Promise<SendOutcome> {
    const warm = this.#warmup.before(job);
    if (warm !== undefined) await warm;
    try {
      return await this.#attemptsOf(job);
    } finally {
      warmed(job);
    }
  }

  /** The attempts of a request until its outcome; `first` is an attempt already made (#firstAttempt). */
  async #attemptsOf(job: Job, first?: Attempted): Promise<SendOutcome> {
    let request = first?.request ?? job.request;
    if (first === undefined && needsKey(request)) {
      if (!idempotencyReady()) await initIdempotency();
      request = withKey(this.#secret, this.model, request);
    }
    let lastResponse: HttpResponse | null = null;
    let lastError: SendError | null = null;
    let waitBefore = 0;
    let made: Attempted | undefined = first;
    for (;;) {
      if (made === undefined) {
        if (this.#slots.stopped) return this.#stoppedBetweenAttempts(job, lastResponse, lastError);
        if (job.state.open) return this.#circuitOpen(job.state, lastResponse, job.attempts);
        const token = this.#limiter === null ? NO_TOKEN : await this.#token(job, lastResponse, lastError);
        if ('outcome' in token) return token.outcome;
        waitBefore += token.waited;
        if (this.#breakerState !== null) {
          const elsewhere = await openElsewhere(this.#breakers, this.#breakerState, job, lastResponse);
          if (elsewhere !== null) return elsewhere;
        }
        made = await this.#attempt(job, request, token.tokenAt, waitBefore);
      }
      const { response, error } = made;
      made = undefined;
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
          headerOf(response, 'retry-after'),
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
            ? failed(this.#statusFailure(request, job.state.origin, response), response, job.attempts)
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
          if (!(await this.#slots.waitToRetry(job, decision.waitMs))) {
            return this.#stoppedBetweenAttempts(job, response, error);
          }
          waitBefore = this.#clock.now() - t0;
        }
      }
    }
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
  ): Promise<Token | { outcome: SendOutcome }> {
    const limiter = this.#limiter;
    if (limiter === null) return NO_TOKEN;
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
  ): Promise<Attempted> {
    job.attempts++;
    job.waitedMs += waitBefore;
    const startedAt = this.#onAttempt === undefined ? 0 : this.#clock.now();
    let response: HttpResponse | null = null;
    let error: SendError | null = null;
    try {
      response = await this.#transport.request(request, NEVER_ABORTED);
    } catch (err) {
      error = asSendError(err);
    }
    this.#attempted(job, request, tokenAt, startedAt, waitBefore, response, error);
    return { request, response, error };
  }

  /** #attempted counts an attempt's end in the breaker and reports it. */
  #attempted(
    job: Job,
    request: HttpRequest,
    tokenAt: number | null,
    startedAt: number,
    waitBefore: number,
    response: HttpResponse | null,
    error: SendError | null,
  ): void {
    this.#breakers.attempt(job.state, error === null ? null : error.code, error ?? undefined);
    warmed(job);
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
  }

  /** Counts the request's first attempt that was not a free wait in its origin's breaker ratio. */
  #sample(job: Job, request: HttpRequest, response: HttpResponse | null, error: SendError | null): void {
    job.sampled = true;
    const bad = unhealthy(response === null ? null : response.status, error === null ? null : error.code);
    if (bad === null) return;
    const why = !bad
      ? undefined
      : response !== null
        ? new LazyStatusFailure(() => this.#statusFailure(request, job.state.origin, response))
        : { code: error!.code, message: error!.message };
    this.#breakers.sample(job.state, bad, why);
  }

  #finish(job: Job, outcome: SendOutcome): void {
    this.#slots.release(job);
    job.resolve(this.#report(job.request, outcome));
    this.#slots.pump();
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

  #statusFailure(request: HttpRequest, origin: string, response: HttpResponse): SendFailure {
    // Only a redirect's Location is read: a 500's headers are not parsed for it.
    const location =
      response.status >= 300 && response.status < 400 ? headerOf(response, 'location') : undefined;
    return statusFailure(
      request.method,
      origin,
      response.status,
      excerpt(response.body, this.#maxErrorBodyChars),
      location !== undefined ? resolved(location, request.url) : undefined,
    );
  }

  #report(request: HttpRequest, outcome: SendOutcome): SendOutcome {
    const onOutcome = this.#onOutcome;
    if (onOutcome !== undefined) observe(() => onOutcome(request, outcome));
    return outcome;
  }
}

/**
 * A non-2xx first attempt as the breaker samples it: its message (an excerpt of the body, the
 * status's words) is made only when read — when the breaker opens with it. The breaker keeps its
 * origin's latest one and overwrites it with the next: made for each, they were a message per
 * failed row that was never read (~3 µs each on the main thread).
 */
class LazyStatusFailure implements SendFailure {
  readonly code = CODE.EBB_HTTP_STATUS;
  #make: (() => SendFailure) | undefined;
  #message = '';

  constructor(make: () => SendFailure) {
    this.#make = make;
  }

  get message(): string {
    const make = this.#make;
    if (make !== undefined) {
      this.#make = undefined;
      this.#message = make().message;
    }
    return this.#message;
  }
}
