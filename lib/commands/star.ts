// `ebb star FILE`: run a standalone Starlark file. print() goes to stdout; an error goes to
// stderr as `file:line:col: message` and a backtrace in which a frame repeated many times in a
// row (runaway recursion) is folded, as Python does, instead of filling a screen.

import { runScriptFileLean } from '../starlark/run-script-lean.js';
import type { IO } from './process-io.js';

/** Frames shown before a run of identical frames is folded. */
const SHOWN = 3;

/**
 * starCommand runs the file and returns its exit code. It imports the interpreter's runner
 * directly (not lib/starlark/index.ts, which loads every module of the API) and json and math
 * only for a script that names them: a script that does nothing starts in Node's time plus the
 * interpreter's modules.
 */
export function starCommand(file: string, io: IO): Promise<number> {
  return runScriptFileLean(file, { stdout: io.stdout, stderr: (text) => io.stderr(foldRepeats(text)) });
}

/** foldRepeats keeps the first few of identical consecutive lines and says how many more there were. */
export function foldRepeats(text: string): string {
  const lines = text.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; ) {
    let j = i + 1;
    while (j < lines.length && lines[j] === lines[i]) j++;
    const run = j - i;
    for (let k = 0; k < Math.min(run, SHOWN); k++) out.push(lines[i]!);
    if (run > SHOWN) out.push(`  [Previous line repeated ${run - SHOWN} more times]`);
    i = j;
  }
  return out.join('\n');
}
