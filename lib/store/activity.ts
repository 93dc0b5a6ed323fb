// The statements running on one DuckDB instance's connections (a store and its siblings).
// Closing a connection or the instance while one of its statements runs hangs the process or
// crashes it (node-api): measured, a store closed 50 ms into a CREATE TABLE … AS never let its
// process exit. So a store's close waits for them: the closes asked for meanwhile run, in order,
// once the last statement has ended.

export class Activity {
  #running = 0;
  #closes: Array<() => void> = [];

  /** track counts `work` as running until it settles, and returns it. */
  track<T>(work: Promise<T>): Promise<T> {
    this.#running++;
    // Registered before the caller's own reaction: a caller that awaits `work` resumes after the
    // closes it made due have run.
    const ended = () => {
      if (--this.#running === 0) this.#runCloses();
    };
    work.then(ended, ended);
    return work;
  }

  /** whenIdle runs `close` at once when no statement runs, else once the last one has ended. */
  whenIdle(close: () => void): void {
    if (this.#running === 0) close();
    else this.#closes.push(close);
  }

  #runCloses(): void {
    const closes = this.#closes;
    this.#closes = [];
    for (const close of closes) {
      try {
        close();
      } catch {
        // No caller is left to tell (its close() returned long ago), and the process lets go of
        // the file when it ends: the next close still runs.
      }
    }
  }
}
