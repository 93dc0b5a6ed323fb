/**
 * What a built-in method of a core type is: its signature (the receiver beside the arguments)
 * and the way its errors are prefixed with the method's name, as starlark-go's nameErr.
 */
import type { Thread } from './thread.js';
import { StarErr, type Value } from './value.js';

/** MethodImpl is a built-in method: `name` is the method's name, for its error messages. */
export type MethodImpl = (
  th: Thread,
  recv: Value,
  args: Value[],
  kwargs: Array<[string, Value]>,
  name: string,
) => Value;

/** prefixed runs f, prefixing its Starlark error with a method's name (starlark-go's nameErr). */
export function prefixed<T>(name: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof StarErr) e.msg = `${name}: ${e.msg}`;
    throw e;
  }
}
