import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { UsageError } from '../errors.js';
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
    mkdirSync(join(dir, 'models', 'example'), { recursive: true });
    mkdirSync(join(dir, 'state'), { recursive: true });
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
