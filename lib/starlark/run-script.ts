import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { structBuiltin } from './eval/builtins.js';
import { EvalError } from './eval/errors.js';
import { execFile, type FileOptions } from './eval/exec.js';
import { json } from './lib/json/json.js';
import { math } from './lib/math/math.js';
import { DEFAULT_MAX_STEPS } from './eval/limits.js';
import { Thread } from './eval/thread.js';
import { fileLoader } from './file-loader.js';
import type { Value } from './eval/value.js';
import { ResolveErrors, StarlarkError } from './syntax/position.js';

export interface ScriptIO {
  stdout?: (s: string) => void;
  stderr?: (s: string) => void;
  /** step budget (loop iterations and calls); default DEFAULT_MAX_STEPS, 0 = unlimited */
  maxSteps?: number;
}

/** What a script finds predeclared besides the universe. */
const PREDECLARED: Record<string, Value> = { json, math, struct: structBuiltin };

const OPTIONS: FileOptions = {
  allowRecursion: true,
  allowWhile: true,
  allowSet: true,
  allowGlobalReassign: true,
  allowToplevelControl: true,
};

/**
 * scriptLoader is the load() of `ebb star`: a module name is a path relative to the file that
 * loads it (see fileLoader for running once, freezing and cycles).
 */
function scriptLoader(main: string): (thread: Thread, module: string) => Map<string, Value> {
  const base = dirname(resolve(main));
  return fileLoader({
    main: resolve(main),
    resolve: (module, from) => resolve(dirname(from), module),
    show: (p) => relative(base, p) || p,
    predeclared: PREDECLARED,
    options: OPTIONS,
  });
}

/**
 * runScriptFile executes a standalone script (`ebb star FILE`): universe + json + math + struct,
 * while loops, recursion and top-level reassignment allowed, load() of files relative to the
 * loading file, a step budget (DEFAULT_MAX_STEPS unless io.maxSteps says otherwise). print()
 * goes to stdout; an error goes to stderr with its position and backtrace, and the exit code
 * is 1.
 */
export function runScriptFile(path: string, io: ScriptIO = {}): number {
  const stdout = io.stdout ?? ((s: string) => process.stdout.write(s));
  const stderr = io.stderr ?? ((s: string) => process.stderr.write(s));
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (e) {
    stderr(`${path}: ${(e as Error).message}\n`);
    return 1;
  }
  const thread = new Thread({
    name: 'main',
    print: (_t, msg) => stdout(msg + '\n'),
    load: scriptLoader(path),
    maxSteps: io.maxSteps ?? DEFAULT_MAX_STEPS,
  });
  try {
    execFile(thread, path, source, PREDECLARED, OPTIONS);
    return 0;
  } catch (e) {
    if (e instanceof EvalError) stderr(`${e.message}\n${e.backtrace()}\n`);
    else if (e instanceof ResolveErrors) stderr(e.message + '\n');
    else if (e instanceof StarlarkError) stderr(e.message + '\n');
    else stderr(`internal error: ${String(e)}\n`);
    return 1;
  }
}
