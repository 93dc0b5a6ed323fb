/** cleanDuckDBMessage keeps DuckDB's message but drops its echo of the statement ("LINE n: …"). */
export function cleanDuckDBMessage(message: string): string {
  return message.replace(/\n+LINE \d+:[\s\S]*$/, '').trim();
}
