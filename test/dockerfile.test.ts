// The Dockerfile, read as text (this machine has no Docker daemon and no registry for its base
// image, so it is never built here): its build stage runs the package's own build script with
// every folder that script and tsc read, and every path it copies exists in the repository.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';

const ROOT = join(import.meta.dirname, '..');
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const stages = dockerfile.split(/^FROM /m).slice(1);

/** copied gives the sources of a stage's plain COPY lines (not those from another stage). */
function copied(stage: string): string[] {
  return [...stage.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
}

test('the build stage runs `npm run build` and copies every folder the build reads', (t) => {
  const build = stages[0]!;
  t.regex(build, /^RUN npm ci && npm run build$/m);
  const script = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.build as string;
  const folders = new Set(copied(build));
  // The folders the build script names (scripts/copy-catalog.mjs) and those tsconfig compiles.
  for (const m of script.matchAll(/node (\w+)\//g)) t.true(folders.has(m[1]!), `COPY ${m[1]}`);
  const tsconfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as { include?: string[] };
  for (const inc of tsconfig.include ?? []) {
    const top = inc.split('/')[0]!;
    t.true(folders.has(top) || folders.has(`${top}.json`), `COPY ${top}`);
  }
});

test('every path the Dockerfile copies exists, and the image runs as the unprivileged node user', (t) => {
  for (const stage of stages)
    for (const src of copied(stage)) if (!src.endsWith('*')) t.true(existsSync(join(ROOT, src)), src);
  const run = stages.at(-1)!;
  t.true(run.startsWith('node:20-slim\n'), 'the runtime stage is node:20-slim');
  t.regex(run, /^USER node$/m);
  t.regex(run, /^VOLUME \["\/app\/state"\]$/m);
});
