// Setup statements: what a project asks of DuckDB each time the state opens (settings,
// extensions, secrets, attached sources), run by Store.open in order. Each statement carries
// where it comes from and the secret values it holds, so a failure names the project file's
// line and never shows a password that was part of the statement.

import { Redactor } from '../redact.js';

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
 * (percent-encoded, base64, JSON-escaped: lib/secret-forms.ts), as the run's own output does.
 */
export function hideSecrets(text: string, secrets: readonly string[]): string {
  return new Redactor(secrets).redact(text);
}
