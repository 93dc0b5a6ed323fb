// overdue tells which scheduled models have missed their schedule, for `ebb status --check`
// (monitors) and the dashboard: a model is overdue when its last successful run is older than
// the schedule's tick before last — one tick may be running late or running now, two may not.
// `every: 15m` has its ticks 15 minutes apart from now backwards; a cron expression has its own.

import { Cron } from 'croner';
import type { Schedule } from '../project/index.js';

/** The time before which a model on `schedule` must have succeeded last, at `now`. */
export function mustHaveSucceededSince(schedule: Schedule, now: Date): Date {
  if (schedule.every) return new Date(now.getTime() - 2 * schedule.every.ms);
  const previous = new Cron(schedule.cron!, { paused: true }).previousRuns(2, now);
  return previous[1] ?? previous[0] ?? now;
}

/** One scheduled model that missed its schedule: when it last succeeded (null: never). */
export interface Overdue {
  readonly model: string;
  readonly lastSuccess: Date | null;
  readonly due: Date;
}

/**
 * overdueModels checks each model of each schedule (`members` resolves a schedule's selectors
 * to model names) against its last success.
 */
export function overdueModels(
  schedules: readonly Schedule[],
  members: (schedule: Schedule) => readonly string[],
  lastSuccess: ReadonlyMap<string, Date>,
  now: Date,
): Overdue[] {
  const out = new Map<string, Overdue>();
  for (const s of schedules) {
    const due = mustHaveSucceededSince(s, now);
    for (const model of members(s)) {
      const last = lastSuccess.get(model) ?? null;
      if (last !== null && last >= due) continue;
      const seen = out.get(model);
      if (seen === undefined || seen.due < due) out.set(model, { model, lastSuccess: last, due });
    }
  }
  return [...out.values()].sort((a, b) => (a.model < b.model ? -1 : 1));
}
