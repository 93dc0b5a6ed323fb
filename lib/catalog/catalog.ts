// The shipped destination catalog: the Starlark libraries beside this file, loadable from any
// project as `load("@ebb/NAME.star", …)`. The folder is found from this module's own place, so
// the sources (lib/catalog/, run through tsx) and the build (dist/lib/catalog/, where
// scripts/copy-catalog.mjs copies the .star files) both find their libraries. A library's
// header may declare the sender directives that fit its API (`# @rate_limit: 90/10s`); a model
// that loads it and sets none gets them (catalogSender).

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EbbError, RUN_CODES } from '../errors.js';
import { parseDirectives, type SenderSettings } from '../project/index.js';
import { closest } from '../suggest.js';

/** The prefix of a load() that names a catalog library rather than a project file. */
export const CATALOG_PREFIX = '@ebb/';

/** CATALOG_DIR is the folder of the shipped .star libraries. */
export const CATALOG_DIR = fileURLToPath(new URL('.', import.meta.url));

/** catalogNames lists the shipped libraries (hubspot.star, …), sorted. */
export function catalogNames(): string[] {
  return readdirSync(CATALOG_DIR)
    .filter((f) => f.endsWith('.star'))
    .sort();
}

/**
 * catalogPath is the file of `@ebb/NAME.star`, or an EBB_LOAD_MISSING error that lists the
 * catalog and suggests the closest name.
 */
export function catalogPath(module: string): string {
  const name = module.slice(CATALOG_PREFIX.length);
  const names = catalogNames();
  if (names.includes(name)) return join(CATALOG_DIR, name);
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

/** The sender directives a catalog library's header declares (absent: none). */
function librarySender(name: string): SenderSettings {
  let source: string;
  try {
    source = readFileSync(join(CATALOG_DIR, name), 'utf8');
  } catch {
    return {};
  }
  return parseDirectives(`${CATALOG_PREFIX}${name}`, 'star', source, []).sender;
}

/**
 * catalogSender is what the catalog libraries a model loads declare for the settings the model
 * leaves unset: of several libraries, the slowest rate and the fewest requests in flight, so
 * that no API sees more than its library allows. Settings the model sets are its own.
 */
export function catalogSender(source: string, own: SenderSettings): SenderSettings {
  const names = literalLoads(source)
    .filter((l) => l.module.startsWith(CATALOG_PREFIX))
    .map((l) => l.module.slice(CATALOG_PREFIX.length))
    .filter((n) => catalogNames().includes(n));
  let rateLimit = own.rateLimit;
  let concurrency = own.concurrency;
  for (const s of names.map(librarySender)) {
    if (own.rateLimit === undefined && s.rateLimit !== undefined) {
      const slower =
        rateLimit === undefined ||
        s.rateLimit.requests / s.rateLimit.perMs < rateLimit.requests / rateLimit.perMs;
      if (slower) rateLimit = s.rateLimit;
    }
    if (own.concurrency === undefined && s.concurrency !== undefined)
      concurrency = Math.min(concurrency ?? s.concurrency, s.concurrency);
  }
  return {
    ...own,
    ...(rateLimit === undefined ? {} : { rateLimit }),
    ...(concurrency === undefined ? {} : { concurrency }),
  };
}
