// One request's life in the Sender (sender.ts): its retry state (what retry-policy.ts decides
// from), whether it holds a concurrency slot (slots.ts), whether the breaker has counted it, and
// the resolver of the promise send() returned for it.

import type { OriginState } from './breaker.js';
import type { RetryState } from './retry-policy.js';
import type { HttpRequest, SendOutcome } from './types.js';

/** One request's life in the sender. */
export class Job implements RetryState {
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
