import { Float, fail, type Value } from './value.js';

/** Integer helpers. Small ints are JS numbers (safe integers, never -0); big ints are bigints. */
const MAX = Number.MAX_SAFE_INTEGER;
const BMAX = BigInt(MAX);
const BMIN = -BMAX;

export function isInt(v: Value): v is number | bigint {
  return typeof v === 'number' || typeof v === 'bigint';
}

/** norm returns the canonical representation of a bigint result. */
export function norm(b: bigint): number | bigint {
  return b <= BMAX && b >= BMIN ? Number(b) : b;
}

export function big(x: number | bigint): bigint {
  return typeof x === 'bigint' ? x : BigInt(x);
}

export function intAdd(x: number | bigint, y: number | bigint): number | bigint {
  if (typeof x === 'number' && typeof y === 'number') {
    const r = x + y;
    if (r <= MAX && r >= -MAX) return r;
  }
  return norm(big(x) + big(y));
}

export function intSub(x: number | bigint, y: number | bigint): number | bigint {
  if (typeof x === 'number' && typeof y === 'number') {
    const r = x - y;
    if (r <= MAX && r >= -MAX) return r + 0;
  }
  return norm(big(x) - big(y));
}

export function intMul(x: number | bigint, y: number | bigint): number | bigint {
  if (typeof x === 'number' && typeof y === 'number') {
    const r = x * y;
    if (r <= MAX && r >= -MAX) return r + 0;
  }
  return norm(big(x) * big(y));
}

export function intFloorDiv(x: number | bigint, y: number | bigint): number | bigint {
  if (typeof x === 'number' && typeof y === 'number') {
    if (y === 0) fail('floored division by zero');
    return Math.floor(x / y) + 0;
  }
  const bx = big(x);
  const by = big(y);
  if (by === 0n) fail('floored division by zero');
  let q = bx / by;
  if (bx % by !== 0n && bx < 0n !== by < 0n) q -= 1n;
  return norm(q);
}

export function intMod(x: number | bigint, y: number | bigint): number | bigint {
  if (typeof x === 'number' && typeof y === 'number') {
    if (y === 0) fail('integer modulo by zero');
    let r = x % y;
    if (r !== 0 && r < 0 !== y < 0) r += y;
    return r + 0;
  }
  const bx = big(x);
  const by = big(y);
  if (by === 0n) fail('integer modulo by zero');
  let r = bx % by;
  if (r !== 0n && r < 0n !== by < 0n) r += by;
  return norm(r);
}

export function intNeg(x: number | bigint): number | bigint {
  if (typeof x === 'number') return -x + 0;
  return norm(-x);
}

const I32 = 0x7fffffff;
function small32(x: number | bigint): x is number {
  return typeof x === 'number' && x <= I32 && x >= -I32 - 1;
}

export function intAnd(x: number | bigint, y: number | bigint): number | bigint {
  if (small32(x) && small32(y)) return x & y;
  return norm(big(x) & big(y));
}
export function intOr(x: number | bigint, y: number | bigint): number | bigint {
  if (small32(x) && small32(y)) return x | y;
  return norm(big(x) | big(y));
}
export function intXor(x: number | bigint, y: number | bigint): number | bigint {
  if (small32(x) && small32(y)) return x ^ y;
  return norm(big(x) ^ big(y));
}
export function intInvert(x: number | bigint): number | bigint {
  if (small32(x)) return ~x;
  return norm(~big(x));
}

export function intShift(op: '<<' | '>>', x: number | bigint, y: number | bigint): number | bigint {
  // The count must be an int32 (starlark-go's rule, checked before its sign).
  if (typeof y === 'bigint' || y > 0x7fffffff || y < -0x80000000) fail(`${y} out of range`);
  if (y < 0) fail(`negative shift count: ${y}`);
  if (op === '<<') {
    if ((typeof y === 'number' ? y : Number(y)) >= 512) fail(`shift count too large: ${y}`);
    if (small32(x) && typeof y === 'number' && y < 21 && x < 1 << 30 && x > -(1 << 30)) {
      return x * (1 << y);
    }
    return norm(big(x) << big(y));
  }
  if (small32(x) && typeof y === 'number') return y >= 32 ? (x < 0 ? -1 : 0) : x >> y;
  return norm(big(x) >> big(y));
}

export function intCmp(x: number | bigint, y: number | bigint): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

/** intToNumber converts an int to the nearest JS number (a float value), failing if it is too large. */
export function intToNumber(x: number | bigint): number {
  if (typeof x === 'number') return x;
  const f = Number(x);
  if (!Number.isFinite(f)) fail('int too large to convert to float');
  return f;
}

export function toFloatNum(v: Value): number | undefined {
  if (v instanceof Float) return v.v;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return intToNumber(v);
  return undefined;
}

/** floatToInt truncates a finite float to an int. */
export function floatToInt(f: number): number | bigint {
  if (Number.isNaN(f)) fail('cannot convert float NaN to integer');
  if (!Number.isFinite(f)) fail('cannot convert float infinity to integer');
  const t = Math.trunc(f);
  if (Number.isSafeInteger(t)) return t + 0;
  return norm(BigInt(t));
}

/** cmpIntFloat compares an int with a float exactly; NaN compares as greater than everything. */
export function cmpIntFloat(x: number | bigint, f: number): number {
  if (Number.isNaN(f)) return -1;
  if (typeof x === 'number') return x < f ? -1 : x > f ? 1 : 0;
  if (f === Infinity) return -1;
  if (f === -Infinity) return 1;
  const fl = Math.floor(f);
  const bf = BigInt(fl);
  if (x < bf) return -1;
  if (x > bf) return 1;
  return fl < f ? -1 : 0;
}

/**
 * parseIntText parses the text of int(s, base) (base 0: take it from a 0x/0o/0b prefix, else
 * 10, and then a leading 0 must be followed only by zeros). It returns the value, or undefined
 * and the base the error message names: the effective one, as starlark-go reports it.
 */
export function parseIntText(s: string, base: number): [number | bigint | undefined, number] {
  let t = s;
  let neg = false;
  if (t[0] === '+' || t[0] === '-') {
    neg = t[0] === '-';
    t = t.slice(1);
  }
  let b = base;
  let prefix = 0;
  if (t.length > 1 && t[0] === '0') {
    if (t.length > 2) {
      const c = t[1]!.toLowerCase();
      prefix = c === 'x' ? 16 : c === 'o' ? 8 : c === 'b' ? 2 : 0;
      // A prefix counts only with base 0 or its own base: int("0b0", 16) is 0xb0.
      if (prefix !== 0 && (b === 0 || b === prefix)) t = t.slice(2);
      else prefix = 0;
    }
    if (prefix === 0 && b === 0) return [/^0+$/.test(t) ? 0 : undefined, 0];
  }
  if (b === 0) b = prefix || 10;
  if (t.length === 0) return [undefined, b];
  const lower = t.toLowerCase();
  for (let i = 0; i < lower.length; i++) {
    const c = lower.charCodeAt(i);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 122 ? c - 87 : 99;
    if (d >= b) return [undefined, b];
  }
  const r = digitsToBigInt(lower, b);
  return [norm(neg ? -r : r), b];
}

/**
 * digitsToBigInt converts valid digits in base b without the quadratic digit-by-digit loop:
 * V8 parses bases 10, 16, 8 and 2 itself; other bases are split in halves and combined
 * (divide and conquer), with chunks of 10 digits (36^10 < 2^53) parsed as numbers.
 */
function digitsToBigInt(t: string, b: number): bigint {
  switch (b) {
    case 10:
      return BigInt(t);
    case 16:
      return BigInt('0x' + t);
    case 8:
      return BigInt('0o' + t);
    case 2:
      return BigInt('0b' + t);
  }
  const bb = BigInt(b);
  const conquer = (s: string): bigint => {
    if (s.length <= 10) return BigInt(parseInt(s, b));
    const lo = s.length >> 1;
    return conquer(s.slice(0, s.length - lo)) * bb ** BigInt(lo) + conquer(s.slice(s.length - lo));
  };
  return conquer(t);
}

/** intStr formats an int in base 10. */
export function intStr(x: number | bigint): string {
  return String(x);
}
