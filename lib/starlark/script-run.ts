/**
 * The standalone script runner's core (`ebb star FILE`, runScriptFile): one thread with the
 * script's options, load() of files relative to the loading file, a step budget, print() to
 * stdout and an error to stderr as `file:line:col: message` and a backtrace. It takes the
 * predeclared names from its caller, so that a caller that loads json or math only for the
 * scripts that name them (run-script-lean.ts) does not import them here.
 */
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { EvalError } from './eval/errors.js';
import { execFile, type FileOptions } from './eval/exec.js';
import { DEFAULT_MAX_STEPS } from './eval/limits.js';
import { Thread } from './eval/thread.js';
import type { Value } from './eval/value.js';
import { fileLoader } from './file-loader.js';
import { ResolveErrors, StarlarkError } from './syntax/position.js';

export interface ScriptIO {
  stdout?: (s: string) => void;
  stderr?: (s: string) => void;
  /** step budget (loop iterations and calls); default DEFAULT_MAX_STEPS, 0 = unlimited */
  maxSteps?: number;
}

const OPTIONS: FileOptions = {
  allowRecursion: true,
  allowWhile: true,
  allowSet: true,
  allowGlobalReassign: true,
  allowToplevelControl: true,
};

/**
 * scriptLoader is the load() of a script: a module name is a path relative to the file that
 * loads it (see fileLoader for running once, freezing and cycles).
 */
function scriptLoader(
  main: string,
  predeclared: Readonly<Record<string, Value>>,
): (thread: Thread, module: string) => Map<string, Value> {
  const base = dirname(resolve(main));
  return fileLoader({
    main: resolve(main),
    resolve: (module, from) => resolve(dirname(from), module),
    show: (p) => relative(base, p) || p,
    predeclared,
    options: OPTIONS,
  });
}

/** stderrOf is where a script's errors go. */
export function stderrOf(io: ScriptIO): (s: string) => void {
  return io.stderr ?? ((s: string) => process.stderr.write(s));
}

/** readScript reads a script's source, or says why it cannot on stderr and returns undefined. */
export function readScript(path: string, stderr: (s: string) => void): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    stderr(`${path}: ${(e as Error).message}\n`);
    return undefined;
  }
}

/**
 * runScriptSource executes a script's source with these predeclared names besides the universe
 * (they are also what the files it loads see): while loops, recursion and top-level
 * reassignment allowed, a step budget (DEFAULT_MAX_STEPS unless io.maxSteps says otherwise).
 * It returns the exit code: 0, or 1 after printing the error.
 */
export function runScriptSource(
  path: string,
  source: string,
  predeclared: Readonly<Record<string, Value>>,
  io: ScriptIO,
): number {
  const stdout = io.stdout ?? ((s: string) => process.stdout.write(s));
  const stderr = stderrOf(io);
  const thread = new Thread({
    name: 'main',
    print: (_t, msg) => stdout(msg + '\n'),
    load: scriptLoader(path, predeclared),
    maxSteps: io.maxSteps ?? DEFAULT_MAX_STEPS,
  });
  try {
    execFile(thread, path, source, predeclared, OPTIONS);
    return 0;
  } catch (e) {
    if (e instanceof EvalError) stderr(`${e.message}\n${e.backtrace()}\n`);
    else if (e instanceof ResolveErrors) stderr(e.message + '\n');
    else if (e instanceof StarlarkError) stderr(e.message + '\n');
    else stderr(`internal error: ${String(e)}\n`);
    return 1;
  }
}
