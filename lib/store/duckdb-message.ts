/** cleanDuckDBMessage keeps DuckDB's message but drops its echo of the statement ("LINE n: …"). */
export function cleanDuckDBMessage(message: string): string {
  return message.replace(/\n+LINE \d+:[\s\S]*$/, '').trim();
}

/** duckdbLine is the statement line DuckDB's message points at ("LINE n: …"), if any. */
export function duckdbLine(message: string): number | undefined {
  const m = /\bLINE (\d+):/.exec(message);
  return m ? Number(m[1]) : undefined;
}
