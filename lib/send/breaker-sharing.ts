// How a Sender's breakers (breaker.ts) take part in the breaker state shared with other
// processes through the coordinator (shared-breaker.ts): before an attempt, an origin another
// process opened opens here too (openElsewhere); when an origin opens here, the others are told
// (sharedTrip). A shared state that cannot be read stops sending with the coordinator's error,
// as a failed lease of the shared rate limit does.

import { CODE } from '../error-codes.js';
import type { BreakerTrip, Breakers } from './breaker.js';
import { SendError } from './errors.js';
import type { Job } from './job.js';
import { errorMessage, failure } from './outcome.js';
import type { BreakerState, OpenElsewhere } from './shared-breaker.js';
import type { HttpResponse, SendOutcome } from './types.js';

/**
 * openElsewhere asks the shared breaker state about the job's origin before an attempt: an
 * origin another process opened opens here (the outcome says who saw it down); a state that
 * cannot be read stops sending with the coordinator's error, as a failed lease does.
 */
export async function openElsewhere(
  breakers: Breakers,
  shared: BreakerState,
  job: Job,
  lastResponse: HttpResponse | null,
): Promise<SendOutcome | null> {
  const state = job.state;
  let open: OpenElsewhere | null;
  try {
    const checked = shared.check(state.origin);
    open = checked instanceof Promise ? await checked : checked;
  } catch (err) {
    const error = new SendError(CODE.EBB_COORDINATOR, errorMessage(err));
    breakers.open(state, error, 'because the coordinator cannot tell the breaker state of other processes');
    return failure(error, lastResponse, job.attempts);
  }
  if (open === null) {
    return state.open ? failure(breakers.openError(state), lastResponse, job.attempts) : null;
  }
  breakers.open(
    state,
    { code: CODE.EBB_HTTP_CIRCUIT_OPEN, message: open.lastError },
    `because another ebb process (${open.by}) found it down ${open.why}`,
  );
  return failure(breakers.openError(state), lastResponse, job.attempts);
}

/**
 * sharedTrip tells the other processes about an origin this one opened, besides calling the
 * caller's observer. Not an origin learnt from them (EBB_HTTP_CIRCUIT_OPEN) nor one stopped by
 * the coordinator's own failure (EBB_COORDINATOR): neither says anything new about the origin.
 * `why` gives the reason the origin's breaker opened (its OriginState's why).
 */
export function sharedTrip(
  shared: BreakerState | null,
  onTrip: ((trip: BreakerTrip) => void) | undefined,
  why: (origin: string) => string,
): ((trip: BreakerTrip) => void) | undefined {
  if (shared === null) return onTrip;
  return (trip) => {
    const code = trip.error.code;
    if (code !== CODE.EBB_HTTP_CIRCUIT_OPEN && code !== CODE.EBB_COORDINATOR) {
      shared.opened(trip.origin, why(trip.origin), trip.error.message);
    }
    onTrip?.(trip);
  };
}
