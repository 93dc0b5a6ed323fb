import { readFileSync } from 'node:fs';
import { structBuiltin, universe } from './eval/builtins.js';
import { EvalError } from './eval/errors.js';
import { execFile } from './eval/exec.js';
import { json } from './lib/json/json.js';
import { Thread } from './eval/thread.js';
import type { Value } from './eval/value.js';
import { ResolveErrors, StarlarkError } from './syntax/position.js';

export interface ScriptIO {
  stdout?: (s: string) => void;
  stderr?: (s: string) => void;
}

/**
 * runScriptFile executes a standalone script (`ebb star FILE`): universe + json + struct,
 * while loops, recursion and top-level reassignment allowed. print() goes to stdout; an error
 * goes to stderr with its position and backtrace, and the exit code is 1.
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
  });
  const predeclared: Record<string, Value> = { json, struct: structBuiltin };
  void universe;
  try {
    execFile(thread, path, source, predeclared, {
      allowRecursion: true,
      allowWhile: true,
      allowSet: true,
      allowGlobalReassign: true,
      allowToplevelControl: true,
    });
    return 0;
  } catch (e) {
    if (e instanceof EvalError) stderr(`${e.message}\n${e.backtrace()}\n`);
    else if (e instanceof ResolveErrors) stderr(e.message + '\n');
    else if (e instanceof StarlarkError) stderr(e.message + '\n');
    else stderr(`internal error: ${String(e)}\n`);
    return 1;
  }
}
