// SerialLane: the main thread's database lane, on which a model's DuckDB work runs one task at
// a time in the order the script asked for it.

/** SerialLane runs tasks one at a time in the order they were queued. */
export class SerialLane {
  #tail: Promise<unknown> = Promise.resolve();

  run<V>(task: () => Promise<V> | V): Promise<V> {
    const next = this.#tail.then(task);
    this.#tail = next.catch(() => undefined);
    return next;
  }

  /** idle resolves when every task queued so far is over. */
  async idle(): Promise<void> {
    let tail;
    do {
      tail = this.#tail;
      await tail;
    } while (tail !== this.#tail);
  }
}
