// Setup statements: what a project asks of DuckDB each time the state opens (settings,
// extensions, secrets, attached sources), run by Store.open in order. Each statement carries
// where it comes from and the secret values it holds, so a failure names the project file's
// line and never shows a password that was part of the statement.

import { Redactor } from '../redact.js';
import { MIN_SECRET } from '../secret-forms.js';

/** One statement to run right after the state opens. */
export interface SetupStep {
  readonly sql: string;
  /** The project file and line it comes from, and what it is (`duckdb.threads`). */
  readonly file: string;
  readonly line: number;
  readonly what: string;
  /** What to do when it fails, added after DuckDB's message. */
  readonly hint?: string;
  /** Values the statement holds that must not appear in its error (expanded `${VAR}`s). */
  readonly secrets: readonly string[];
}

/**
 * hideSecrets replaces each secret value in `text` with ***, in every form it travels in
 * (percent-encoded, base64, JSON-escaped: lib/secret-forms.ts), as the run's own output does;
 * a value too short for the Redactor (a 3-character password) is still replaced where it
 * stands: an error message may be mangled, a password must not show.
 */
export function hideSecrets(text: string, secrets: readonly string[]): string {
  let out = new Redactor(secrets).redact(text);
  for (const s of secrets) if (s !== '' && s.length < MIN_SECRET) out = out.split(s).join('***');
  return out;
}
