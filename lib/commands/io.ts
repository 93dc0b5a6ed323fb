// IO is where a command writes: data to stdout, human text to stderr.

import { EbbError, ProjectError } from '../errors.js';
import { openContext, type Context } from '../run/index.js';
import { Store } from '../store/index.js';

export interface IO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stderr is a terminal (progress bars, prompts). */
  readonly isTTY?: boolean;
  /** Asks a yes/no question on the terminal. */
  readonly confirm?: (question: string) => Promise<boolean>;
}

export const processIO: IO = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  isTTY: process.stderr.isTTY === true && process.stdin.isTTY === true,
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

export interface GlobalOptions {
  readonly cwd: string;
  readonly project?: string | undefined;
  readonly state?: string | undefined;
  readonly json?: boolean | undefined;
  readonly env?: NodeJS.ProcessEnv;
}

/** reportError prints an error for a person and returns the exit code it calls for. */
export function reportError(io: IO, err: unknown): number {
  if (err instanceof ProjectError) {
    const n = err.problems.length;
    io.stderr(`${n} problem${n === 1 ? '' : 's'} in the project:\n`);
    for (const line of err.message.split('\n')) io.stderr(`  ${line}\n`);
    return err.exitCode;
  }
  if (err instanceof EbbError) {
    io.stderr(`error: ${err.message}\n`);
    return err.exitCode;
  }
  const detail = err instanceof Error ? (process.env['EBB_DEBUG'] ? (err.stack ?? err.message) : err.message) : String(err);
  io.stderr(`error: ${detail}\n`);
  return 1;
}

/** guarded runs a command body and turns any error into a printed message and exit code. */
export async function guarded(io: IO, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    return reportError(io, err);
  }
}

/** withProject opens the project and its state for a command body, and always closes the state. */
export function withProject(
  options: GlobalOptions,
  io: IO,
  body: (ctx: Context, store: Store) => Promise<number>,
): Promise<number> {
  return guarded(io, async () => {
    const ctx = openContext(options);
    const store = await Store.open({ path: ctx.statePath, root: ctx.project.root });
    try {
      return await body(ctx, store);
    } finally {
      store.close();
    }
  });
}
