/**
 * time.duration: int64 nanoseconds like Go's time.Duration, parsed from and printed as Go's
 * "1h30m15.5s", with the arithmetic of durations among themselves and with numbers. (A
 * duration added to a time is done by the time: the interpreter asks the right operand when
 * the left one declines.)
 */
import { HostValue, makeFloat, threeway, toJS, toStarlark, typeName, type Value } from '../../index.js';
import {
  INT64_MAX,
  INT64_MIN,
  NS_PER_SEC,
  cmpBig,
  fail,
  mix64,
  quote,
  saturate64,
  wrap64,
} from './common.js';

const UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  '\u00b5s': 1000n, // µ (micro sign)
  '\u03bcs': 1000n, // μ (Greek mu)
  ms: 1_000_000n,
  s: NS_PER_SEC,
  m: 60n * NS_PER_SEC,
  h: 3600n * NS_PER_SEC,
};

/** parseDurationString is Go's time.ParseDuration ("1h30m15.5s", "-2m", "300ms"). */
export function parseDurationString(orig: string): bigint {
  const invalid = (): never => fail(`parse_duration: invalid duration ${quote(orig)}`);
  let s = orig;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') invalid();
  let total = 0n;
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    const intPart = m[1]!;
    const fracPart = m[2];
    if (intPart === '' && (fracPart === undefined || fracPart === '')) invalid();
    s = s.slice(m[0].length);
    const u = /^[^\d.]*/.exec(s)![0];
    if (u === '') fail(`parse_duration: missing unit in duration ${quote(orig)}`);
    const unit = UNITS[u];
    if (unit === undefined) fail(`parse_duration: unknown unit ${quote(u)} in duration ${quote(orig)}`);
    s = s.slice(u.length);
    let v = (intPart === '' ? 0n : BigInt(intPart)) * unit;
    if (fracPart) v += (BigInt(fracPart) * unit) / 10n ** BigInt(fracPart.length);
    total += v;
    if (total > 1n << 63n) invalid();
  }
  if (neg) total = -total;
  if (total > INT64_MAX || total < INT64_MIN) invalid();
  return total;
}

function fmtFrac(v: bigint, unit: bigint, digits: number): string {
  const whole = v / unit;
  const frac = v % unit;
  if (frac === 0n) return String(whole);
  return `${whole}.${String(frac).padStart(digits, '0').replace(/0+$/, '')}`;
}

/** durationString is Go's Duration.String. */
export function durationString(d: bigint): string {
  if (d === 0n) return '0s';
  const sign = d < 0n ? '-' : '';
  let u = d < 0n ? -d : d;
  if (u < NS_PER_SEC) {
    if (u < 1000n) return `${sign}${u}ns`;
    if (u < 1_000_000n) return `${sign}${fmtFrac(u, 1000n, 3)}\u00b5s`;
    return `${sign}${fmtFrac(u, 1_000_000n, 6)}ms`;
  }
  const hourNs = 3600n * NS_PER_SEC;
  const minNs = 60n * NS_PER_SEC;
  const h = u / hourNs;
  u -= h * hourNs;
  const m = u / minNs;
  u -= m * minNs;
  let out = fmtFrac(u, NS_PER_SEC, 9) + 's';
  if (h > 0n || m > 0n) out = `${m}m${out}`;
  if (h > 0n) out = `${h}h${out}`;
  return sign + out;
}

const DURATION_ATTRS = ['hours', 'minutes', 'seconds', 'milliseconds', 'microseconds', 'nanoseconds'];

/** Which side of a binary operator the receiver is on. */
export type Side = 'left' | 'right';

export class Duration extends HostValue {
  readonly ns: bigint;
  constructor(ns: bigint) {
    super();
    this.ns = ns;
  }
  override type(): string {
    return 'time.duration';
  }
  override truth(): boolean {
    return this.ns !== 0n;
  }
  override hash(): number {
    return Number(BigInt.asUintN(52, mix64(this.ns ^ 0x5bd1e995n)));
  }
  override repr(): string {
    return durationString(this.ns);
  }
  override toJSON(): unknown {
    return durationString(this.ns);
  }
  override attrNames(): string[] {
    return DURATION_ATTRS.slice();
  }
  override attr(name: string): Value | undefined {
    const d = this.ns;
    // Like Go: whole units plus the remainder as a fraction, for precision.
    const inUnit = (unit: bigint): number => Number(d / unit) + Number(d % unit) / Number(unit);
    switch (name) {
      case 'hours':
        return makeFloat(inUnit(3600n * NS_PER_SEC));
      case 'minutes':
        return makeFloat(inUnit(60n * NS_PER_SEC));
      case 'seconds':
        return makeFloat(inUnit(NS_PER_SEC));
      case 'milliseconds':
        return toStarlark(d / 1_000_000n);
      case 'microseconds':
        return toStarlark(d / 1000n);
      case 'nanoseconds':
        return toStarlark(d);
    }
    return undefined;
  }
  override compare(op: string, other: Value): boolean {
    if (!(other instanceof Duration)) return fail(`${this.type()} ${op} ${typeName(other)} not implemented`);
    return threeway(op, cmpBig(this.ns, other.ns));
  }
  /**
   * binary implements d + d, d - d, d * int, int * d, d / d (float), d / int, d / float, d // d.
   * Returns undefined when the operation is not supported: the interpreter then asks the other
   * operand (d + t is Time's), and reports "unknown binary op" when neither knows it.
   */
  override binary(op: string, y: Value, side: Side): Value | undefined {
    const x = this.ns;
    switch (op) {
      case '+':
        if (y instanceof Duration) return new Duration(wrap64(x + y.ns));
        break;
      case '-':
        if (y instanceof Duration) return new Duration(wrap64(side === 'left' ? x - y.ns : y.ns - x));
        break;
      case '*':
        if (typeof y === 'number' || typeof y === 'bigint') {
          const n = BigInt(y);
          if (n > INT64_MAX || n < INT64_MIN) fail('int value out of range (want signed 64-bit value)');
          return new Duration(wrap64(x * n));
        }
        break;
      case '/':
        if (y instanceof Duration) {
          const [a, b] = side === 'left' ? [x, y.ns] : [y.ns, x];
          if (b === 0n) fail(`${this.type()} division by zero`);
          return makeFloat(Number(a) / Number(b));
        }
        // A number divided by a duration is refused in starlark-go's words.
        if (side === 'right') {
          if (typeof y === 'number' || typeof y === 'bigint' || floatValue(y) !== undefined)
            fail('unsupported operation');
          break;
        }
        if (typeof y === 'number' || typeof y === 'bigint') {
          const n = BigInt(y);
          if (n > INT64_MAX || n < INT64_MIN) fail('int value out of range (want signed 64-bit value)');
          if (n === 0n) fail(`${this.type()} division by zero`);
          return new Duration(x / n);
        }
        {
          const f = floatValue(y);
          if (f !== undefined) {
            if (f === 0) fail(`${this.type()} division by zero`);
            return new Duration(saturate64(BigInt(Math.trunc(Number(x) / f))));
          }
        }
        break;
      case '//':
        if (y instanceof Duration) {
          const [a, b] = side === 'left' ? [x, y.ns] : [y.ns, x];
          if (b === 0n) fail(`${this.type()} division by zero`);
          return toStarlark(a / b);
        }
        break;
    }
    return undefined;
  }
  /** unary implements -d and +d. */
  override unary(op: string): Value | undefined {
    if (op === '-') return new Duration(wrap64(-this.ns));
    if (op === '+') return this;
    return undefined;
  }
}

/** floatValue reads a Starlark float through the public API (toJS gives a number for floats). */
export function floatValue(v: Value): number | undefined {
  if (typeof v !== 'object' || typeName(v) !== 'float') return undefined;
  return toJS(v) as number;
}
