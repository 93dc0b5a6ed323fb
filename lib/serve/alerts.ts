// Alerter decides and sends `ebb serve`'s alerts: each model has a health — ok, failed (the
// model's run failed), rows (it ran, but rows failed or were rejected) or stale (a scheduled
// model without a success for `alerts.stale_after`) — and a message goes out only when that
// health changes: at most one per model per change, so a failure that repeats every 15 minutes
// is one alert, and its end is one "recovered" message. Messages go to a webhook (JSON) and/or a
// Slack incoming webhook, through the catalog's Slack library (@ebb/slack.star's post(), see
// slack-post.ts: one source for the shape of a Slack message); they carry the model, its counts,
// the first error and a link to the dashboard, and pass through `hide` (the project's secrets)
// before they leave. Delivery waits out a 429's Retry-After (alert-delivery.ts).

import { postAlert } from './alert-delivery.js';
import type { ModelReport } from './metrics.js';
import { slackRequest } from './slack-post.js';

export type Health = 'ok' | 'failed' | 'rows' | 'stale';

export interface AlertTargets {
  readonly webhook?: string;
  readonly slack?: string;
  readonly dashboardUrl?: string;
}

export interface AlertMessage {
  readonly text: string;
  readonly model: string;
  readonly health: Health;
  readonly previous: Health;
  readonly counts: Readonly<Record<string, number>>;
  readonly error?: string;
  readonly dashboard?: string;
}

export class Alerter {
  readonly #targets: AlertTargets;
  readonly #hide: (text: string) => string;
  readonly #log: (line: string) => void;
  readonly #health = new Map<string, Health>();
  readonly #pending = new Set<Promise<void>>();

  constructor(targets: AlertTargets, hide: (text: string) => string, log: (line: string) => void) {
    this.#targets = targets;
    this.#hide = hide;
    this.#log = log;
  }

  /** observe takes a model's result; sends a message when its health changed. */
  observe(report: ModelReport): void {
    if (report.status === 'interrupted' || report.status === 'skipped') return;
    const counts: Record<string, number> = {};
    for (const k of ['new', 'changed', 'deleted', 'saved', 'failed', 'rejected', 'unsaved']) {
      const v = report[k];
      if (typeof v === 'number') counts[k] = v;
    }
    const health: Health =
      report.status !== 'ok'
        ? 'failed'
        : (counts['failed'] ?? 0) + (counts['rejected'] ?? 0) > 0
          ? 'rows'
          : 'ok';
    const error = typeof report['error'] === 'string' ? (report['error'] as string) : undefined;
    this.#change(report.model, health, counts, error);
  }

  /** stale marks a scheduled model that has not succeeded for too long (see Scheduler/serve). */
  stale(model: string, sinceMs: number): void {
    if (this.#health.get(model) === 'stale' || this.#health.get(model) === 'failed') return;
    this.#change(model, 'stale', {}, `no successful run for ${Math.round(sinceMs / 60_000)} min`);
  }

  /** settled resolves when every message sent so far has been delivered or given up. */
  async settled(): Promise<void> {
    await Promise.all([...this.#pending]);
  }

  #change(model: string, health: Health, counts: Record<string, number>, error: string | undefined): void {
    const previous = this.#health.get(model) ?? 'ok';
    this.#health.set(model, health);
    if (previous === health) return;
    const message = this.#message(model, health, previous, counts, error);
    const p = this.#send(message).finally(() => this.#pending.delete(p));
    this.#pending.add(p);
  }

  #message(
    model: string,
    health: Health,
    previous: Health,
    counts: Record<string, number>,
    error: string | undefined,
  ): AlertMessage {
    const figures = Object.entries(counts)
      .filter(([, v]) => v > 0)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    const what =
      health === 'ok'
        ? `recovered (was ${previous})`
        : health === 'failed'
          ? 'failed'
          : health === 'rows'
            ? `ran with ${counts['failed'] ?? 0} failed and ${counts['rejected'] ?? 0} rejected rows`
            : 'is stale';
    const dashboard = this.#targets.dashboardUrl;
    const text = this.#hide(
      `ebb: ${model} ${what}${figures ? ` (${figures})` : ''}${error && health !== 'ok' ? `: ${error}` : ''}` +
        (dashboard ? ` — ${dashboard}` : ''),
    );
    return {
      text,
      model,
      health,
      previous,
      counts,
      ...(error && health !== 'ok' ? { error: this.#hide(error) } : {}),
      ...(dashboard ? { dashboard } : {}),
    };
  }

  async #send(message: AlertMessage): Promise<void> {
    const posts: Array<() => { url: string; body: string }> = [];
    const { webhook, slack } = this.#targets;
    if (webhook) posts.push(() => ({ url: webhook, body: JSON.stringify(message) }));
    if (slack) posts.push(() => slackRequest(slack, message.text));
    await Promise.all(
      posts.map(async (request) => {
        let delivery;
        try {
          const { url, body } = request();
          delivery = await postAlert(url, body);
        } catch (err) {
          delivery = { ok: false as const, why: String((err as Error).message) };
        }
        if (!delivery.ok) this.#log(`alert for ${message.model} not delivered: ${this.#hide(delivery.why)}`);
      }),
    );
  }
}
