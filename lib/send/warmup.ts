// The warm-up of an origin under a rate limit (used by sender.ts). With a rate limit, the first
// attempt to an origin goes alone and the others wait for it to end: otherwise each of the first
// few opens a connection of its own, and connection setup delays them into a bunch that reaches
// the destination closer together than their tokens were granted (measured: the first 5 of
// 200/1s within 4 ms, 201 arrivals in one second). After it, requests share the open connection.

import type { Job } from './job.js';

export class Warmup {
  /** Per origin: the first attempt's end (a promise while it runs), true once it ended. */
  readonly #warm = new Map<string, Promise<void> | true>();

  /**
   * Before a request's attempts: the first request to an origin becomes its warm-up (its first
   * attempt's end is signalled through job.warmed); the others get that end to wait for
   * (undefined: nothing to wait for, so the first request does not wait even a microtask).
   */
  before(job: Job): Promise<void> | undefined {
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
    } else if (warm !== true) return warm;
    return undefined;
  }
}

/**
 * warmed lets the requests waiting for the origin's first attempt go, once it ended: not when
 * its request ends, since a request waiting to retry gives its slot up while those waiting here
 * hold theirs — after a 429 on the first attempt, nothing would be left to retry it with.
 */
export function warmed(job: Job): void {
  const end = job.warmed;
  job.warmed = undefined;
  end?.();
}
