// Turns at one state file for the dashboard's opens within this process. DuckDB's file lock is
// per process, so this process's read-only open beside its own read-write one (the "send rejected
// rows again" POST) is not refused: it reads a file that is being rewritten and fails
// (`IO Error: Could not read enough bytes from file …`), a 500 for the page. So reads share a
// turn, a write waits for the reads in progress and has its turn alone, and a read that arrives
// while a write waits goes after it (a stream of page loads never starves the write).

interface Waiting {
  readonly write: boolean;
  readonly start: () => void;
}

export class StateTurns {
  #readers = 0;
  #writing = false;
  readonly #waiting: Waiting[] = [];

  /** read runs `use` when no write has or waits for its turn; other reads may run beside it. */
  read<T>(use: () => Promise<T>): Promise<T> {
    return this.#take(false, use);
  }

  /** write runs `use` alone: after the reads in progress, before the reads that came after it. */
  write<T>(use: () => Promise<T>): Promise<T> {
    return this.#take(true, use);
  }

  /** idle: nobody has or waits for a turn. */
  get idle(): boolean {
    return this.#readers === 0 && !this.#writing && this.#waiting.length === 0;
  }

  async #take<T>(write: boolean, use: () => Promise<T>): Promise<T> {
    if (this.#waiting.length === 0 && this.#free(write)) this.#enter(write);
    else await new Promise<void>((resolve) => this.#waiting.push({ write, start: resolve }));
    try {
      return await use();
    } finally {
      if (write) this.#writing = false;
      else this.#readers--;
      this.#next();
    }
  }

  #free(write: boolean): boolean {
    return write ? !this.#writing && this.#readers === 0 : !this.#writing;
  }

  #enter(write: boolean): void {
    if (write) this.#writing = true;
    else this.#readers++;
  }

  /** #next starts the waiting in order: every read up to the first write, or that write alone. */
  #next(): void {
    for (let first = this.#waiting[0]; first && this.#free(first.write); first = this.#waiting[0]) {
      this.#waiting.shift();
      this.#enter(first.write);
      first.start();
      if (first.write) return;
    }
  }
}

const TURNS = new Map<string, StateTurns>();

/** withTurn runs `use` in a read or write turn at the state file `path` (of this process). */
export async function withTurn<T>(path: string, write: boolean, use: () => Promise<T>): Promise<T> {
  let turns = TURNS.get(path);
  if (turns === undefined) TURNS.set(path, (turns = new StateTurns()));
  try {
    return await (write ? turns.write(use) : turns.read(use));
  } finally {
    // Nobody holds the turns of a path between a get and its read/write (both synchronous), so
    // an idle entry can go: the map stays as small as the opens in progress.
    if (turns.idle && TURNS.get(path) === turns) TURNS.delete(path);
  }
}
