// The process's own IO for commands (stdout, stderr, the terminal), with no import: `ebb star`
// loads this and none of the engine's modules. A closed stdout (`ebb run --json | head -1`) or
// stderr (`ebb run 2>&1 | head -2`) is not an error: writing to it stops, the command goes on
// (a run finishes its models, commits their acknowledgements and records them).

export interface IO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stdin and stderr are a terminal (prompts). */
  readonly isTTY?: boolean;
  /** Present when stderr is a terminal: the live progress line is drawn there. */
  readonly terminal?: Terminal;
  /** Asks a yes/no question on the terminal. */
  readonly confirm?: (question: string) => Promise<boolean>;
  /** Whether the reader of stdout has gone (a closed pipe): commands that only print stop. */
  readonly stdoutClosed?: () => boolean;
}

export interface Terminal {
  /** Its width in columns (80 when the terminal does not say). */
  readonly columns: () => number;
  /** Whether colour is wanted: not when NO_COLOR is set (https://no-color.org) or TERM is dumb. */
  readonly color: boolean;
}

/** wantsColor follows NO_COLOR (any non-empty value turns colour off) and TERM=dumb. */
export function wantsColor(env: NodeJS.ProcessEnv): boolean {
  return !env['NO_COLOR'] && env['TERM'] !== 'dumb';
}

let stdoutGone = false;
let stdoutWatched = false;
let stderrGone = false;

/** closedPipe says whether a stream's error is its reader having gone. */
function closedPipe(err: NodeJS.ErrnoException): boolean {
  return err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED';
}

/** watchStdout turns a closed pipe on stdout (EPIPE) into "stop writing" instead of a crash. */
function watchStdout(): void {
  if (stdoutWatched) return;
  stdoutWatched = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (closedPipe(err)) {
      stdoutGone = true;
      return;
    }
    throw err;
  });
}

// Watched from the start, not on the first write: stderr is also written outside this module
// (debug lines), and an 'error' event without a listener ends the process — a run killed by
// its log's reader going away, with its acknowledgements and history row lost. Past the closed
// pipe there is nowhere left to report to, so later writes are dropped.
process.stderr.on('error', (err: NodeJS.ErrnoException) => {
  if (closedPipe(err)) {
    stderrGone = true;
    return;
  }
  throw err;
});

export const processIO: IO = {
  stdout: (t) => {
    watchStdout();
    if (!stdoutGone) process.stdout.write(t);
  },
  stdoutClosed: () => stdoutGone,
  stderr: (t) => {
    if (!stderrGone) process.stderr.write(t);
  },
  isTTY: process.stderr.isTTY === true && process.stdin.isTTY === true,
  ...(process.stderr.isTTY
    ? { terminal: { columns: () => process.stderr.columns || 80, color: wantsColor(process.env) } }
    : {}),
  confirm: async (question) => {
    const { createInterface } = await import('node:readline/promises');
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return /^y(es)?$/i.test((await rl.question(question)).trim());
    } finally {
      rl.close();
    }
  },
};
