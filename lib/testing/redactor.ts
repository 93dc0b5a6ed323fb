// offlineRedactor gives the recorder of `ebb test` and `ebb run --offline` the secrets a run
// will use, before the run starts: the values of the .env the run sees (all of them, except
// those of names that models only read with secret=False: an address is not a secret), and
// the values of the variables that a .star model, or a library it loads (a project file or an
// @ebb/ one, through their own loads), reads with a literal `env.get("NAME")` without
// secret=False. A model's own redactor learns secrets as env.get runs, inside the model's
// worker, which the transport of a whole run cannot see; scanning the sources keeps a CI
// token read from the environment out of golden files. A name computed at run time
// (`env.get(prefix + "_TOKEN")`) is not found this way: keep such secrets in .env.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOG_PREFIX, catalogNames, catalogPath, literalLoads } from '../catalog/catalog.js';
import type { Project } from '../project/index.js';
import { Redactor, loadDotEnv } from '../runtime/secrets.js';

const ENV_GET = /\benv\.get\(\s*["']([^"']+)["']([^)]*)\)/g;
const NOT_SECRET = /\bsecret\s*=\s*False\b/;

/** librarySource is the text of a loaded module, or undefined when the run would not find it. */
function librarySource(root: string, module: string): string | undefined {
  if (module.startsWith(CATALOG_PREFIX)) {
    const known = catalogNames().includes(module.slice(CATALOG_PREFIX.length));
    return known ? readFileSync(catalogPath(module), 'utf8') : undefined;
  }
  const file = join(root, module);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/** envReads sorts the names the models and their libraries read: as secrets, or only plainly. */
function envReads(project: Project): { secret: Set<string>; plain: Set<string> } {
  const sources = project.models.filter((m) => m.language === 'star').map((m) => m.source);
  const seen = new Set<string>();
  for (let i = 0; i < sources.length; i++) {
    for (const { module } of literalLoads(sources[i]!)) {
      if (seen.has(module)) continue;
      seen.add(module);
      const text = librarySource(project.root, module);
      if (text !== undefined) sources.push(text);
    }
  }
  const secret = new Set<string>();
  const plain = new Set<string>();
  for (const src of sources)
    for (const [, name, rest] of src.matchAll(ENV_GET))
      (NOT_SECRET.test(rest ?? '') ? plain : secret).add(name!);
  return { secret, plain };
}

export function offlineRedactor(project: Project, env: NodeJS.ProcessEnv): Redactor {
  const dot = loadDotEnv(project.root);
  const { secret, plain } = envReads(project);
  const redactor = new Redactor();
  for (const [name, value] of Object.entries(dot))
    if (secret.has(name) || !plain.has(name)) redactor.add(value);
  for (const name of secret) {
    const value = env[name];
    if (value !== undefined) redactor.add(value);
  }
  return redactor;
}
