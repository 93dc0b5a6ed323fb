// ISO-8601 text of DuckDB's date and time values, from their raw numbers (days, micros,
// nanos): used on the main thread (values.ts) and in a model's worker (json-page.ts), so it
// imports nothing of DuckDB.

const US_PER_DAY = 86_400_000_000n;

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function pad(n: number | bigint, width: number): string {
  return String(n).padStart(width, '0');
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

export function dateIso(days: number): string {
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

export function timeIso(nanos: bigint): string {
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

/** timestampIso writes micros since the epoch (a number when it is a safe integer). */
export function timestampIso(micros: bigint | number, utc: boolean): string {
  if (typeof micros === 'bigint') {
    if (micros >= 9223372036854775806n) return 'infinity';
    if (micros <= -9223372036854775806n) return '-infinity';
  }
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
  const big = BigInt(micros);
  const days = floorDiv(big, US_PER_DAY);
  const inDay = big - days * US_PER_DAY;
  return `${dateIso(Number(days))}T${timeIso(inDay * 1000n)}${utc ? 'Z' : ''}`;
}

export function timestampNsIso(nanos: bigint): string {
  const perDay = US_PER_DAY * 1000n;
  const days = floorDiv(nanos, perDay);
  return `${dateIso(Number(days))}T${timeIso(nanos - days * perDay)}`;
}

export function offsetIso(seconds: number): string {
  const sign = seconds < 0 ? '-' : '+';
  const a = Math.abs(seconds);
  return `${sign}${pad(Math.floor(a / 3600), 2)}:${pad(Math.floor(a / 60) % 60, 2)}`;
}

export function intervalIso(months: number, days: number, micros: bigint): string {
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
