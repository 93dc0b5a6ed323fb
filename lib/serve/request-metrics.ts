// The request-level part of /metrics: what the runs `ebb serve` executes sent, per destination
// origin, fed in-process by each .star model's Sender (every finished attempt, and each breaker
// that opened): attempts by status class, a latency histogram, 429s, the time spent waiting
// before attempts (rate limit, backoff, Retry-After) and whether the origin's breaker is open.

import type { BreakerTrip } from '../send/breaker.js';
import type { AttemptEvent } from '../send/sender.js';
import { family, labels } from './prometheus.js';

/** Upper bounds (seconds) of the latency histogram's buckets. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;

interface Histogram {
  readonly counts: number[]; // one per bucket, not cumulative
  sum: number;
  count: number;
}

export class RequestMetrics {
  readonly #attempts = new Map<string, number>();
  readonly #tooMany = new Map<string, number>();
  readonly #waited = new Map<string, number>();
  readonly #breaker = new Map<string, number>();
  readonly #latency = new Map<string, Histogram>();

  /** attempt counts one finished attempt (the Sender's onAttempt). */
  attempt(e: AttemptEvent): void {
    const origin = e.origin;
    bump(this.#attempts, labels({ origin, class: statusClass(e.status) }));
    if (e.status === 429) bump(this.#tooMany, labels({ origin }));
    if (e.waitedMs > 0) bump(this.#waited, labels({ origin }), e.waitedMs / 1000);
    // An answer from the origin after its breaker opened (a later run): it is closed again.
    if (e.status !== null && e.status < 500 && this.#breaker.get(labels({ origin })) === 1)
      this.#breaker.set(labels({ origin }), 0);
    const h = this.#histogram(origin);
    const s = e.durationMs / 1000;
    const i = LATENCY_BUCKETS.findIndex((b) => s <= b);
    if (i >= 0) h.counts[i]!++;
    h.sum += s;
    h.count++;
  }

  /** trip marks an origin whose breaker opened (the model stopped sending to it). */
  trip(t: BreakerTrip): void {
    this.#breaker.set(labels({ origin: t.origin }), 1);
  }

  render(out: string[]): void {
    family(
      out,
      'ebb_http_requests_total',
      'counter',
      'HTTP attempts of the models, by destination origin and status class (2xx … 5xx, error: no response).',
      this.#attempts,
    );
    family(out, 'ebb_http_429_total', 'counter', 'Attempts answered 429 Too Many Requests.', this.#tooMany);
    family(
      out,
      'ebb_http_wait_seconds_total',
      'counter',
      'Time attempts waited before they were sent (rate limit, backoff, Retry-After).',
      this.#waited,
    );
    family(
      out,
      'ebb_breaker_open',
      'gauge',
      "1 when the origin's circuit breaker opened (0 once it answers again).",
      this.#breaker,
    );
    out.push(
      '# HELP ebb_http_request_duration_seconds Latency of each HTTP attempt.',
      '# TYPE ebb_http_request_duration_seconds histogram',
    );
    for (const [origin, h] of [...this.#latency].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      let cumulative = 0;
      LATENCY_BUCKETS.forEach((b, i) => {
        cumulative += h.counts[i]!;
        out.push(
          `ebb_http_request_duration_seconds_bucket${labels({ origin, le: String(b) })} ${cumulative}`,
        );
      });
      out.push(
        `ebb_http_request_duration_seconds_bucket${labels({ origin, le: '+Inf' })} ${h.count}`,
        `ebb_http_request_duration_seconds_sum${labels({ origin })} ${h.sum}`,
        `ebb_http_request_duration_seconds_count${labels({ origin })} ${h.count}`,
      );
    }
  }

  #histogram(origin: string): Histogram {
    let h = this.#latency.get(origin);
    if (h === undefined) {
      h = { counts: LATENCY_BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.#latency.set(origin, h);
    }
    return h;
  }
}

/** statusClass: 2xx, 3xx, 4xx, 5xx, or error when no response came. */
function statusClass(status: number | null): string {
  return status === null ? 'error' : `${Math.floor(status / 100)}xx`;
}

function bump(m: Map<string, number>, key: string, by = 1): void {
  m.set(key, (m.get(key) ?? 0) + by);
}
