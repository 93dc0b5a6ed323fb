/**
 * fileLoader makes a Thread's load() hook that loads Starlark files from disk. The host says
 * how a module name becomes a path (relative to the loading file for `ebb star`, to the
 * project root for ebb's models) and which names the loaded files see. Each file runs once,
 * on the loading thread (so the step budget covers it), and its globals are frozen and shared
 * by every file that loads it. A file that loads itself, directly or not, is the error
 * "cycle in load graph: a.star -> b.star -> a.star".
 */
import { readFileSync } from 'node:fs';
import { execFile, type FileOptions } from './eval/exec.js';
import type { Thread } from './eval/thread.js';
import type { Value } from './eval/value.js';

export interface FileLoaderOptions {
  /** The file the thread runs first (the chain of loads starts there). */
  readonly main: string;
  /**
   * resolve turns a module name into a file path, given the path of the file that loads it;
   * it throws an Error with the message to show when the name is not allowed.
   */
  readonly resolve: (module: string, from: string) => string;
  /** How a path is shown in load errors (e.g. relative to the project). */
  readonly show: (path: string) => string;
  /** The file name positions in a loaded file carry (default: its path). */
  readonly fileName?: (path: string) => string;
  /** The names loaded files see besides the universe. */
  readonly predeclared: Readonly<Record<string, Value>>;
  readonly options: FileOptions;
}

export function fileLoader(o: FileLoaderOptions): (thread: Thread, module: string) => Map<string, Value> {
  const done = new Map<string, { globals?: Map<string, Value>; error?: unknown }>();
  const chain: string[] = [o.main];
  return (thread, module) => {
    const path = o.resolve(module, chain[chain.length - 1]!);
    const at = chain.indexOf(path);
    if (at >= 0)
      throw new Error(`cycle in load graph: ${[...chain.slice(at), path].map(o.show).join(' -> ')}`);
    let entry = done.get(path);
    if (entry === undefined) {
      chain.push(path);
      try {
        entry = {
          globals: execFile(
            thread,
            o.fileName ? o.fileName(path) : path,
            readFileSync(path, 'utf8'),
            o.predeclared,
            o.options,
          ),
        };
      } catch (e) {
        const err = e as { code?: string };
        entry = { error: err.code === 'ENOENT' ? new Error(`no such file: ${o.show(path)}`) : e };
      } finally {
        chain.pop();
      }
      done.set(path, entry);
    }
    if (entry.error !== undefined) throw entry.error;
    return entry.globals!;
  };
}
