import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { NoProjectError, UsageError } from '../errors.js';

function hasModels(dir: string): boolean {
  const m = join(dir, 'models');
  return existsSync(m) && statSync(m).isDirectory();
}

/**
 * findRoot returns the project root: `explicit` when given (it must hold models/), else the
 * nearest folder at or above `start` that holds a models/ folder.
 */
export function findRoot(start: string, explicit?: string): string {
  if (explicit !== undefined) {
    const dir = resolve(start, explicit);
    if (!hasModels(dir)) throw new UsageError(`--project ${explicit}: ${dir} has no models/ folder`);
    return dir;
  }
  let dir = resolve(start);
  for (;;) {
    if (hasModels(dir)) return dir;
    const up = dirname(dir);
    if (up === dir) throw new NoProjectError(resolve(start));
    dir = up;
  }
}
