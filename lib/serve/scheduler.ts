// Scheduler runs the project's schedules for `ebb serve`: each schedule is a selection of models
// run every fixed interval or on a cron expression (croner computes the next time). Runs happen
// one at a time — they share one state file — in the order their ticks came; a selection never
// overlaps itself, and ticks that come while it runs or waits are one pending run, not many (a
// missed tick after a long run runs once). stop() lets the run in progress finish.

import { Cron } from 'croner';
import type { Schedule } from '../project/index.js';

/** What the scheduler runs: one selection, until it ends (it never rejects: failures are its report). */
export type RunSelection = (schedule: Schedule) => Promise<void>;

interface Entry {
  readonly schedule: Schedule;
  readonly cron: Cron | undefined;
  timer: NodeJS.Timeout | undefined;
  /** Queued (waiting for the runs before it) or running. */
  busy: boolean;
  /** A tick came while busy: run once more after. */
  again: boolean;
}

export class Scheduler {
  readonly #entries: Entry[];
  readonly #run: RunSelection;
  readonly #queue: Entry[] = [];
  #current: Promise<void> | undefined;
  #stopped = false;

  constructor(schedules: readonly Schedule[], run: RunSelection) {
    this.#run = run;
    this.#entries = schedules.map((schedule) => ({
      schedule,
      cron: schedule.cron === undefined ? undefined : new Cron(schedule.cron, { paused: true }),
      timer: undefined,
      busy: false,
      again: false,
    }));
  }

  /** start arms every schedule's first tick: the next cron time, or one interval from now. */
  start(): void {
    for (const e of this.#entries) this.#arm(e);
  }

  /** The next tick of each schedule (for status pages). */
  nextTicks(): Array<{ schedule: Schedule; next: Date | undefined }> {
    return this.#entries.map((e) => ({ schedule: e.schedule, next: this.#next(e) }));
  }

  /** stop cancels every timer and pending run, then waits for the run in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const e of this.#entries) clearTimeout(e.timer);
    this.#queue.length = 0;
    await this.#current;
  }

  #next(e: Entry): Date | undefined {
    if (e.cron) return e.cron.nextRun() ?? undefined;
    return new Date(Date.now() + e.schedule.every!.ms);
  }

  #arm(e: Entry): void {
    if (this.#stopped) return;
    const next = this.#next(e);
    if (next === undefined) return;
    // Timers cannot wait longer than 2^31 - 1 ms; a later tick re-arms on the way.
    const wait = Math.min(Math.max(0, next.getTime() - Date.now()), 2 ** 31 - 1);
    e.timer = setTimeout(() => {
      e.timer = undefined;
      if (Date.now() + 5 < next.getTime()) this.#arm(e);
      else this.#tick(e);
    }, wait);
  }

  #tick(e: Entry): void {
    this.#arm(e);
    if (e.busy) {
      e.again = true;
      return;
    }
    e.busy = true;
    this.#queue.push(e);
    this.#drain();
  }

  #drain(): void {
    if (this.#current !== undefined || this.#stopped) return;
    const e = this.#queue.shift();
    if (e === undefined) return;
    this.#current = this.#run(e.schedule)
      .catch(() => undefined)
      .finally(() => {
        this.#current = undefined;
        e.busy = false;
        if (e.again && !this.#stopped) {
          e.again = false;
          e.busy = true;
          this.#queue.push(e);
        }
        this.#drain();
      });
  }
}
