// offlineRedactor gives the recorder of `ebb test` and `ebb run --offline` the secrets a run
// will use, before the run starts: the values of the project's .env, and the values of the
// environment variables that a .star model (or a file it loads) reads with a literal
// `env.get("NAME")` (not those marked secret=False). A model's own redactor learns secrets as env.get runs, inside the model's
// worker, which the transport of a whole run cannot see; scanning the sources keeps a CI
// token read from the environment out of golden files. A name computed at run time
// (`env.get(prefix + "_TOKEN")`) is not found this way: keep such secrets in .env.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Project } from '../project/index.js';
import { Redactor, loadDotEnv } from '../runtime/secrets.js';

const ENV_GET = /\benv\.get\(\s*["']([^"']+)["']([^)]*)\)/g;
const NOT_SECRET = /\bsecret\s*=\s*False\b/;
const LOAD = /\bload\(\s*["']([^"']+)["']/g;

export function offlineRedactor(project: Project, env: NodeJS.ProcessEnv): Redactor {
  const redactor = new Redactor(Object.values(loadDotEnv(project.root)));
  const sources = project.models.filter((m) => m.language === 'star').map((m) => m.source);
  for (const src of [...sources]) {
    for (const [, path] of src.matchAll(LOAD)) {
      const file = join(project.root, path!);
      if (existsSync(file)) sources.push(readFileSync(file, 'utf8'));
    }
  }
  for (const src of sources) {
    for (const [, name, rest] of src.matchAll(ENV_GET)) {
      if (NOT_SECRET.test(rest ?? '')) continue;
      const value = env[name!];
      if (value !== undefined) redactor.add(value);
    }
  }
  return redactor;
}
