// Copies the shipped destination catalog (lib/catalog/*.star) next to the compiled output
// (dist/lib/catalog/), where lib/catalog/catalog.ts looks for it once built: tsc compiles only
// TypeScript, and the installed package carries dist/lib/ alone. Run by `npm run build`.

import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const from = join(repo, 'lib', 'catalog');
const to = join(repo, 'dist', 'lib', 'catalog');
mkdirSync(to, { recursive: true });
// A library removed from the sources must not linger in the build.
for (const f of readdirSync(to)) if (f.endsWith('.star')) rmSync(join(to, f));
const files = readdirSync(from).filter((f) => f.endsWith('.star'));
for (const f of files) copyFileSync(join(from, f), join(to, f));
if (files.length === 0) {
  console.error(`copy-catalog: no .star library in ${from}`);
  process.exit(1);
}
