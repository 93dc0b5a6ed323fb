// Values crossing between the model's worker and the main thread ("the wire"): JSON-like
// JS values in which every integer is a bigint and every float a number, so int and float
// stay apart (structured clone keeps bigint).

import {
  HostValue,
  None,
  makeDict,
  makeFloat,
  makeList,
  makeString,
  repr,
  toJS,
  toStarlark,
  typeName,
  type Value,
} from '../starlark/index.js';
import { Row } from './row.js';

export type Wire = null | boolean | bigint | number | string | Uint8Array | Wire[] | { [key: string]: Wire };

/** fromWire makes the Starlark value of a wire value. */
export function fromWire(x: Wire): Value {
  if (x === null) return None;
  switch (typeof x) {
    case 'bigint':
      return toStarlark(x);
    case 'number':
      return makeFloat(x);
    case 'string':
      return makeString(x);
    case 'boolean':
      return x;
  }
  if (x instanceof Uint8Array) return toStarlark(x);
  if (Array.isArray(x)) return makeList(x.map(fromWire));
  return makeDict(Object.entries(x).map(([k, v]) => [makeString(k), fromWire(v)]));
}

/** starToWire converts a Starlark value saved by a model; `where` names it in errors. */
export function starToWire(v: Value, where: string): Wire {
  const value = v instanceof Row ? v.toJSON() : v;
  if (value instanceof HostValue) {
    if (value.toJSON) return jsonToWire(value.toJSON());
    throw new Error(`${where} has a value of type ${typeName(v)}, which cannot be saved`);
  }
  let js: unknown;
  try {
    js = toJS(value, { ints: 'bigint' });
  } catch {
    throw new Error(
      `${where} has a value of type ${typeName(v)}, which cannot be saved (use None, bool, int, float, string, bytes, list, dict)`,
    );
  }
  return plain(js, where);
}

/** rowToWire converts a saved row (a row of a query, a dict or a struct) to its columns. */
export function rowToWire(row: Value, fn: string): Record<string, Wire> {
  const value = row instanceof Row ? row.toJSON() : row;
  const t = typeName(value);
  if (t !== 'dict' && t !== 'struct')
    throw new Error(`${fn}: want a row, dict or struct, got ${t} ${repr(row)}`);
  const wire = starToWire(value, fn) as Record<string, Wire>;
  for (const name of Object.keys(wire)) {
    // A column needs a name DuckDB can hold (its parser refuses "" as an identifier).
    if (name.trim() === '')
      throw new Error(
        `${fn}: a column name cannot be empty or blank, got ${JSON.stringify(name)} in ${repr(row)}`,
      );
  }
  return wire;
}

/** plain turns toJS output (Maps for dicts) into wire values with string keys. */
function plain(x: unknown, where: string): Wire {
  if (x === null || typeof x !== 'object' || x instanceof Uint8Array) return x as Wire;
  if (Array.isArray(x)) return x.map((e, i) => plain(e, `${where}[${i}]`));
  if (x instanceof Set) return [...x].map((e, i) => plain(e, `${where}[${i}]`));
  const out: { [key: string]: Wire } = {};
  for (const [k, e] of x instanceof Map ? x : Object.entries(x)) {
    if (typeof k !== 'string')
      throw new Error(
        `${where} is a dict with a ${typeof k === 'bigint' ? 'int' : typeof k} key; only string keys can be saved`,
      );
    out[k] = plain(e, `${where}.${k}`);
  }
  return out;
}

function jsonToWire(x: unknown): Wire {
  if (x === null || x === undefined) return null;
  if (typeof x === 'number') return Number.isInteger(x) ? BigInt(x) : x;
  if (typeof x === 'bigint' || typeof x === 'string' || typeof x === 'boolean') return x;
  if (Array.isArray(x)) return x.map(jsonToWire);
  if (x instanceof Map) return Object.fromEntries([...x].map(([k, v]) => [String(k), jsonToWire(v)]));
  return Object.fromEntries(Object.entries(x as Record<string, unknown>).map(([k, v]) => [k, jsonToWire(v)]));
}

/** wireToJSON gives the JSON form of a wire value (big ints that fit stay numbers). */
export function wireToJSON(x: Wire): unknown {
  if (typeof x === 'bigint')
    return x <= BigInt(Number.MAX_SAFE_INTEGER) && x >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(x) : x;
  if (Array.isArray(x)) return x.map(wireToJSON);
  if (x instanceof Uint8Array) return Buffer.from(x).toString('base64');
  if (x !== null && typeof x === 'object')
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, wireToJSON(v)]));
  return x;
}
