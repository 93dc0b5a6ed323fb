/**
 * range values beyond JS's safe integers. range() is exact as in starlark-go, whose ranges
 * are four Go ints: start, stop, step and a length computed with 64-bit wrap-around (so
 * range(-2**63, 2**63-1) has a negative length: it is empty, false, and has no len). Ranges
 * whose bounds and length are safe integers stay the plain `Range` of value.ts (numbers,
 * the compiler's fast loop); every other one is a `BigRange`, which does the same arithmetic
 * on bigints, wrapped to 64 bits where Go's would wrap. A BigRange is a HostValue so that
 * loops over it are lazy (for x in range(2**62): ... stops at the step limit, never
 * materialising the range).
 */
import { HostValue, Range, fail, type Value } from './value.js';

const MAX = BigInt(Number.MAX_SAFE_INTEGER);
const wrap = (x: bigint): bigint => BigInt.asIntN(64, x);

/** rangeLen is starlark-go's rangeLen over int64, wrap-around included. */
export function rangeLen(start: bigint, stop: bigint, step: bigint): bigint {
  if (step > 0n) return stop > start ? wrap(wrap(wrap(stop - 1n) - start) / step + 1n) : 0n;
  return start > stop ? wrap(wrap(wrap(start - 1n) - stop) / wrap(-step) + 1n) : 0n;
}

function small(x: bigint): boolean {
  return x <= MAX && x >= -MAX;
}

/** intValue turns a bigint into a Starlark int (a number when safe). */
export function intValue(x: bigint): number | bigint {
  return small(x) ? Number(x) : x;
}

/** makeRange builds the range value for int64 bounds (the caller checked the int64 range). */
export function makeRange(start: bigint, stop: bigint, step: bigint): Range | BigRange {
  const len = rangeLen(start, stop, step);
  if (small(start) && small(stop) && small(step) && small(stop - start) && len >= 0n) {
    return new Range(Number(start), Number(stop), Number(step));
  }
  return new BigRange(start, stop, step, len);
}

export class BigRange extends HostValue {
  readonly start: bigint;
  readonly stop: bigint;
  readonly step: bigint;
  /** Go's length: negative when the int64 computation overflowed */
  readonly n: bigint;
  constructor(start: bigint, stop: bigint, step: bigint, n: bigint) {
    super();
    this.start = start;
    this.stop = stop;
    this.step = step;
    this.n = n;
  }
  type(): string {
    return 'range';
  }
  override truth(): boolean {
    return this.n > 0n;
  }
  override hash(): number {
    return fail('unhashable: range');
  }
  override repr(): string {
    return rangeRepr(this.start, this.stop, this.step);
  }
  /** at is the i-th element (0 <= i < n). */
  at(i: bigint): number | bigint {
    return intValue(wrap(this.start + wrap(i * this.step)));
  }
  override iterate(): Iterator<Value> {
    let i = 0n;
    const r = this;
    return {
      next(): IteratorResult<Value> {
        if (i >= r.n) return { done: true, value: undefined };
        return { done: false, value: r.at(i++) };
      },
    };
  }
}

export type AnyRange = Range | BigRange;

export function isRange(x: Value): x is AnyRange {
  return x instanceof Range || x instanceof BigRange;
}

/** bounds returns start, stop, step and length of any range as bigints. */
export function bounds(r: AnyRange): [bigint, bigint, bigint, bigint] {
  if (r instanceof BigRange) return [r.start, r.stop, r.step, r.n];
  return [BigInt(r.start), BigInt(r.stop), BigInt(r.step), BigInt(r.len)];
}

export function rangeRepr(start: number | bigint, stop: number | bigint, step: number | bigint): string {
  if (step != 1) return `range(${start}, ${stop}, ${step})`;
  if (start != 0) return `range(${start}, ${stop})`;
  return `range(${stop})`;
}

/** rangeEqual: two ranges are equal when they denote the same sequence (starlark-go). */
export function rangeEqual(x: AnyRange, y: AnyRange): boolean {
  if (x instanceof Range && y instanceof Range) {
    return x.len === y.len && (x.len === 0 || (x.start === y.start && (x.len === 1 || x.step === y.step)));
  }
  const [xs, , xstep, xn] = bounds(x);
  const [ys, , ystep, yn] = bounds(y);
  if (xn !== yn) return false;
  if (xn === 0n) return true;
  if (xs !== ys) return false;
  return xn === 1n || xstep === ystep;
}

/** rangeContains is starlark-go's: only int32 values can be members. */
export function rangeContains(r: AnyRange, x: number): boolean {
  if (r instanceof Range) {
    if (r.len <= 0) return false;
    const delta = x - r.start;
    const quo = Math.trunc(delta / r.step);
    return delta % r.step === 0 && quo >= 0 && quo < r.len;
  }
  const delta = wrap(BigInt(x) - r.start);
  const quo = delta / r.step;
  return delta % r.step === 0n && quo >= 0n && quo < r.n;
}

/** rangeSlice is starlark-go's rangeValue.Slice for indices already normalised by the slice rules. */
export function rangeSlice(r: AnyRange, start: bigint, end: bigint, step: bigint): AnyRange {
  const [s0, , st] = bounds(r);
  const ns = wrap(s0 + wrap(st * start));
  const ne = wrap(s0 + wrap(st * end));
  return makeRange(ns, ne, wrap(st * step));
}
