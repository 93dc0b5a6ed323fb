// The circuit breaker, one state per origin. It counts requests that ended failed for reasons
// that say the destination is not well (network errors, timeouts, 5xx, 429 after its waits);
// any other answer (2xx, or a 4xx, which is an answer about the request) resets the count.
// After `threshold` such failures in a row to one origin, or one Retry-After above the cap,
// the origin is open for the rest of the Sender's life: its later sends end at once with
// EBB_HTTP_CIRCUIT_OPEN and the model stops (the next run starts with a closed breaker).

import { CircuitOpenError } from './errors.js';
import { observe } from './observe.js';
import type { SendOutcome } from './types.js';

export interface BreakerTrip {
  readonly origin: string;
  readonly error: { readonly code: string; readonly message: string };
}

export interface OriginState {
  readonly origin: string;
  consecutive: number;
  open: boolean;
  /** Why it opened, completing "stopped sending to ORIGIN …". */
  why: string;
  lastError: { code: string; message: string } | null;
}

export class Breakers {
  readonly threshold: number;
  readonly #origins = new Map<string, OriginState>();
  readonly #onTrip: ((trip: BreakerTrip) => void) | undefined;
  #tripped: BreakerTrip | null = null;

  constructor(threshold: number, onTrip?: (trip: BreakerTrip) => void) {
    this.threshold = threshold;
    this.#onTrip = onTrip;
  }

  /** The first origin that opened, and the error that opened it. */
  get tripped(): BreakerTrip | null {
    return this.#tripped;
  }

  state(origin: string): OriginState {
    let state = this.#origins.get(origin);
    if (state === undefined) {
      state = { origin, consecutive: 0, open: false, why: '', lastError: null };
      this.#origins.set(origin, state);
    }
    return state;
  }

  /** Counts one ended request (not one that was stopped or refused by an open breaker). */
  record(state: OriginState, outcome: SendOutcome): void {
    if (state.open) return;
    if (outcome.ok) {
      state.consecutive = 0;
      return;
    }
    const error = outcome.error;
    if (error === undefined) return;
    const status = outcome.status;
    const unhealthy =
      error.code === 'EBB_HTTP_NETWORK' ||
      error.code === 'EBB_HTTP_TIMEOUT' ||
      (error.code === 'EBB_HTTP_STATUS' && status !== null && (status >= 500 || status === 429));
    if (unhealthy) {
      state.consecutive++;
      state.lastError = error;
      if (state.consecutive >= this.threshold) {
        this.open(state, error, `after ${this.threshold} consecutive failed requests`);
      }
    } else if (error.code === 'EBB_HTTP_STATUS') {
      state.consecutive = 0;
    }
  }

  open(state: OriginState, error: { code: string; message: string }, why: string): void {
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
