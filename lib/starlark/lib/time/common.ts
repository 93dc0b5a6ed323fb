/**
 * What the files of the time module share: Go's int64 nanosecond arithmetic (wrapping for
 * durations, saturating for instants), the argument kinds the module's builtins unpack with,
 * and how they report errors (a thrown Error, which the interpreter turns into a Starlark
 * error at the call's position).
 */
import { bigInt, int, intFloorDiv, orNone, string, type Kind } from '../../index.js';

export const NS_PER_SEC = 1_000_000_000n;
export const INT64_MAX = (1n << 63n) - 1n;
export const INT64_MIN = -(1n << 63n);
/** Go's zero Time: January 1, year 1, 00:00:00 UTC. */
export const ZERO_TIME_NS = -62135596800n * NS_PER_SEC;

export function fail(msg: string): never {
  throw new Error(msg);
}

/** quote renders a string in double quotes for error messages. */
export function quote(s: string): string {
  return '"' + s.replace(/[\\"]/g, (c) => '\\' + c).replace(/\n/g, '\\n') + '"';
}

/** pad renders an int with at least width digits ("-07" for -7, 2). */
export function pad(n: number, width: number): string {
  const s = String(Math.abs(n)).padStart(width, '0');
  return n < 0 ? '-' + s : s;
}

/** floorDiv divides rounding toward negative infinity (instants before 1970 have negative nanoseconds). */
export function floorDiv(a: bigint, b: bigint): bigint {
  return BigInt(intFloorDiv(a, b));
}

/** An int that fits Go's int64, as a bigint. */
export const int64: Kind<bigint> = {
  convert(v, no) {
    const n = bigInt.convert(v, no);
    if (n > INT64_MAX || n < INT64_MIN) no(`${n} out of range (want signed 64-bit value)`);
    return n;
  },
};

/** The kinds of the module's other parameters: a JS string, None meaning "not given", and a small int. */
export const stringOrNone = orNone(string);
export { string, int };

/** mix64 scrambles 64 bits (splitmix64 finalizer); used for hashes. */
export function mix64(x: bigint): bigint {
  let z = BigInt.asUintN(64, x);
  z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
  z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
  return z ^ (z >> 31n);
}

/** wrap64 wraps to int64 like Go's duration arithmetic. */
export function wrap64(n: bigint): bigint {
  return BigInt.asIntN(64, n);
}

/** saturate64 clamps to int64 like Go's Time.Sub. */
export function saturate64(n: bigint): bigint {
  return n > INT64_MAX ? INT64_MAX : n < INT64_MIN ? INT64_MIN : n;
}

export function cmpBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
