// AttemptCounter adds up a model's finished HTTP attempts (the Sender's onAttempt) into the
// totals its progress publishes (progress.ts AttemptTotals): constant work per attempt, read by
// the status file about once a second, which turns them into the live page's series over time.

import type { AttemptEvent } from '../send/sender.js';
import type { AttemptTotals } from './progress.js';

export class AttemptCounter implements AttemptTotals {
  attempts = 0;
  tooMany = 0;
  waitedMs = 0;
  latencyMs = 0;

  add(e: AttemptEvent): void {
    this.attempts++;
    if (e.status === 429) this.tooMany++;
    this.waitedMs += e.waitedMs;
    this.latencyMs += e.durationMs;
  }

  totals(): AttemptTotals {
    return {
      attempts: this.attempts,
      tooMany: this.tooMany,
      waitedMs: this.waitedMs,
      latencyMs: this.latencyMs,
    };
  }
}
