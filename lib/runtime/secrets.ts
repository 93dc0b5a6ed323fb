// Secrets: the project's .env and every value a model read through env.get(). They are
// redacted, in every form they travel in (lib/secret-forms.ts), by the Redactor (lib/redact.ts)
// from log lines, errors, failures, history entries, goldens and recordings.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'dotenv';
export { Redactor } from '../redact.js';

/** loadDotEnv reads <root>/.env (absent is fine). */
export function loadDotEnv(root: string): Record<string, string> {
  const path = join(root, '.env');
  if (!existsSync(path)) return {};
  return parse(readFileSync(path));
}

/**
 * modelEnv is what env.get() sees: the process environment, overlaid with .env; `sources`
 * says where it looked, for the error about a missing variable. A value of .env is a secret
 * once a script reads it with env.get (as one from the environment is), not before: read with
 * secret=False it shows in output, wherever it came from.
 */
export function modelEnv(
  root: string,
  env: NodeJS.ProcessEnv,
): { env: Record<string, string>; sources: string } {
  const dot = loadDotEnv(root);
  const merged: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) merged[k] = v;
  Object.assign(merged, dot);
  const path = join(root, '.env');
  const sources = existsSync(path)
    ? `the environment and ${path}`
    : `the environment and ${path}, which does not exist`;
  return { env: merged, sources };
}
