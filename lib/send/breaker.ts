// The circuit breaker, one state per origin: it is about the destination, not about some
// records. Two rules open it:
// - the failure ratio: of the last `window` requests to the origin, at least `minRequests`
//   counted and `failureRatio` of them or more failed their first attempt for a reason that says
//   the destination is not well (network errors, timeouts, 5xx). A 2xx, or a 4xx (an answer
//   about the request), counts as healthy; a 429 or a 503 with Retry-After is waited for and the
//   next attempt counts instead (a request whose free waits run out counts as failed). First
//   attempts, not requests' ends: a retry of a key that keeps failing says nothing new about the
//   destination, and requests that end after their retries come in bursts (they pile up waiting
//   while the others flow, then end together when the flow pauses), which a window over ends
//   reads as an outage. Some keys failing for good while the others go through keep the ratio
//   low: the sync goes on, and those rows are recorded as failures and sent again next run.
// - an outage at the network level: `networkFailures` attempts in a row that got no HTTP answer
//   at all (refused, reset, timed out); any answer resets the count.
// One Retry-After above the cap opens it too (sender.ts). Once open, the origin stays open for
// the rest of the Sender's life: its later sends end at once with EBB_HTTP_CIRCUIT_OPEN and the
// model stops (the next run starts with a closed breaker).

import { CODE, type EbbCode } from '../error-codes.js';
import { CircuitOpenError } from './errors.js';
import { observe } from './observe.js';

export interface BreakerTrip {
  readonly origin: string;
  readonly error: { readonly code: EbbCode; readonly message: string };
}

/** When the breaker opens; SEND_DEFAULTS holds the defaults and why they are what they are. */
export interface BreakerRule {
  /** Ended requests the failure ratio is computed over (the most recent ones). */
  readonly window: number;
  /** Ended requests needed in the window before the ratio can open the breaker. */
  readonly minRequests: number;
  /** Failed share of the window (0–1] that opens the breaker. */
  readonly failureRatio: number;
  /** Attempts in a row without any HTTP answer that open the breaker. */
  readonly networkFailures: number;
}

export interface OriginState {
  readonly origin: string;
  /** The last `window` ended requests: 1 failed, 0 healthy (a ring). */
  readonly recent: Uint8Array;
  /** Where the next ended request goes in `recent`, requests counted (≤ window), failed among them. */
  next: number;
  counted: number;
  failed: number;
  /** Attempts in a row that got no HTTP answer. */
  unanswered: number;
  open: boolean;
  /** Why it opened, completing "stopped sending to ORIGIN …". */
  why: string;
  lastError: { code: EbbCode; message: string } | null;
}

export class Breakers {
  readonly rule: BreakerRule;
  readonly #origins = new Map<string, OriginState>();
  readonly #onTrip: ((trip: BreakerTrip) => void) | undefined;
  #tripped: BreakerTrip | null = null;

  constructor(rule: BreakerRule, onTrip?: (trip: BreakerTrip) => void) {
    this.rule = rule;
    this.#onTrip = onTrip;
  }

  /** The first origin that opened, and the error that opened it. */
  get tripped(): BreakerTrip | null {
    return this.#tripped;
  }

  state(origin: string): OriginState {
    let state = this.#origins.get(origin);
    if (state === undefined) {
      state = {
        origin,
        recent: new Uint8Array(this.rule.window),
        next: 0,
        counted: 0,
        failed: 0,
        unanswered: 0,
        open: false,
        why: '',
        lastError: null,
      };
      this.#origins.set(origin, state);
    }
    return state;
  }

  /** Counts one attempt: `errorCode` null when an HTTP answer came, else the transport error's code. */
  attempt(state: OriginState, errorCode: EbbCode | null, error?: { code: EbbCode; message: string }): void {
    if (state.open) return;
    if (errorCode === null) {
      state.unanswered = 0;
      return;
    }
    if (errorCode !== CODE.EBB_HTTP_NETWORK && errorCode !== CODE.EBB_HTTP_TIMEOUT) return;
    state.unanswered++;
    if (state.unanswered >= this.rule.networkFailures && error !== undefined) {
      this.open(state, error, `after ${state.unanswered} attempts in a row got no answer`);
    }
  }

  /** Counts one request's sample: its first attempt that was not a free wait (sender.ts). */
  sample(state: OriginState, failed: boolean, error: { code: EbbCode; message: string } | undefined): void {
    if (state.open) return;
    const ring = state.recent;
    if (state.counted === ring.length) state.failed -= ring[state.next]!;
    else state.counted++;
    ring[state.next] = failed ? 1 : 0;
    state.next = (state.next + 1) % ring.length;
    if (!failed) return;
    state.failed++;
    if (error !== undefined) state.lastError = error;
    const { minRequests, failureRatio } = this.rule;
    if (state.counted >= minRequests && state.failed >= failureRatio * state.counted) {
      this.open(
        state,
        state.lastError ?? { code: CODE.EBB_HTTP_STATUS, message: 'unknown' },
        `after ${state.failed} of the last ${state.counted} requests failed their first attempt`,
      );
    }
  }

  open(state: OriginState, error: { code: EbbCode; message: string }, why: string): void {
    if (state.open) return;
    state.open = true;
    state.why = why;
    state.lastError = { code: error.code, message: error.message };
    if (this.#tripped === null) {
      this.#tripped = { origin: state.origin, error: state.lastError };
      const onTrip = this.#onTrip;
      const trip = this.#tripped;
      if (onTrip !== undefined) observe(() => onTrip(trip));
    }
  }

  /** The error of a send refused because its origin is open. */
  openError(state: OriginState): CircuitOpenError {
    return new CircuitOpenError(state.origin, state.why, state.lastError?.message ?? 'unknown');
  }
}

/**
 * Whether an attempt says the destination is unwell (true), well (false), or nothing about it
 * (null: a bad URL, a request undici refused, a stopped send). `status` null: no answer came.
 */
export function unhealthy(status: number | null, errorCode: EbbCode | null): boolean | null {
  if (status !== null) return status >= 500 || status === 429;
  return errorCode === CODE.EBB_HTTP_NETWORK || errorCode === CODE.EBB_HTTP_TIMEOUT ? true : null;
}

/** ruleProblem says what is wrong with a rule's numbers, or null. */
export function ruleProblem(rule: BreakerRule): string | null {
  if (!Number.isInteger(rule.window) || rule.window < 1) return `window must be a whole number ≥ 1`;
  if (!Number.isInteger(rule.minRequests) || rule.minRequests < 1 || rule.minRequests > rule.window)
    return `minRequests must be a whole number from 1 to the window (${rule.window})`;
  if (!(rule.failureRatio > 0 && rule.failureRatio <= 1)) return `failureRatio must be in (0, 1]`;
  if (!Number.isInteger(rule.networkFailures) || rule.networkFailures < 1)
    return `networkFailures must be a whole number ≥ 1`;
  return null;
}
