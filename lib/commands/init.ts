// `ebb init [dir]`: lay out a new project (models/ with an example, state/ ignored by git,
// .env.example); refuses to overwrite one.

import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { errorMessage, FileSystemError, UsageError } from '../errors.js';
import { guarded, type IO } from './io.js';

const EXAMPLE_MODEL = `-- @kind: table
-- An example model: the table example.numbers, built from a SELECT.
-- A model can read files relative to the project root, e.g.
--   SELECT * FROM read_parquet('extracts/*.parquet')
SELECT range AS n, range * range AS square
FROM range(10)
`;

const GITIGNORE = `# ebb's state (the DuckDB database) and secrets stay out of git
state/
.env
`;

const ENV_EXAMPLE = `# Copy to .env and fill in. Values are read by env.get() in .star models and are
# redacted from every log line, error and history entry.
# API_TOKEN=
`;

/** initCommand is \`ebb init [dir]\`: lay out a new project; refuses to overwrite one. */
export function initCommand(options: { cwd: string; dir?: string | undefined }, io: IO): Promise<number> {
  return guarded(io, async () => {
    const dir = resolve(options.cwd, options.dir ?? '.');
    if (existsSync(join(dir, 'models'))) {
      throw new UsageError(`${dir} already holds an ebb project (it has a models/ folder); nothing was changed`);
    }
    try {
      makeDirs(join(dir, 'models', 'example'));
      makeDirs(join(dir, 'state'));
    } catch (err) {
      throw new FileSystemError(`cannot create a project in ${dir}: ${errorMessage(err)}; choose a folder you can write to`, err);
    }
    writeFileSync(join(dir, 'models', 'example', 'numbers.sql'), EXAMPLE_MODEL);
    if (!existsSync(join(dir, '.env.example'))) writeFileSync(join(dir, '.env.example'), ENV_EXAMPLE);
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
        `Next: ${shown === '.' ? '' : `cd ${shown} && `}ebb run\n`,
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
