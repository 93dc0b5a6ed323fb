/** The table of built-in methods of each core type (string, bytes, list, dict, set). */
import { bytesMethods, dictMethods, listMethods, setMethods } from './collection-methods.js';
import { Dict, SetValue } from './hashtable.js';
import type { MethodImpl } from './method.js';
import { stringMethods } from './string-methods.js';
import { Bytes, List, type Value } from './value.js';

/** methodTable returns the built-in methods of a value's type, if any. */
export function methodTable(v: Value): Record<string, MethodImpl> | undefined {
  if (typeof v === 'string') return stringMethods;
  if (v instanceof List) return listMethods;
  if (v instanceof Dict) return dictMethods;
  if (v instanceof SetValue) return setMethods;
  if (v instanceof Bytes) return bytesMethods;
  return undefined;
}
