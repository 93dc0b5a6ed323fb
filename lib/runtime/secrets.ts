// Secrets: the project's .env and every value a model read through env.get(). They are
// redacted, in every form they travel in (secret-forms.ts), from log lines, errors, failures,
// history entries, goldens and recordings.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { MIN_SECRET, secretForms } from './secret-forms.js';

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

/** Redactor replaces known secret values, and their encoded forms, with *** in any text. */
export class Redactor {
  readonly #secrets = new Set<string>();
  readonly #forms = new Set<string>();
  #pattern: RegExp | undefined;

  constructor(secrets: Iterable<string> = []) {
    for (const s of secrets) this.add(s);
  }

  /**
   * add registers a secret; it returns false for a value shorter than MIN_SECRET, which is not
   * redacted (it would mangle text: "123" inside every count), so the caller can warn.
   */
  add(secret: string): boolean {
    if (secret.length < MIN_SECRET) return false;
    if (this.#secrets.has(secret)) return true;
    this.#secrets.add(secret);
    for (const f of secretForms(secret)) this.#forms.add(f);
    // Longest first: a form that contains another is replaced whole.
    const sorted = [...this.#forms].sort((a, b) => b.length - a.length);
    this.#pattern = new RegExp(sorted.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
    return true;
  }

  redact(text: string): string {
    if (this.#pattern === undefined) return text;
    return cutSecret(text.replace(this.#pattern, '***'), this.#forms);
  }
}

/** What marks a text cut short (the sender's excerpt of a response body). */
const CUT = '…';
/** Characters of a secret's start redacted before a cut: one tells nothing, and would match often. */
const MIN_CUT_PREFIX = 2;

/**
 * cutSecret redacts the start of a secret that a cut left just before its `…` (an excerpt of a
 * body cut in the middle of an echoed token): the whole form is not there to be found.
 */
function cutSecret(text: string, forms: ReadonlySet<string>): string {
  let at = text.indexOf(CUT);
  while (at >= 0) {
    let longest = 0;
    for (const form of forms) {
      for (let k = Math.min(form.length - 1, at); k >= MIN_CUT_PREFIX && k > longest; k--) {
        if (text.startsWith(form.slice(0, k), at - k)) {
          longest = k;
          break;
        }
      }
    }
    if (longest > 0) {
      text = `${text.slice(0, at - longest)}***${text.slice(at)}`;
      at += 3 - longest;
    }
    at = text.indexOf(CUT, at + CUT.length);
  }
  return text;
}
