// keyLiteralSql writes a key value, as a model's script saw it, as an SQL literal of the key
// column's type, so that keys are compared as typed values and never as text: a BLOB key
// arrives as base64 (or bytes), an INTERVAL as an ISO-8601 duration ("P1DT2H"), a DOUBLE as
// a float whose text may differ from DuckDB's ("1e-7" and "1e-07").

import { DuckDBTypeId, type DuckDBType } from '../store/duckdb-api.js';
import { sqlString } from '../store/index.js';

export function keyLiteralSql(value: unknown, type: DuckDBType): string {
  if (value === null || value === undefined) return 'NULL';
  const t = type.toString();
  if (value instanceof Uint8Array)
    return `CAST(unhex(${sqlString(Buffer.from(value).toString('hex'))}) AS ${t})`;
  if (typeof value === 'boolean') return `CAST(${value ? 'true' : 'false'} AS ${t})`;
  const text = String(value);
  if (type.typeId === DuckDBTypeId.BLOB) return `from_base64(${sqlString(text)})`;
  if (type.typeId === DuckDBTypeId.INTERVAL) {
    const iso = isoDurationSql(text);
    if (iso !== undefined) return iso;
  }
  return `CAST(${sqlString(text)} AS ${t})`;
}

const ISO =
  /^P(?:(-?\d+)Y)?(?:(-?\d+)M)?(?:(-?\d+)D)?(?:T(?:(-?\d+)H)?(?:(-?\d+)M)?(?:(-?\d+)(?:\.(\d{1,6}))?S)?)?$/;

/** isoDurationSql reads the ISO-8601 durations ebb writes for INTERVAL values (values.ts). */
function isoDurationSql(text: string): string | undefined {
  const m = ISO.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) return undefined;
  const int = (s: string | undefined) => BigInt(s ?? '0');
  const months = int(m[1]) * 12n + int(m[2]);
  const days = int(m[3]);
  const secs = m[6] ?? '0';
  const frac = BigInt((m[7] ?? '').padEnd(6, '0') || '0');
  const micros =
    (int(m[4]) * 3600n + int(m[5]) * 60n) * 1_000_000n +
    BigInt(secs) * 1_000_000n +
    (secs.startsWith('-') ? -frac : frac);
  return `(to_months(${months}) + to_days(${days}) + to_microseconds(${micros}))`;
}
