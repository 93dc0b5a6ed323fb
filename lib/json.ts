// JSON as ebb writes it. Every JSON line ebb prints (run --json, plan --json, sql --json,
// history --json, ls --json) follows the value mapping of docs/values.md: integers are numbers with
// their exact digits at any size (a BIGINT beyond 2^53 is not rounded and not quoted), DECIMAL
// a string with its digits, times ISO-8601 strings. JSON.stringify cannot write a bigint, so
// writing goes through jsonText; bigintReplacer is for the places that only need some stable
// text for a bigint (a map key, a comparison).

/** bigintReplacer turns a bigint into its decimal digits as a string (for JSON.stringify). */
export function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/**
 * jsonText serializes a value as JSON, writing each bigint as a JSON number with its exact
 * digits. Otherwise it writes what JSON.stringify writes: undefined members are left out,
 * undefined in an array is null, toJSON() is honoured (Dates).
 */
export function jsonText(value: unknown): string {
  return write(value) ?? 'null';
}

function write(v: unknown): string | undefined {
  if (typeof v === 'bigint') return v.toString();
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  const json = (v as { toJSON?: unknown }).toJSON;
  if (typeof json === 'function') return write((json as () => unknown).call(v));
  if (Array.isArray(v)) return `[${v.map((x) => write(x) ?? 'null').join(',')}]`;
  const parts: string[] = [];
  for (const [k, x] of Object.entries(v)) {
    const text = write(x);
    if (text !== undefined) parts.push(`${JSON.stringify(k)}:${text}`);
  }
  return `{${parts.join(',')}}`;
}
