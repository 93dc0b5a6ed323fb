// `ebb init [dir]`: lay out a new project from init-template.ts (an SQL model, a tracked sync
// model with its library, a snapshot test, .env.example, a .gitignore); refuses to overwrite one.

import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { errorMessage, FileSystemError, UsageError } from '../errors.js';
import { GITIGNORE, TEMPLATE } from './init-template.js';
import { guarded, type IO } from './io.js';

/** initCommand is \`ebb init [dir]\`: lay out a new project; refuses to overwrite one. */
export function initCommand(options: { cwd: string; dir?: string | undefined }, io: IO): Promise<number> {
  return guarded(io, async () => {
    const dir = resolve(options.cwd, options.dir ?? '.');
    if (existsSync(join(dir, 'models'))) {
      throw new UsageError(
        `${dir} already holds an ebb project (it has a models/ folder); nothing was changed`,
      );
    }
    try {
      for (const path of Object.keys(TEMPLATE)) makeDirs(dirname(join(dir, path)));
      makeDirs(join(dir, 'state'));
    } catch (err) {
      throw new FileSystemError(
        `cannot create a project in ${dir}: ${errorMessage(err)}; choose a folder you can write to`,
        err,
      );
    }
    for (const [path, text] of Object.entries(TEMPLATE)) {
      if (!existsSync(join(dir, path))) writeFileSync(join(dir, path), text);
    }
    const gi = join(dir, '.gitignore');
    if (existsSync(gi)) {
      const text = readFileSync(gi, 'utf8');
      if (!/^state\/?$/m.test(text)) appendFileSync(gi, (text.endsWith('\n') ? '' : '\n') + GITIGNORE);
    } else {
      writeFileSync(gi, GITIGNORE);
    }
    const shown = relative(options.cwd, dir) || '.';
    const listing = readdirSync(dir).sort().join(', ');
    io.stderr(
      `Created an ebb project in ${shown} (${listing}).\n` +
        `Next: ${shown === '.' ? '' : `cd ${shown} && `}ebb test   (the example sync, offline: no request leaves the process)\n` +
        `      ebb demo-server &   then   ebb run   (syncs to a local demo CRM)\n`,
    );
    return 0;
  });
}

/**
 * makeDirs creates a folder and its missing parents one level at a time. (Node's recursive
 * mkdirSync loops forever on some special file systems, e.g. under /proc.)
 */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = dirname(d)) {
    if (dirname(d) === d) break;
    missing.unshift(d);
  }
  for (const d of missing) mkdirSync(d);
}
