// What commands share around their work: reporting an error (text on stderr, a JSON line with
// --json) with its exit code, and opening the project and its state (waiting for a state
// another process holds). Where they write, the IO, is process-io.ts (re-exported here).

import { debugLog } from '../debug.js';
import { EbbError, errorCode, ProjectError, StateLockedError, UsageError } from '../errors.js';
import { jsonText } from '../json.js';
import type { Context } from '../run/index.js';
import type { Store } from '../store/index.js';
import type { IO } from './process-io.js';

export { processIO, wantsColor, type IO, type Terminal } from './process-io.js';

export interface GlobalOptions {
  readonly cwd: string;
  readonly project?: string | undefined;
  readonly state?: string | undefined;
  readonly json?: boolean | undefined;
  readonly env?: NodeJS.ProcessEnv;
  /** --wait DURATION: how long to wait for a state another ebb process holds. */
  readonly wait?: string | undefined;
  /** The key shard whose state file withProject opens (ebb run --shard I/N); absent: the unsharded state. */
  // Written out, not imported: `ebb star` loads this module and nothing of the engine.
  readonly shard?: { readonly index: number; readonly count: number } | undefined;
  /**
   * The process ends as soon as the command returns (the CLI's `ebb run`): withProject
   * checkpoints the state and closes its connections, and leaves DuckDB's instance — its memory,
   * hundreds of MB after a large run, which it took ~50 ms to free piece by piece — to the exit.
   */
  readonly exiting?: boolean | undefined;
}

/** How long read-only commands wait for a state another process holds, unless --wait says otherwise. */
export const READ_ONLY_WAIT = '5s';
/** How often a held state is tried again while waiting. */
const LOCK_RETRY_MS = 200; // ms

/**
 * reportError prints an error for a person (stderr) and returns the exit code it calls for;
 * with --json it also writes one JSON line on stdout: {"error", "code"} (and "problems").
 */
export function reportError(io: IO, err: unknown, json = false): number {
  if (json) {
    const line: Record<string, unknown> = {
      error: err instanceof Error ? err.message : String(err),
      code: errorCode(err),
    };
    if (err instanceof ProjectError) line['problems'] = err.problems;
    io.stdout(jsonText(line) + '\n');
  }
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
  const detail =
    err instanceof Error
      ? debugLog(process.env, io.stderr).any
        ? (err.stack ?? err.message)
        : err.message
      : String(err);
  io.stderr(`error: ${detail}\n`);
  return 1;
}

/** openWaiting opens the state, trying again while another process holds it, up to `wait`. */
async function openWaiting(open: () => Promise<Store>, wait: string, io: IO): Promise<Store> {
  // Loaded here: `ebb star` imports this file and must not load the project's modules.
  const { parseDuration } = await import('../project/directives.js');
  const ms = parseDuration(wait);
  if (ms === undefined) throw new UsageError(`--wait takes a duration such as 0s, 5s or 2m, not "${wait}"`);
  const deadline = Date.now() + ms;
  let said = false;
  for (;;) {
    try {
      return await open();
    } catch (err) {
      if (!(err instanceof StateLockedError) || Date.now() >= deadline) throw err;
      if (!said) io.stderr(`waiting up to ${wait} for the state: ${err.holder}\n`);
      said = true;
      await new Promise((r) => setTimeout(r, LOCK_RETRY_MS));
    }
  }
}

/** guarded runs a command body and turns any error into a printed message and exit code. */
export async function guarded(io: IO, body: () => Promise<number>, json = false): Promise<number> {
  try {
    return await body();
  } catch (err) {
    return reportError(io, err, json);
  }
}

/** withProject opens the project and its state for a command body, and always closes the state. */
export function withProject(
  options: GlobalOptions,
  io: IO,
  body: (ctx: Context, store: Store) => Promise<number>,
  command?: string,
  whenLocked?: (ctx: Context, err: StateLockedError) => Promise<number>,
): Promise<number> {
  return guarded(
    io,
    async () => {
      // Loaded here, not at the top: every command imports this file, and `ebb star` needs
      // neither the engine nor DuckDB (loading them would cost it ~0.5 s of start-up).
      const [{ openContext, commandShard, checkShardedOpen }, { Store }] = await Promise.all([
        import('../run/index.js'),
        import('../store/index.js'),
      ]);
      // Any command reads one shard's state with EBB_SHARD (ebb sql, history, retry in a shard's pod).
      const shard = commandShard(options.shard, options.env ?? process.env);
      const ctx = openContext({ ...options, shard });
      checkShardedOpen(ctx.statePath, shard);
      for (const w of ctx.project.warnings) io.stderr(`warning: ${w.file}: ${w.message}\n`);
      const open = () =>
        Store.open({
          path: ctx.statePath,
          root: ctx.project.root,
          ...(command === undefined ? {} : { command: `ebb ${command}` }),
          ...(ctx.setup === undefined ? {} : { setup: ctx.setup.steps }),
          debug: debugLog(options.env ?? process.env, io.stderr),
        });
      // A command that only reads waits a little for a run to let go of the state.
      const waitFor = options.wait ?? (command === undefined ? READ_ONLY_WAIT : '0s');
      let store: Store;
      try {
        store = await openWaiting(open, waitFor, io);
      } catch (err) {
        if (err instanceof StateLockedError && whenLocked) return await whenLocked(ctx, err);
        throw err;
      }
      try {
        return await body(ctx, store);
      } finally {
        if (options.exiting === true) await store.closeForExit();
        else store.close();
      }
    },
    options.json === true,
  );
}
