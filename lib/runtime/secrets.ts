// Secrets: the project's .env and every value a model read through env.get(). They are
// redacted from log lines, errors and history entries.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'dotenv';

/** loadDotEnv reads <root>/.env (absent is fine). */
export function loadDotEnv(root: string): Record<string, string> {
  const path = join(root, '.env');
  if (!existsSync(path)) return {};
  return parse(readFileSync(path));
}

/**
 * modelEnv is what env.get() sees: the process environment, overlaid with .env; `sources`
 * says where it looked, for the error about a missing variable.
 */
export function modelEnv(
  root: string,
  env: NodeJS.ProcessEnv,
): { env: Record<string, string>; secrets: string[]; sources: string } {
  const dot = loadDotEnv(root);
  const merged: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) merged[k] = v;
  Object.assign(merged, dot);
  const path = join(root, '.env');
  const sources = existsSync(path)
    ? `the environment and ${path}`
    : `the environment and ${path}, which does not exist`;
  return { env: merged, secrets: Object.values(dot), sources };
}

const MIN_SECRET = 4;

/** Redactor replaces known secret values with *** in any text. */
export class Redactor {
  #secrets = new Set<string>();
  #pattern: RegExp | undefined;

  constructor(secrets: Iterable<string> = []) {
    for (const s of secrets) this.add(s);
  }

  /** add registers a secret; very short values are not redacted (they would mangle text). */
  add(secret: string): void {
    if (secret.length < MIN_SECRET || this.#secrets.has(secret)) return;
    this.#secrets.add(secret);
    const sorted = [...this.#secrets].sort((a, b) => b.length - a.length);
    this.#pattern = new RegExp(sorted.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  }

  redact(text: string): string {
    return this.#pattern ? text.replace(this.#pattern, '***') : text;
  }
}
