// Turns at one state file for everything in this process that opens it: the dashboard's page
// reads (read-only opens), its one write ("send rejected rows again") and `ebb serve`'s scheduled
// runs. DuckDB's file lock is per process, so this process's read-only open beside its own
// read-write one is not refused: it reads a file that is being rewritten and fails (`IO Error:
// Could not read enough bytes from file …`), a 500 for the page. So one readers–writer turn per
// file: reads share it; a write waits for the reads in progress and has its turn alone, and a
// read that arrives while a write waits goes after it (a stream of page loads never starves the
// write). A hold (a scheduled run: minutes, not one request) takes the turn alone too, after
// everything accepted before it; from the moment it is asked for until it is released, new reads
// and writes are refused at once rather than queued — the page says the state is busy and shows
// the run's live status instead of waiting for the run.

interface Waiting {
  /** A write or a hold: a turn alone. */
  readonly write: boolean;
  readonly start: () => void;
}

export class StateTurns {
  #readers = 0;
  /** A write or a hold has the turn. */
  #writing = false;
  /** Holds asked for and not yet released. */
  #holds = 0;
  readonly #waiting: Waiting[] = [];

  /** read runs `use` when no write has or waits for its turn; other reads may run beside it. */
  read<T>(use: () => Promise<T>): Promise<T> {
    return this.#take(false, use);
  }

  /** write runs `use` alone: after the reads in progress, before the reads that came after it. */
  write<T>(use: () => Promise<T>): Promise<T> {
    return this.#take(true, use);
  }

  /**
   * hold takes the turn alone until the returned release is called: after the reads and writes
   * in progress or waiting; new ones are refused meanwhile (see refusing).
   */
  async hold(): Promise<() => void> {
    this.#holds++;
    if (this.#waiting.length === 0 && this.#free(true)) this.#enter(true);
    else await new Promise<void>((resolve) => this.#waiting.push({ write: true, start: resolve }));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#holds--;
      this.#writing = false;
      this.#next();
    };
  }

  /** refusing: a hold is asked for or held, so a new read or write is refused (the state is busy). */
  get refusing(): boolean {
    return this.#holds > 0;
  }

  /** idle: nobody has, waits for or holds a turn. */
  get idle(): boolean {
    return this.#readers === 0 && !this.#writing && this.#waiting.length === 0 && this.#holds === 0;
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

function turnsAt(path: string): StateTurns {
  let turns = TURNS.get(path);
  if (turns === undefined) TURNS.set(path, (turns = new StateTurns()));
  return turns;
}

/** An idle entry can go: the map stays as small as the opens and holds in progress. */
function forget(path: string, turns: StateTurns): void {
  if (turns.idle && TURNS.get(path) === turns) TURNS.delete(path);
}

/**
 * withTurn runs `use` in a read or write turn at the state file `path` (of this process); while
 * this process holds the file (holdTurn), `use` does not run and the answer is `{ ok: false }`.
 */
export async function withTurn<T>(
  path: string,
  write: boolean,
  use: () => Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false }> {
  const turns = turnsAt(path);
  if (turns.refusing) return { ok: false };
  try {
    return { ok: true, value: await (write ? turns.write(use) : turns.read(use)) };
  } finally {
    // Nobody holds the turns of a path between a get and its read/write (both synchronous).
    forget(path, turns);
  }
}

/**
 * holdTurn takes the state file `path` for this process alone (ebb serve's scheduled run): it
 * waits for the dashboard's reads and write in progress, refuses new ones until released.
 */
export async function holdTurn(path: string): Promise<() => void> {
  const turns = turnsAt(path);
  const release = await turns.hold();
  return () => {
    release();
    forget(path, turns);
  };
}
