/**
 * runScriptFileLean is runScriptFile for `ebb star`, whose start decides a short script's time:
 * json and math (and the modules only they use) are imported only when the script can reach
 * them. A file reaches a predeclared name only through that name's token in its source, so a
 * source without the word `json` cannot use json; a script with a load() statement may reach
 * either through the files it loads, which are read later, so it gets both. A name not loaded
 * is still predeclared (bound to None, never read), so that a misspelt name's "did you mean"
 * is the same with or without the module.
 */
import { structBuiltin } from './eval/builtins.js';
import { None, type Value } from './eval/value.js';
import { readScript, runScriptSource, stderrOf, type ScriptIO } from './script-run.js';

/** predeclaredFor is what a script with this source finds predeclared besides the universe. */
export async function predeclaredFor(source: string): Promise<Record<string, Value>> {
  const all = /\bload\b/.test(source);
  const [json, math] = await Promise.all([
    all || /\bjson\b/.test(source) ? import('./lib/json/json.js').then((m) => m.json) : None,
    all || /\bmath\b/.test(source) ? import('./lib/math/math.js').then((m) => m.math) : None,
  ]);
  return { json, math, struct: structBuiltin };
}

/** runScriptFileLean runs a script as runScriptFile does (same names, options and output). */
export async function runScriptFileLean(path: string, io: ScriptIO = {}): Promise<number> {
  const source = readScript(path, stderrOf(io));
  if (source === undefined) return 1;
  return runScriptSource(path, source, await predeclaredFor(source), io);
}
