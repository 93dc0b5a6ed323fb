/** cleanDuckDBMessage keeps DuckDB's message but drops its echo of the statement ("LINE n: …"). */
export function cleanDuckDBMessage(message: string): string {
  return message.replace(/\n+LINE \d+:[\s\S]*$/, '').trim();
}

/** duckdbLine is the statement line DuckDB's message points at ("LINE n: …"), if any. */
export function duckdbLine(message: string): number | undefined {
  const m = /\bLINE (\d+):/.exec(message);
  return m ? Number(m[1]) : undefined;
}

/**
 * duckdbErrorKind says whether DuckDB refused a statement's text ("Parser Error": syntax) or
 * its names and types ("Binder Error", "Catalog Error": bind), from the message's prefix; other
 * failures (conversions, constraints, memory) happen while the statement runs.
 */
export function duckdbErrorKind(message: string): 'syntax' | 'bind' | undefined {
  if (/^Parser Error:/.test(message)) return 'syntax';
  if (/^(Binder|Catalog) Error:/.test(message)) return 'bind';
  return undefined;
}
