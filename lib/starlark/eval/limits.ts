/**
 * Size limits on Starlark values. V8 gives up on large values in its own ways: a fatal
 * "invalid array length" or "heap out of memory" that ends the process, or a RangeError
 * ("Invalid string length") with JS wording. A model must never take the process down, so
 * the operations that build large values in one go (repetition, list(), concatenation,
 * extend, replace, join, ...) check these documented limits first and fail with a Starlark
 * error at the current position. starlark-go has no such limits (its own is 2^30 elements
 * for a repetition); these are lower because V8's arrays stop at about 2^27 elements and its
 * strings at 2^29 - 24 characters, and a list of 2^25 values already takes 256 MB.
 */
import { fail } from './star-err.js';

/** MAX_LIST_ELEMS is the largest number of elements of a list or tuple built at once (2^25). */
export const MAX_LIST_ELEMS = 1 << 25;

/** MAX_STRING_BYTES is the largest string or bytes value, in bytes (2^28, 256 MiB). */
export const MAX_STRING_BYTES = 1 << 28;

/**
 * DEFAULT_MAX_STEPS is the step budget hosts give a script unless told otherwise (ebb's
 * models, `ebb star`): 10^9 loop iterations and calls, some seconds to a minute of work, so
 * that `while True: pass` ends with "Starlark computation cancelled: too many steps"
 * instead of running until killed. A Thread itself has no limit unless given maxSteps.
 */
export const DEFAULT_MAX_STEPS = 1_000_000_000;

/** checkListSize fails when a list or tuple of n elements would exceed MAX_LIST_ELEMS. */
export function checkListSize(n: number | bigint): void {
  if (n > MAX_LIST_ELEMS) fail(`list too large: ${n} elements (the limit is ${MAX_LIST_ELEMS})`);
}

/** checkStringSize fails when a string of n bytes would exceed MAX_STRING_BYTES. */
export function checkStringSize(n: number | bigint): void {
  if (n > MAX_STRING_BYTES) fail(`string too large: ${n} bytes (the limit is ${MAX_STRING_BYTES})`);
}

/**
 * engineLimitMessage rewords V8's own errors for values too large (which reach us when an
 * operation without a check above still goes too far), so that no JS wording is shown.
 */
export function engineLimitMessage(e: unknown): string | undefined {
  if (!(e instanceof RangeError)) return undefined;
  if (/Invalid string length/.test(e.message))
    return `string too large (the limit is ${MAX_STRING_BYTES} bytes)`;
  if (/Invalid (typed )?array length|Array buffer allocation failed/.test(e.message)) {
    return `list too large (the limit is ${MAX_LIST_ELEMS} elements)`;
  }
  return undefined;
}
