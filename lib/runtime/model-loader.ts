// load() in models: `load("destinations/crm.star", "upsert")` reads a Starlark library from a
// path relative to the project root. A library sees the same host modules as the model that
// loads it (its `query`, `http`, `save`, `env` are that model's), runs once per model run, and
// its values are frozen. No path may leave the project: absolute paths and `..` that climbs
// above the root are refused with the fix; a cycle of loads is an error naming the chain.
// `load("@ebb/NAME.star", …)` reads a library of ebb's shipped catalog (lib/catalog), shown in
// messages and backtraces by that name.

import { existsSync } from 'node:fs';
import { isAbsolute, join, normalize, sep } from 'node:path';
import { CATALOG_PREFIX, catalogPath } from '../catalog/catalog.js';
import { EbbError, RUN_CODES } from '../errors.js';
import { fileLoader, type FileOptions, type Thread, type Value } from '../starlark/index.js';

export function modelLoader(
  root: string,
  catalog: string,
  modelFile: string,
  predeclared: Readonly<Record<string, Value>>,
  options: FileOptions,
): (thread: Thread, module: string) => Map<string, Value> {
  const resolveModule = (module: string): string => {
    if (module.startsWith(CATALOG_PREFIX)) return catalogPath(module, catalog);
    if (!module.endsWith('.star')) {
      throw new Error(
        `load("${module}"): a library is a .star file, with its path from the project root (e.g. "destinations/crm.star")`,
      );
    }
    const rel = normalize(module);
    if (isAbsolute(module) || rel === '..' || rel.startsWith(`..${sep}`)) {
      throw new Error(
        `load("${module}"): the path leaves the project; give it relative to the project root (e.g. "destinations/crm.star")`,
      );
    }
    const path = join(root, rel);
    if (!existsSync(path)) {
      throw new EbbError(
        RUN_CODES.loadMissing,
        `no such file: ${rel.split(sep).join('/')} (load() paths start at the project root, ${root}); create the file or correct the path`,
      );
    }
    return path;
  };
  const show = (path: string) => {
    // The catalog first: in ebb's own repo (itself a project) it lies under the root.
    if (path.startsWith(catalog + sep)) return CATALOG_PREFIX + path.slice(catalog.length + 1);
    if (path.startsWith(root + sep)) return path.slice(root.length + 1);
    return path;
  };
  return fileLoader({
    main: join(root, modelFile),
    resolve: (module) => resolveModule(module),
    show,
    fileName: show,
    predeclared,
    options,
  });
}
