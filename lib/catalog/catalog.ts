// The shipped destination catalog: the Starlark libraries beside this file, loadable from any
// project as `load("@ebb/NAME.star", …)`. The folder is found from this module's own place, so
// the sources (lib/catalog/, run through tsx) and the build (dist/lib/catalog/, where
// scripts/copy-catalog.mjs copies the .star files) both find their libraries. A model's worker
// is given the folder (ModelInit.catalog): in tests it runs a bundle that lives elsewhere.

import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EbbError, RUN_CODES } from '../errors.js';
import { closest } from '../suggest.js';

/** The prefix of a load() that names a catalog library rather than a project file. */
export const CATALOG_PREFIX = '@ebb/';

/** CATALOG_DIR is the folder of the shipped .star libraries. */
export const CATALOG_DIR = dirname(fileURLToPath(import.meta.url));

/** catalogNames lists the shipped libraries (hubspot.star, …), sorted. */
export function catalogNames(dir: string = CATALOG_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.star'))
    .sort();
}

/**
 * catalogPath is the file of `@ebb/NAME.star`, or an EBB_LOAD_MISSING error that lists the
 * catalog and suggests the closest name.
 */
export function catalogPath(module: string, dir: string = CATALOG_DIR): string {
  const name = module.slice(CATALOG_PREFIX.length);
  const names = catalogNames(dir);
  if (names.includes(name)) return join(dir, name);
  const near = closest(name, names) ?? closest(`${name}.star`, names);
  const hint = near === undefined ? '' : `did you mean "${CATALOG_PREFIX}${near}"? `;
  throw new EbbError(
    RUN_CODES.loadMissing,
    `load("${module}"): no such library in ebb's catalog; ${hint}the catalog has ${names.map((n) => CATALOG_PREFIX + n).join(', ')}`,
  );
}

/** A load() with a literal module name in a Starlark source, and its 1-based line. */
export interface LiteralLoad {
  readonly module: string;
  readonly line: number;
}

const LOAD = /^[ \t]*load\(\s*(["'])([^"'\n]+)\1/gm;

/** literalLoads finds the `load("…", …)` statements of a source (loads are top-level statements). */
export function literalLoads(source: string): LiteralLoad[] {
  return [...source.matchAll(LOAD)].map((m) => ({
    module: m[2]!,
    line: source.slice(0, m.index).split('\n').length,
  }));
}
