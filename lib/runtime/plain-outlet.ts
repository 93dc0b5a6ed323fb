// PlainOutlet is the Outlet of a script that saves rows (a table, append or merge model): its
// rows go to the row sink, which writes them to the model's table when the script succeeds.
// Its requests acknowledge nothing: a failed request the script never read fails the model
// (the runner's check of unread failures).

import { Delivery, type AckStore } from './delivery.js';
import { refused, type Outlet, type OutletHandlers, type OutletParts } from './outlet.js';
import type { ProgressSnapshot } from './progress.js';
import { RowSink } from './row-sink.js';
import type { StarRunResult } from './star-result.js';

/** The worker sends acks only in a tracked model: here they are refused before they reach delivery. */
const NO_ACKS: AckStore = {
  ack: refused('ack', 'non-tracked'),
  ackDeleted: refused('ack', 'non-tracked'),
  record: refused('ack', 'non-tracked'),
};

export class PlainOutlet implements Outlet {
  readonly delivery: Delivery;
  readonly handlers: OutletHandlers;
  readonly #sink: RowSink;

  constructor(parts: OutletParts) {
    const sink = new RowSink(parts.store, parts.model);
    this.#sink = sink;
    this.delivery = new Delivery({
      sender: parts.sender,
      lane: parts.lane,
      acks: NO_ACKS,
      onFatal: parts.onFatal,
    });
    const kind = 'non-tracked';
    this.handlers = {
      'tracked.open': refused('tracked.open', kind),
      'tracked.page': refused('tracked.page', kind),
      'tracked.values': refused('tracked.values', kind),
      'tracked.rows': refused('tracked.rows', kind),
      'deleted.page': refused('deleted.page', kind),
      'tracked.seqForKey': refused('tracked.seqForKey', kind),
      ack: refused('ack', kind),
      outcome: refused('outcome', kind),
      'sink.rows': ({ rows }) => sink.add(rows),
    };
  }

  /** The script always runs: what it saves is known only when it does. */
  async skipsScript(): Promise<boolean> {
    return false;
  }

  progress(): Pick<ProgressSnapshot, 'done' | 'total' | 'failed'> {
    return { done: this.#sink.count, total: null, failed: this.delivery.failedRequests };
  }

  partial(): StarRunResult {
    return { rows: this.#sink.count };
  }

  /** Nothing to reconcile: no row is recorded before the script succeeds. */
  async settled(): Promise<void> {}

  async complete(): Promise<StarRunResult> {
    return { rows: await this.#sink.finish() };
  }

  async close(): Promise<void> {
    await this.#sink.discard();
  }
}
