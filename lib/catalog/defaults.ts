// The sender settings a model gets from the catalog libraries it loads: a library's header
// declares the directives that fit its API's published limits (`# @rate_limit: 90/10s`,
// `# @concurrency: 8`, read like a model's own), and a model that loads it and sets none of
// them gets them — friendlier than a warning, since the library's author read the API's limits.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDirectives, type SenderSettings } from '../project/index.js';
import { CATALOG_DIR, CATALOG_PREFIX, catalogNames, literalLoads } from './catalog.js';

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
