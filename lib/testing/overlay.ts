// buildOverlay makes the folder a test step's SQL reads files from: the project's root with the
// step's files laid over it at the same relative paths, made of symbolic links (nothing is
// copied, and nothing is written into the project or the step).
//
// Why not DuckDB's file_search_path with the step folder first and the project root second:
// DuckDB reads a relative path from EVERY folder of the search path that holds it, so
// `extracts/customers.parquet` would return the step's rows and the project's rows together.
// With the overlay as the single search folder, a model's `read_parquet('extracts/x.parquet')`
// reads the step's file unchanged and its `extracts/*.parquet` sees the step's files in place
// of the project's, beside the project's others.
//
// Top-level entries the step does not touch are linked whole. Under a top-level folder that
// holds a shadowed file every folder is a real folder and every file a link, because DuckDB's
// `**` globs do not descend into linked folders — except under models/, where files are copied
// (they are small), because model discovery takes regular files only. The step runs the
// project loaded from the overlay, so a step can also replace a model, a load()ed library or
// the .env. The project's own .env is left out: a test runs with its own environment
// (test-env.ts), and a step's .env only.

import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { CONTROL_FILES } from './discover.js';

/** stepFiles lists the files of a step folder that shadow project files (relative paths). */
export function stepFiles(stepDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (!(dir === stepDir && CONTROL_FILES.has(entry.name))) out.push(relative(stepDir, path));
    }
  };
  walk(stepDir);
  return out.sort();
}

/** buildOverlay creates `dest` (which must not exist) as the project `root` overlaid with the step's files. */
export function buildOverlay(root: string, stepDir: string, dest: string): string[] {
  const shadowed = stepFiles(stepDir);
  const tops = new Set(shadowed.map((p) => p.split(sep)[0]!));
  mkdirSync(dest, { recursive: true });
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const from = join(root, entry.name);
    if (entry.name === DOTENV) continue;
    if (!tops.has(entry.name)) symlinkSync(from, join(dest, entry.name));
    else if (entry.isDirectory()) mirror(from, join(dest, entry.name), entry.name === MODELS);
  }
  for (const rel of shadowed) {
    const target = join(dest, rel);
    if (existsSync(target) || isLink(target)) rmSync(target, { recursive: true, force: true });
    mkdirSync(dirname(target), { recursive: true });
    place(join(stepDir, rel), target, rel.split(sep)[0] === MODELS);
  }
  return shadowed;
}

const MODELS = 'models';
const DOTENV = '.env';

/** mirror recreates a folder tree with real folders and a link (or a copy) per file. */
function mirror(from: string, to: string, copy: boolean): void {
  mkdirSync(to);
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const src = join(from, entry.name);
    if (entry.isDirectory()) mirror(src, join(to, entry.name), copy);
    else place(src, join(to, entry.name), copy);
  }
}

function place(src: string, dest: string, copy: boolean): void {
  if (copy) copyFileSync(src, dest);
  else symlinkSync(src, dest);
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
