// Setup statements: what a project asks of DuckDB each time the state opens (settings,
// extensions, secrets, attached sources), run by Store.open in order. Each statement carries
// where it comes from and the secret values it holds, so a failure names the project file's
// line and never shows a password that was part of the statement.

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

/** hideSecrets replaces each secret value in `text` (raw and percent-encoded) with ***. */
export function hideSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (s === '') continue;
    out = out.split(s).join('***');
    const encoded = encodeURIComponent(s);
    if (encoded !== s) out = out.split(encoded).join('***');
  }
  return out;
}
