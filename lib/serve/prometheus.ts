// Writing Prometheus' text format (version 0.0.4): a label set with its values escaped as the
// format asks, and a metric family (HELP, TYPE and its samples in a stable order).

/** labels writes a label set in a fixed order, values escaped as the format asks. */
export function labels(l: Record<string, string>): string {
  const parts = Object.entries(l).map(
    ([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`,
  );
  return `{${parts.join(',')}}`;
}

export function family(
  out: string[],
  name: string,
  type: string,
  help: string,
  values: Map<string, number>,
): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  for (const [l, v] of [...values].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    out.push(`${name}${l} ${v}`);
}
