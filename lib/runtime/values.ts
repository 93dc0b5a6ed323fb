// One value mapping from DuckDB to JS (and from there to Starlark and JSON):
//   integers of every width      → number when it is a safe integer, else bigint (exact)
//   DECIMAL                      → string with the exact digits ("12.50"), never a float
//   FLOAT, DOUBLE                → number
//   DATE / TIME / TIMESTAMP      → ISO-8601 strings ("2026-11-25", "08:40:34.5", "2026-11-25T08:40:34.5")
//   TIMESTAMPTZ                  → ISO-8601 in UTC with Z ("2026-11-25T08:40:34.254517Z")
//   UUID, ENUM, VARCHAR          → string;  BLOB → base64 string;  INTERVAL → ISO-8601 duration
//   LIST, ARRAY                  → array;   STRUCT → object;  MAP → object (keys as text)
//   NULL                         → null
// It is used wherever rows leave DuckDB for a model; docs/values.md documents it as a table.

import {
  DuckDBArrayValue,
  DuckDBBitValue,
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBIntervalValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimeNSValue,
  DuckDBTimeTZValue,
  DuckDBTimeValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBUUIDValue,
  DuckDBUnionValue,
  DuckDBTypeId,
  INTEGER_TYPE_IDS,
  type DuckDBType,
  type DuckDBValue,
} from '../store/duckdb-api.js';
import { bigintReplacer } from '../json.js';
import { dateIso, intervalIso, offsetIso, timeIso, timestampIso, timestampNsIso } from './iso.js';

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

/**
 * toWire converts a value for a Starlark model: as fromDuckDB, except that every integer is
 * a bigint and every float a number, so the model side can tell 2 (int) from 2.0 (float).
 */
export function toWire(v: DuckDBValue, type: DuckDBType): JsValue {
  if (v === null) return null;
  if (INTEGER_TYPE_IDS.has(type.typeId)) return typeof v === 'bigint' ? v : BigInt(v as number);
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
