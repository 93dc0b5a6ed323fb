// formatTable lays rows out as aligned text columns for a terminal.

const MAX_CELL = 60;

export function formatTable(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  const clip = (s: string) => {
    const flat = s.replace(/\n/g, '\\n');
    return flat.length > MAX_CELL ? flat.slice(0, MAX_CELL - 1) + '…' : flat;
  };
  const cells = rows.map((r) => r.map(clip));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const out = [line(columns), widths.map((w) => '─'.repeat(w)).join('  ')];
  for (const r of cells) out.push(line(r));
  return out.join('\n') + '\n';
}
