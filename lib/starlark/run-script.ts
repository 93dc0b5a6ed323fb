/**
 * runScriptFile, the standalone runner as a library call (tests, the benchmark's runner):
 * the script sees the universe, json, math and struct, all loaded with this module. `ebb star`
 * uses run-script-lean.ts instead, which loads json and math only for a script that names them.
 */
import { structBuiltin } from './eval/builtins.js';
import type { Value } from './eval/value.js';
import { json } from './lib/json/json.js';
import { math } from './lib/math/math.js';
import { readScript, runScriptSource, stderrOf, type ScriptIO } from './script-run.js';

export type { ScriptIO };

/** What a script finds predeclared besides the universe. */
const PREDECLARED: Record<string, Value> = { json, math, struct: structBuiltin };

/**
 * runScriptFile executes a standalone script (`ebb star FILE`): universe + json + math + struct,
 * while loops, recursion and top-level reassignment allowed, load() of files relative to the
 * loading file, a step budget (DEFAULT_MAX_STEPS unless io.maxSteps says otherwise). print()
 * goes to stdout; an error goes to stderr with its position and backtrace, and the exit code
 * is 1.
 */
export function runScriptFile(path: string, io: ScriptIO = {}): number {
  const source = readScript(path, stderrOf(io));
  return source === undefined ? 1 : runScriptSource(path, source, PREDECLARED, io);
}
