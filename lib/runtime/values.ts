// One value mapping from DuckDB to JS (and from there to Starlark and JSON):
//   integers of every width      → number when it is a safe integer, else bigint (exact)
//   DECIMAL                      → string with the exact digits ("12.50"), never a float
//   FLOAT, DOUBLE                → number
//   DATE / TIME / TIMESTAMP      → ISO-8601 strings ("2026-11-25", "08:40:34.5", "2026-11-25T08:40:34.5")
//   TIMESTAMPTZ                  → ISO-8601 in UTC with Z ("2026-11-25T08:40:34.254517Z")
//   UUID, ENUM, VARCHAR          → string;  BLOB → base64 string;  INTERVAL → ISO-8601 duration
//   LIST, ARRAY                  → array;   STRUCT → object;  MAP → object (keys as text)
//   NULL                         → null
// It is used wherever rows leave DuckDB for a model; README.md documents it as a table.

import {
  DuckDBArrayValue, DuckDBBitValue, DuckDBBlobValue, DuckDBDateValue, DuckDBDecimalValue, DuckDBIntervalValue,
  DuckDBListValue, DuckDBMapValue, DuckDBStructValue, DuckDBTimeNSValue, DuckDBTimeTZValue, DuckDBTimeValue,
  DuckDBTimestampMillisecondsValue, DuckDBTimestampNanosecondsValue, DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue, DuckDBTimestampValue, DuckDBUUIDValue, DuckDBUnionValue,
  DuckDBTypeId,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { bigintReplacer } from '../json.js';

export type JsValue = null | boolean | number | bigint | string | JsValue[] | { [key: string]: JsValue };

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export function fromDuckDB(v: DuckDBValue): JsValue {
  if (v === null) return null;
  switch (typeof v) {
    case 'boolean':
    case 'string':
      return v;
    case 'number':
      return v;
    case 'bigint':
      return v <= MAX_SAFE && v >= -MAX_SAFE ? Number(v) : v;
  }
  if (v instanceof DuckDBDecimalValue) return v.toString();
  if (v instanceof DuckDBTimestampTZValue) return timestampIso(v.micros, true);
  if (v instanceof DuckDBTimestampValue) return timestampIso(v.micros, false);
  if (v instanceof DuckDBDateValue) return dateIso(v.days);
  if (v instanceof DuckDBTimeValue) return timeIso(v.micros * 1000n);
  if (v instanceof DuckDBTimestampSecondsValue) return timestampIso(v.seconds * 1_000_000n, false);
  if (v instanceof DuckDBTimestampMillisecondsValue) return timestampIso(v.millis * 1000n, false);
  if (v instanceof DuckDBTimestampNanosecondsValue) return timestampNsIso(v.nanos);
  if (v instanceof DuckDBTimeNSValue) return timeIso(v.nanos);
  if (v instanceof DuckDBTimeTZValue) return timeIso(v.micros * 1000n) + offsetIso(v.offset);
  if (v instanceof DuckDBUUIDValue) return v.toString();
  if (v instanceof DuckDBBlobValue) return Buffer.from(v.bytes).toString('base64');
  if (v instanceof DuckDBIntervalValue) return intervalIso(v.months, v.days, v.micros);
  if (v instanceof DuckDBListValue || v instanceof DuckDBArrayValue) return v.items.map(fromDuckDB);
  if (v instanceof DuckDBStructValue) {
    const out: { [key: string]: JsValue } = {};
    for (const [k, x] of Object.entries(v.entries)) out[k] = fromDuckDB(x);
    return out;
  }
  if (v instanceof DuckDBMapValue) {
    const out: { [key: string]: JsValue } = {};
    for (const e of v.entries) {
      const k = fromDuckDB(e.key);
      out[typeof k === 'string' ? k : JSON.stringify(k, bigintReplacer)] = fromDuckDB(e.value);
    }
    return out;
  }
  if (v instanceof DuckDBUnionValue) return fromDuckDB(v.value);
  if (v instanceof DuckDBBitValue) return v.toString();
  return String(v);
}

const INTEGER_TYPES = new Set<DuckDBTypeId>([
  DuckDBTypeId.TINYINT, DuckDBTypeId.SMALLINT, DuckDBTypeId.INTEGER, DuckDBTypeId.BIGINT, DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UTINYINT, DuckDBTypeId.USMALLINT, DuckDBTypeId.UINTEGER, DuckDBTypeId.UBIGINT, DuckDBTypeId.UHUGEINT,
  DuckDBTypeId.BIGNUM,
]);

/**
 * toWire converts a value for a Starlark model: as fromDuckDB, except that every integer is
 * a bigint and every float a number, so the model side can tell 2 (int) from 2.0 (float).
 */
export function toWire(v: DuckDBValue, type: DuckDBType): JsValue {
  if (v === null) return null;
  if (INTEGER_TYPES.has(type.typeId)) return typeof v === 'bigint' ? v : BigInt(v as number);
  switch (type.typeId) {
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return v as number;
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return (v as DuckDBListValue | DuckDBArrayValue).items.map((x) => toWire(x, type.valueType));
    case DuckDBTypeId.STRUCT: {
      const out: { [key: string]: JsValue } = {};
      const entries = (v as DuckDBStructValue).entries;
      type.entryNames.forEach((name, i) => (out[name] = toWire(entries[name] ?? null, type.entryTypes[i]!)));
      return out;
    }
    case DuckDBTypeId.MAP: {
      const out: { [key: string]: JsValue } = {};
      for (const e of (v as DuckDBMapValue).entries) {
        const k = fromDuckDB(e.key);
        out[typeof k === 'string' ? k : JSON.stringify(k, bigintReplacer)] = toWire(e.value, type.valueType);
      }
      return out;
    }
    default:
      return fromDuckDB(v);
  }
}

const US_PER_DAY = 86_400_000_000n;

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function pad(n: number | bigint, width: number): string {
  return String(n).padStart(width, '0');
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
}

function dateIso(days: number): string {
  if (!Number.isFinite(days) || Math.abs(days) > 100_000_000) return days > 0 ? 'infinity' : '-infinity';
  const d = new Date(days * 86_400_000);
  const y = d.getUTCFullYear();
  const year = y >= 0 && y <= 9999 ? pad(y, 4) : (y < 0 ? '-' : '+') + pad(Math.abs(y), 6);
  return `${year}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
}

/** fraction writes sub-second digits without trailing zeros (".5", ".254517"), or nothing. */
function fraction(value: bigint, digits: number): string {
  if (value === 0n) return '';
  return '.' + pad(value, digits).replace(/0+$/, '');
}

function timeIso(nanos: bigint): string {
  const s = nanos / 1_000_000_000n;
  return `${pad(s / 3600n, 2)}:${pad((s / 60n) % 60n, 2)}:${pad(s % 60n, 2)}${fraction(nanos % 1_000_000_000n, 9)}`;
}

/** Day strings of recent timestamps: rows of one page mostly share a few days. */
const dayCache = new Map<number, string>();
const SAFE_US = 2 ** 53;

function cachedDate(days: number): string {
  let d = dayCache.get(days);
  if (d === undefined) {
    if (dayCache.size > 4096) dayCache.clear();
    d = dateIso(days);
    dayCache.set(days, d);
  }
  return d;
}

function timestampIso(micros: bigint, utc: boolean): string {
  if (micros >= 9223372036854775806n) return 'infinity';
  if (micros <= -9223372036854775806n) return '-infinity';
  const us = Number(micros);
  if (us < SAFE_US && us > -SAFE_US) {
    // The common case in plain numbers: BigInt arithmetic costs several times more.
    const days = Math.floor(us / 86_400_000_000);
    const inDay = us - days * 86_400_000_000;
    const secs = Math.floor(inDay / 1_000_000);
    const frac = inDay - secs * 1_000_000;
    const hms = `${pad2(Math.floor(secs / 3600))}:${pad2(Math.floor(secs / 60) % 60)}:${pad2(secs % 60)}`;
    const f = frac === 0 ? '' : '.' + String(frac).padStart(6, '0').replace(/0+$/, '');
    return `${cachedDate(days)}T${hms}${f}${utc ? 'Z' : ''}`;
  }
  const days = floorDiv(micros, US_PER_DAY);
  const inDay = micros - days * US_PER_DAY;
  return `${dateIso(Number(days))}T${timeIso(inDay * 1000n)}${utc ? 'Z' : ''}`;
}

function timestampNsIso(nanos: bigint): string {
  const perDay = US_PER_DAY * 1000n;
  const days = floorDiv(nanos, perDay);
  return `${dateIso(Number(days))}T${timeIso(nanos - days * perDay)}`;
}

function offsetIso(seconds: number): string {
  const sign = seconds < 0 ? '-' : '+';
  const a = Math.abs(seconds);
  return `${sign}${pad(Math.floor(a / 3600), 2)}:${pad(Math.floor(a / 60) % 60, 2)}`;
}

function intervalIso(months: number, days: number, micros: bigint): string {
  if (months === 0 && days === 0 && micros === 0n) return 'PT0S';
  let out = 'P';
  const y = Math.trunc(months / 12);
  const m = months % 12;
  if (y) out += `${y}Y`;
  if (m) out += `${m}M`;
  if (days) out += `${days}D`;
  if (micros !== 0n) {
    const neg = micros < 0n;
    const a = neg ? -micros : micros;
    const h = a / 3_600_000_000n;
    const min = (a / 60_000_000n) % 60n;
    const sec = (a / 1_000_000n) % 60n;
    const frac = fraction(a % 1_000_000n, 6);
    const sg = neg ? '-' : '';
    out += 'T';
    if (h) out += `${sg}${h}H`;
    if (min) out += `${sg}${min}M`;
    if (sec || frac) out += `${sg}${sec}${frac}S`;
  }
  return out;
}
