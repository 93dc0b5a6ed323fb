/**
 * The `time` module that Starlark models get (after starlark-go's lib/time).
 *
 *   time.now()                                   current instant (UTC), host-replaceable
 *   time.parse_time(x, format=None, location=None)
 *   time.from_timestamp(sec, nsec=0)
 *   time.time(year=1, month=1, day=1, hour=0, minute=0, second=0, nanosecond=0, location="UTC")
 *   time.parse_duration(d)
 *   time.is_valid_timezone(name)
 *   time.nanosecond ... time.hour                Durations
 *
 * A Time is an instant (epoch nanoseconds, bigint, so Go's whole year range fits) plus the
 * zone it is viewed in: an IANA name resolved through Intl, UTC, or a fixed offset (what
 * parsing "+02:00" gives, like Go's FixedZone). A Duration is int64 nanoseconds.
 * Layouts are Go's reference-time layouts ("2006-01-02T15:04:05Z07:00").
 *
 * Built only on the public lib/starlark API.
 */
import {
  Builtin, HostValue, None, makeFloat, makeModule, makeString, toJS, toStarlark, typeName, unpackArgs,
  type Value,
  threeway,
} from '../starlark/index.js';

// ---------------------------------------------------------------- small helpers

const NS_PER_SEC = 1_000_000_000n;
const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);
/** Go's zero Time: January 1, year 1, 00:00:00 UTC. */
const ZERO_TIME_NS = -62135596800n * NS_PER_SEC;

function fail(msg: string): never {
  throw new Error(msg);
}

/** quote renders a string in double quotes for error messages. */
function quote(s: string): string {
  return '"' + s.replace(/[\\"]/g, (c) => '\\' + c).replace(/\n/g, '\\n') + '"';
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

function wantString(fn: string, param: string, v: Value): string {
  if (typeof v !== 'string') fail(`${fn}: for parameter ${param}: got ${typeName(v)}, want string`);
  return toJS(v) as string;
}

function optString(fn: string, param: string, v: Value | undefined): string | undefined {
  if (v === undefined || v === None) return undefined;
  return wantString(fn, param, v);
}

function wantBigInt(fn: string, param: string, v: Value): bigint {
  if (typeof v === 'number') return BigInt(v);
  if (typeof v === 'bigint') return v;
  return fail(`${fn}: for parameter ${param}: got ${typeName(v)}, want int`);
}

function wantSmallInt(fn: string, param: string, v: Value): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') fail(`${fn}: for parameter ${param}: ${v} out of range`);
  return fail(`${fn}: for parameter ${param}: got ${typeName(v)}, want int`);
}

function wantInt64(fn: string, param: string, v: Value): bigint {
  const n = wantBigInt(fn, param, v);
  if (n > INT64_MAX || n < INT64_MIN) fail(`${fn}: for parameter ${param}: ${n} out of range (want signed 64-bit value)`);
  return n;
}

/** mix64 scrambles 64 bits (splitmix64 finalizer); used for hashes. */
function mix64(x: bigint): bigint {
  let z = BigInt.asUintN(64, x);
  z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
  z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
  return z ^ (z >> 31n);
}

// ---------------------------------------------------------------- calendar arithmetic

/** daysFromCivil: days since 1970-01-01 of a proleptic Gregorian date (month 1..12). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * ((m + 9) % 12) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** civilFromDays is the inverse of daysFromCivil. */
function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return [y, m, d];
}

function isLeap(y: number): boolean {
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
}

function daysIn(month: number, year: number): number {
  if (month === 2) return isLeap(year) ? 29 : 28;
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

/** civilToSeconds converts a local wall clock (any values; normalised like Go's time.Date) to seconds since the epoch, as if UTC. */
function civilToSeconds(year: number, month: number, day: number, hour: number, min: number, sec: number): bigint {
  // Normalise the month into the year first, then let days/seconds overflow naturally.
  const m0 = month - 1;
  const y = year + Math.floor(m0 / 12);
  const m = (m0 % 12 + 12) % 12 + 1;
  const days = BigInt(daysFromCivil(y, m, 1)) + BigInt(day) - 1n;
  return days * 86400n + BigInt(hour) * 3600n + BigInt(min) * 60n + BigInt(sec);
}

// ---------------------------------------------------------------- zones

/** A Zone is Go's *Location: UTC, an IANA zone (Intl), or a fixed offset with a (possibly empty) name. */
interface Zone {
  readonly name: string;
  /** fixed offset in seconds east of UTC; undefined for IANA zones */
  readonly fixed?: number;
  /** the IANA id handed to Intl (undefined = the host's local zone) */
  readonly tz?: string;
}

const UTC: Zone = { name: 'UTC', fixed: 0 };

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();
const abbrevFormatters = new Map<string, Intl.DateTimeFormat>();

function formatter(cache: Map<string, Intl.DateTimeFormat>, key: string, make: () => Intl.DateTimeFormat): Intl.DateTimeFormat {
  let f = cache.get(key);
  if (f === undefined) {
    f = make();
    cache.set(key, f);
  }
  return f;
}

/** MAX_DATE_SEC is the range of JS Dates (±8.64e15 ms); Intl is asked about clamped instants. */
const MAX_DATE_SEC = 8_640_000_000_000;

function intlDate(sec: number): Date {
  return new Date(Math.max(-MAX_DATE_SEC, Math.min(MAX_DATE_SEC, sec)) * 1000);
}

function tzPart(f: Intl.DateTimeFormat, sec: number): string {
  for (const p of f.formatToParts(intlDate(sec))) if (p.type === 'timeZoneName') return p.value;
  return '';
}

/** zoneOffset returns the zone's offset from UTC in seconds at the given instant. */
function zoneOffset(z: Zone, sec: number): number {
  if (z.fixed !== undefined) return z.fixed;
  const key = z.tz ?? '';
  const f = formatter(offsetFormatters, key, () =>
    new Intl.DateTimeFormat('en-US', { timeZone: z.tz, timeZoneName: 'longOffset' }));
  const s = tzPart(f, sec); // "GMT", "GMT+01:00", "GMT-03:30", "GMT+00:09:21"
  const m = /^GMT([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?$/.exec(s);
  if (!m) return 0;
  const v = Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
  return m[1] === '-' ? -v : v;
}

/** numericZone renders an offset like Go does for unnamed zones ("-0700"). */
function numericZone(offset: number): string {
  const sign = offset < 0 ? '-' : '+';
  const mins = Math.trunc(Math.abs(offset) / 60);
  return sign + pad(Math.trunc(mins / 60), 2) + pad(mins % 60, 2);
}

/** zoneAbbrev returns the zone abbreviation at an instant ("UTC", "CET", "EST"), or a numeric form when none is known. */
function zoneAbbrev(z: Zone, sec: number, offset: number): string {
  if (z.fixed !== undefined) return z.name !== '' ? z.name : numericZone(offset);
  const key = z.tz ?? '';
  for (const locale of ['en-US', 'en-GB']) {
    const f = formatter(abbrevFormatters, locale + '\0' + key, () =>
      new Intl.DateTimeFormat(locale, { timeZone: z.tz, timeZoneName: 'short' }));
    const s = tzPart(f, sec);
    if (s !== '' && !/^GMT[+-]/.test(s)) return s;
  }
  // tzdata's style for zones without a letter abbreviation: "+09", "+0530".
  const mins = Math.trunc(Math.abs(offset) / 60);
  return (offset < 0 ? '-' : '+') + pad(Math.trunc(mins / 60), 2) + (mins % 60 !== 0 ? pad(mins % 60, 2) : '');
}

/** loadZone is Go's time.LoadLocation: "" and "UTC" are UTC, "Local" the host zone, else an IANA name. */
function loadZone(name: string): Zone | undefined {
  if (name === '' || name === 'UTC') return UTC;
  if (name === 'Local') return { name: 'Local' };
  if (/^[+-]/.test(name) || name.includes('..')) return undefined;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
  // Intl matches names case-insensitively; zoneinfo lookups (Go) do not.
  if (resolved !== name && resolved.toLowerCase() === name.toLowerCase()) return undefined;
  return { name, tz: name };
}

function mustLoadZone(fn: string, name: string): Zone {
  const z = loadZone(name);
  if (z === undefined) fail(`${fn}: unknown time zone ${name}`);
  return z;
}

/** localToInstant is Go's time.Date: interpret a wall clock (seconds as if UTC) in zone z. */
function localToInstant(localSec: bigint, z: Zone): bigint {
  if (z.fixed !== undefined) return localSec - BigInt(z.fixed);
  const guess = Number(localSec);
  const off1 = zoneOffset(z, guess);
  let utc = guess - off1;
  const off2 = zoneOffset(z, utc);
  if (off2 !== off1) utc = guess - off2;
  return BigInt(utc);
}

// ---------------------------------------------------------------- broken-down time

interface Fields {
  year: number; month: number; day: number;
  hour: number; minute: number; second: number; nsec: number;
  weekday: number; // 0 = Sunday
  yday: number;    // 1..366
  offset: number;  // seconds east of UTC
  abbrev: string;
}

function fieldsOf(ns: bigint, z: Zone): Fields {
  const secBig = floorDiv(ns, NS_PER_SEC);
  const nsec = Number(ns - secBig * NS_PER_SEC);
  const sec = Number(secBig);
  const offset = zoneOffset(z, sec);
  const local = sec + offset;
  const days = Math.floor(local / 86400);
  let rem = local - days * 86400;
  const [year, month, day] = civilFromDays(days);
  const hour = Math.floor(rem / 3600);
  rem -= hour * 3600;
  const minute = Math.floor(rem / 60);
  return {
    year, month, day, hour, minute, second: rem - minute * 60, nsec,
    weekday: ((days + 4) % 7 + 7) % 7,
    yday: days - daysFromCivil(year, 1, 1) + 1,
    offset,
    abbrev: zoneAbbrev(z, sec, offset),
  };
}

// ---------------------------------------------------------------- layouts

const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const LONG_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September',
  'October', 'November', 'December'];

type Std =
  | 'Jan' | 'January' | '1' | '01' | 'Mon' | 'Monday' | '2' | '_2' | '02' | '__2' | '002'
  | '15' | '3' | '03' | '4' | '04' | '5' | '05' | '06' | '2006' | 'PM' | 'pm' | 'MST'
  | 'Z0700' | 'Z070000' | 'Z07' | 'Z07:00' | 'Z07:00:00'
  | '-0700' | '-070000' | '-07' | '-07:00' | '-07:00:00'
  | 'frac0' | 'frac9';

interface Chunk {
  /** literal text before the element */
  prefix: string;
  std?: Std;
  /** the layout text of the element, for error messages */
  text: string;
  /** fraction digits and separator for frac0/frac9 */
  digits?: number;
  sep?: string;
}

const TZ_LAYOUTS: Std[] = ['Z07:00:00', '-07:00:00', 'Z070000', '-070000', 'Z07:00', '-07:00', 'Z0700', '-0700', 'Z07', '-07'];

/** elementAt recognises a layout element starting at position i: [length, std, fraction digits?]. */
function elementAt(layout: string, i: number): [number, Std, number?] | undefined {
  const c = layout[i]!;
  const rest = layout.slice(i);
  switch (c) {
    case 'J':
      if (rest.startsWith('January')) return [7, 'January'];
      if (rest.startsWith('Jan')) return [3, 'Jan'];
      break;
    case 'M':
      if (rest.startsWith('Monday')) return [6, 'Monday'];
      if (rest.startsWith('Mon')) return [3, 'Mon'];
      if (rest.startsWith('MST')) return [3, 'MST'];
      break;
    case '0':
      if (rest.length >= 2 && rest[1]! >= '1' && rest[1]! <= '6') return [2, ('0' + rest[1]) as Std];
      if (rest.startsWith('002')) return [3, '002'];
      break;
    case '1':
      if (rest.startsWith('15')) return [2, '15'];
      return [1, '1'];
    case '2':
      if (rest.startsWith('2006')) return [4, '2006'];
      return [1, '2'];
    case '_':
      if (rest.startsWith('_2')) {
        if (rest.startsWith('_2006')) return undefined; // literal "_" then a year
        return [2, '_2'];
      }
      if (rest.startsWith('__2')) return [3, '__2'];
      break;
    case '3': return [1, '3'];
    case '4': return [1, '4'];
    case '5': return [1, '5'];
    case 'P':
      if (rest.startsWith('PM')) return [2, 'PM'];
      break;
    case 'p':
      if (rest.startsWith('pm')) return [2, 'pm'];
      break;
    case '-':
    case 'Z':
      for (const t of TZ_LAYOUTS) if (t[0] === c && rest.startsWith(t)) return [t.length, t];
      break;
    case '.':
    case ',':
      if (rest.length >= 2 && (rest[1] === '0' || rest[1] === '9')) {
        const d = rest[1];
        let j = 1;
        while (j < rest.length && rest[j] === d) j++;
        if (!(j < rest.length && rest[j]! >= '0' && rest[j]! <= '9')) return [j, d === '0' ? 'frac0' : 'frac9', j - 1];
      }
      break;
  }
  return undefined;
}

const layoutCache = new Map<string, Chunk[]>();

/** parseLayout splits a Go layout into literal prefixes and elements. */
function parseLayout(layout: string): Chunk[] {
  const cached = layoutCache.get(layout);
  if (cached) return cached;
  const chunks: Chunk[] = [];
  let prefix = '';
  let i = 0;
  while (i < layout.length) {
    const e = elementAt(layout, i);
    if (e === undefined) {
      prefix += layout[i];
      i++;
      continue;
    }
    const [len, std, digits] = e;
    const chunk: Chunk = { prefix, std, text: layout.slice(i, i + len) };
    if (digits !== undefined) {
      chunk.digits = digits;
      chunk.sep = layout[i] ?? '';
    }
    chunks.push(chunk);
    prefix = '';
    i += len;
  }
  if (prefix !== '') chunks.push({ prefix, text: '' });
  if (layoutCache.size > 256) layoutCache.clear();
  layoutCache.set(layout, chunks);
  return chunks;
}

function pad(n: number, width: number): string {
  const s = String(Math.abs(n)).padStart(width, '0');
  return n < 0 ? '-' + s : s;
}

/** formatLayout is Go's Time.Format. */
function formatLayout(f: Fields, layout: string): string {
  let out = '';
  for (const c of parseLayout(layout)) {
    out += c.prefix;
    if (c.std === undefined) continue;
    switch (c.std) {
      case '2006': out += pad(f.year, 4); break;
      case '06': out += pad(((f.year % 100) + 100) % 100, 2); break;
      case 'Jan': out += LONG_MONTHS[f.month - 1]!.slice(0, 3); break;
      case 'January': out += LONG_MONTHS[f.month - 1]; break;
      case '1': out += f.month; break;
      case '01': out += pad(f.month, 2); break;
      case 'Mon': out += LONG_DAYS[f.weekday]!.slice(0, 3); break;
      case 'Monday': out += LONG_DAYS[f.weekday]; break;
      case '2': out += f.day; break;
      case '_2': out += String(f.day).padStart(2, ' '); break;
      case '02': out += pad(f.day, 2); break;
      case '__2': out += String(f.yday).padStart(3, ' '); break;
      case '002': out += pad(f.yday, 3); break;
      case '15': out += pad(f.hour, 2); break;
      case '3': out += (f.hour % 12 === 0 ? 12 : f.hour % 12); break;
      case '03': out += pad(f.hour % 12 === 0 ? 12 : f.hour % 12, 2); break;
      case '4': out += f.minute; break;
      case '04': out += pad(f.minute, 2); break;
      case '5': out += f.second; break;
      case '05': out += pad(f.second, 2); break;
      case 'PM': out += f.hour >= 12 ? 'PM' : 'AM'; break;
      case 'pm': out += f.hour >= 12 ? 'pm' : 'am'; break;
      case 'MST': out += f.abbrev; break;
      case 'frac0':
      case 'frac9': {
        const digits = String(f.nsec).padStart(9, '0').slice(0, c.digits);
        if (c.std === 'frac0') out += c.sep + digits;
        else {
          const trimmed = digits.replace(/0+$/, '');
          if (trimmed !== '') out += c.sep + trimmed;
        }
        break;
      }
      default: {
        // numeric zones
        const std = c.std;
        if (std[0] === 'Z' && f.offset === 0) {
          out += 'Z';
          break;
        }
        const abs = Math.abs(f.offset);
        const colon = std.includes(':');
        out += (f.offset < 0 ? '-' : '+') + pad(Math.trunc(abs / 3600), 2);
        if (std.length > 3) out += (colon ? ':' : '') + pad(Math.trunc(abs / 60) % 60, 2);
        if (std === 'Z070000' || std === '-070000' || std === 'Z07:00:00' || std === '-07:00:00') {
          out += (colon ? ':' : '') + pad(abs % 60, 2);
        }
      }
    }
  }
  return out;
}

class ParseFail {
  constructor(readonly msg: string, readonly rest: number) {}
}

const RFC3339 = '2006-01-02T15:04:05Z07:00';
const RFC3339_NANO = '2006-01-02T15:04:05.999999999Z07:00';
const GO_STRING = '2006-01-02 15:04:05.999999999 -0700 MST';

/** parseWithLayout is Go's time.ParseInLocation; throws ParseFail. */
function parseWithLayout(layout: string, value: string, loc: Zone): Time {
  const orig = value;
  const bad = (valueElem: string, layoutElem: string): never => {
    throw new ParseFail(`parsing time ${quote(orig)} as ${quote(layout)}: cannot parse ${quote(valueElem)} as ${quote(layoutElem)}`, valueElem.length);
  };
  const outOfRange = (what: string): never => {
    throw new ParseFail(`parsing time ${quote(orig)}: ${what} out of range`, -1);
  };
  let year = 0;
  let month = -1;
  let day = -1;
  let yday = -1;
  let hour = 0;
  let min = 0;
  let sec = 0;
  let nsec = 0;
  let pmSet = false;
  let amSet = false;
  let utc = false;
  let tzOffset: number | undefined;
  let zoneName = '';

  /** num reads 1-2 digits (exactly 2 when fixed). */
  const num = (fixed: boolean, elem: string): number => {
    if (!/^\d/.test(value)) bad(value, elem);
    if (!/^\d\d/.test(value)) {
      if (fixed) bad(value, elem);
      const n = Number(value[0]);
      value = value.slice(1);
      return n;
    }
    const n = Number(value.slice(0, 2));
    value = value.slice(2);
    return n;
  };
  const fraction = (ndigits: number | undefined, elem: string): number => {
    // value[0] is '.' or ','; read the digits that follow (all of them when ndigits is undefined)
    let j = 1;
    while (j < value.length && value[j]! >= '0' && value[j]! <= '9') j++;
    if (ndigits !== undefined) {
      if (j - 1 < ndigits) bad(value, elem);
      j = ndigits + 1;
    }
    const digits = value.slice(1, j);
    value = value.slice(j);
    return Number(digits.slice(0, 9).padEnd(9, '0'));
  };
  const lookup = (names: string[], short: boolean, elem: string): number => {
    for (let i = 0; i < names.length; i++) {
      const n = short ? names[i]!.slice(0, 3) : names[i]!;
      if (value.length >= n.length && value.slice(0, n.length).toLowerCase() === n.toLowerCase()) {
        value = value.slice(n.length);
        return i;
      }
    }
    return bad(value, elem);
  };

  const chunks = parseLayout(layout);
  for (let ci = 0; ci < chunks.length; ci++) {
    const c = chunks[ci]!;
    // literal prefix; runs of spaces match runs of spaces
    let p = c.prefix;
    const valueBefore = value;
    while (p.length > 0) {
      if (p[0] === ' ') {
        if (value.length > 0 && value[0] !== ' ') bad(valueBefore, c.prefix);
        p = p.replace(/^ +/, '');
        value = value.replace(/^ +/, '');
        continue;
      }
      if (value.length === 0 || value[0] !== p[0]) bad(valueBefore, c.prefix);
      p = p.slice(1);
      value = value.slice(1);
    }
    if (c.std === undefined) continue;
    const elem = c.text;
    const before = value;
    switch (c.std) {
      case '2006':
        if (!/^\d{4}/.test(value)) bad(value, elem);
        year = Number(value.slice(0, 4));
        value = value.slice(4);
        break;
      case '06': {
        if (!/^\d{2}/.test(value)) bad(value, elem);
        const y = Number(value.slice(0, 2));
        year = y >= 69 ? 1900 + y : 2000 + y;
        value = value.slice(2);
        break;
      }
      case 'Jan': month = lookup(LONG_MONTHS, true, elem) + 1; break;
      case 'January': month = lookup(LONG_MONTHS, false, elem) + 1; break;
      case '1':
      case '01':
        month = num(c.std === '01', elem);
        if (month < 1 || month > 12) outOfRange('month');
        break;
      case 'Mon': lookup(LONG_DAYS, true, elem); break;
      case 'Monday': lookup(LONG_DAYS, false, elem); break;
      case '2':
      case '_2':
      case '02':
        if (c.std === '_2' && value[0] === ' ') value = value.slice(1);
        day = num(c.std === '02', elem);
        break;
      case '__2':
      case '002': {
        if (c.std === '__2') value = value.replace(/^ {1,2}/, '');
        const m = /^\d{1,3}/.exec(value);
        if (!m || (c.std === '002' && m[0].length !== 3)) bad(before, elem);
        yday = Number(m![0]);
        value = value.slice(m![0].length);
        if (yday < 1 || yday > 366) outOfRange('day-of-year');
        break;
      }
      case '15':
        hour = num(false, elem);
        if (hour > 23) outOfRange('hour');
        break;
      case '3':
      case '03':
        hour = num(c.std === '03', elem);
        if (hour > 12) outOfRange('hour');
        break;
      case '4':
      case '04':
        min = num(c.std === '04', elem);
        if (min > 59) outOfRange('minute');
        break;
      case '5':
      case '05': {
        sec = num(c.std === '05', elem);
        if (sec > 59) outOfRange('second');
        // A fraction after the seconds is accepted even when the layout has none.
        const next = chunks[ci + 1];
        const layoutHasFrac = next !== undefined && next.prefix === '' && (next.std === 'frac0' || next.std === 'frac9');
        if (!layoutHasFrac && /^[.,]\d/.test(value)) nsec = fraction(undefined, elem);
        break;
      }
      case 'PM':
      case 'pm': {
        const s = value.slice(0, 2);
        const want = c.std === 'PM' ? ['AM', 'PM'] : ['am', 'pm'];
        if (s === want[1]) pmSet = true;
        else if (s === want[0]) amSet = true;
        else bad(value, elem);
        value = value.slice(2);
        break;
      }
      case 'frac0':
        if (!/^[.,]/.test(value)) bad(value, elem);
        nsec = fraction(c.digits, elem);
        break;
      case 'frac9':
        if (/^[.,]\d/.test(value)) nsec = fraction(undefined, elem);
        break;
      case 'MST': {
        if (value.startsWith('UTC')) {
          utc = true;
          value = value.slice(3);
          break;
        }
        const num = /^([+-])(\d\d)(\d\d)?(?![\d:])/.exec(value);
        if (num) {
          // an unnamed zone printed numerically, as str() does for fixed offsets ("+0200")
          const off = Number(num[2]) * 3600 + Number(num[3] ?? 0) * 60;
          tzOffset ??= num[1] === '-' ? -off : off;
          value = value.slice(num[0].length);
          break;
        }
        const m = /^GMT([+-]\d{1,2})?/.exec(value) ?? /^(?:[A-Z]{2,4}T|[A-Z]{3})/.exec(value);
        if (!m) bad(value, elem);
        zoneName = m![0];
        if (m![1] !== undefined) tzOffset = Number(m![1]) * 3600;
        value = value.slice(zoneName.length);
        break;
      }
      default: {
        // numeric zones: Z07:00 and friends accept "Z" for UTC
        const std = c.std;
        if (std[0] === 'Z' && value[0] === 'Z') {
          utc = true;
          value = value.slice(1);
          break;
        }
        const shape = std.slice(1).replace(/\d/g, '9'); // "99:99", "9999", "99", ...
        const re = new RegExp('^[+-]' + shape.replace(/9/g, '\\d'));
        const m = re.exec(value);
        if (!m) bad(value, elem);
        const digits = m![0].slice(1).replace(/:/g, '');
        const hh = Number(digits.slice(0, 2));
        const mm = Number(digits.slice(2, 4) || '0');
        const ss = Number(digits.slice(4, 6) || '0');
        if (hh > 24 || mm > 59 || ss > 59) outOfRange('time zone offset');
        const off = hh * 3600 + mm * 60 + ss;
        tzOffset = value[0] === '-' ? -off : off;
        value = value.slice(m![0].length);
      }
    }
  }
  if (value.length > 0) throw new ParseFail(`parsing time ${quote(orig)}: extra text: ${quote(value)}`, value.length);

  if (pmSet && hour < 12) hour += 12;
  else if (amSet && hour === 12) hour = 0;

  if (yday >= 0) {
    if (month < 0 && day < 0) {
      if (yday > (isLeap(year) ? 366 : 365)) outOfRange('day-of-year');
      const [, m, d] = civilFromDays(daysFromCivil(year, 1, 1) + yday - 1);
      month = m;
      day = d;
    }
  }
  if (month < 0) month = 1;
  if (day < 0) day = 1;
  if (day < 1 || day > daysIn(month, year)) outOfRange('day');

  const localSec = civilToSeconds(year, month, day, hour, min, sec);
  const ns = (s: bigint): bigint => s * NS_PER_SEC + BigInt(nsec);
  if (utc) return new Time(ns(localSec), UTC);
  if (tzOffset !== undefined) {
    const instant = localSec - BigInt(tzOffset);
    // Use the location when it agrees with the offset, else a fixed zone (like Go).
    if (loc.fixed === undefined ? zoneOffset(loc, Number(instant)) === tzOffset : loc.fixed === tzOffset) {
      return new Time(ns(instant), loc);
    }
    return new Time(ns(instant), { name: zoneName, fixed: tzOffset });
  }
  if (zoneName !== '') {
    // An abbreviation: use the location if it uses that abbreviation then, else a fixed zone at offset 0.
    const instant = localToInstant(localSec, loc);
    const sec = Number(instant);
    if (zoneAbbrev(loc, sec, zoneOffset(loc, sec)) === zoneName) return new Time(ns(instant), loc);
    return new Time(ns(localSec), { name: zoneName, fixed: 0 });
  }
  return new Time(ns(localToInstant(localSec, loc)), loc);
}

/** The layouts parse_time tries when no format is given (RFC 3339 first). */
const DEFAULT_LAYOUTS = [
  RFC3339,
  '2006-01-02 15:04:05Z07:00',
  '2006-01-02T15:04:05',
  '2006-01-02 15:04:05',
  '2006-01-02T15:04Z07:00',
  '2006-01-02T15:04',
  '2006-01-02 15:04',
  '2006-01-02',
  GO_STRING, // str(t) round-trips
];

function parseTimeString(value: string, format: string | undefined, loc: Zone): Time {
  if (format !== undefined) {
    try {
      return parseWithLayout(format, value, loc);
    } catch (e) {
      if (e instanceof ParseFail) fail(`parse_time: ${e.msg}`);
      throw e;
    }
  }
  let best: ParseFail | undefined;
  for (const layout of DEFAULT_LAYOUTS) {
    try {
      return parseWithLayout(layout, value, loc);
    } catch (e) {
      if (!(e instanceof ParseFail)) throw e;
      if (best === undefined || e.rest < best.rest) best = e;
    }
  }
  // Report the attempt that got furthest; range errors (rest -1) win.
  return fail(`parse_time: ${best!.msg}`);
}

// ---------------------------------------------------------------- durations

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
function parseDurationString(orig: string): bigint {
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
    if (total > (1n << 63n)) invalid();
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
function durationString(d: bigint): string {
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

/** wrap64 wraps to int64 like Go's duration arithmetic. */
function wrap64(n: bigint): bigint {
  return BigInt.asIntN(64, n);
}

/** saturate64 clamps to int64 like Go's Time.Sub. */
function saturate64(n: bigint): bigint {
  return n > INT64_MAX ? INT64_MAX : n < INT64_MIN ? INT64_MIN : n;
}

function cmpBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
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
      case 'hours': return makeFloat(inUnit(3600n * NS_PER_SEC));
      case 'minutes': return makeFloat(inUnit(60n * NS_PER_SEC));
      case 'seconds': return makeFloat(inUnit(NS_PER_SEC));
      case 'milliseconds': return toStarlark(d / 1_000_000n);
      case 'microseconds': return toStarlark(d / 1000n);
      case 'nanoseconds': return toStarlark(d);
    }
    return undefined;
  }
  override compare(op: string, other: Value): boolean {
    if (!(other instanceof Duration)) return fail(`${this.type()} ${op} ${typeName(other)} not implemented`);
    return threeway(op, cmpBig(this.ns, other.ns));
  }
  /**
   * binary implements d + d, d + t, d - d, d * int, int * d, d / d (float), d / int, d / float, d // d.
   * Returns undefined when the operation is not supported (the interpreter reports it).
   * Not yet called by lib/starlark (no binary-operator hook for HostValue); see the report.
   */
  override binary(op: string, y: Value, side: Side): Value | undefined {
    const x = this.ns;
    switch (op) {
      case '+':
        if (y instanceof Duration) return new Duration(wrap64(x + y.ns));
        if (y instanceof Time) return y.add(x);
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
        if (side === 'right') break;
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
  /** unary implements -d and +d (not yet called by lib/starlark; see the report). */
  override unary(op: string): Value | undefined {
    if (op === '-') return new Duration(wrap64(-this.ns));
    if (op === '+') return this;
    return undefined;
  }
}

/** floatValue reads a Starlark float through the public API (toJS gives a number for floats). */
function floatValue(v: Value): number | undefined {
  if (typeof v !== 'object' || typeName(v) !== 'float') return undefined;
  return toJS(v) as number;
}

// ---------------------------------------------------------------- Time

const TIME_FIELDS = ['year', 'month', 'day', 'hour', 'minute', 'second', 'nanosecond', 'unix', 'unix_nano', 'location'];
const TIME_METHODS = ['format', 'in_location'];

export class Time extends HostValue {
  /** nanoseconds since 1970-01-01T00:00:00Z */
  readonly ns: bigint;
  readonly zone: Zone;
  private cachedFields: Fields | undefined;
  constructor(ns: bigint, zone: Zone = UTC) {
    super();
    this.ns = ns;
    this.zone = zone;
  }
  get fields(): Fields {
    return (this.cachedFields ??= fieldsOf(this.ns, this.zone));
  }
  override type(): string {
    return 'time.time';
  }
  override truth(): boolean {
    return this.ns !== ZERO_TIME_NS;
  }
  override hash(): number {
    return Number(BigInt.asUintN(52, mix64(this.ns ^ 0x2545f491n)));
  }
  /** Go's Time.String: "2006-01-02 15:04:05.999999999 -0700 MST". */
  override repr(): string {
    return formatLayout(this.fields, GO_STRING);
  }
  /** json.encode gives RFC 3339 with nanoseconds (Go's MarshalJSON). */
  override toJSON(): unknown {
    return formatLayout(this.fields, RFC3339_NANO);
  }
  format(layout: string): string {
    return formatLayout(this.fields, layout);
  }
  add(d: bigint): Time {
    return new Time(this.ns + d, this.zone);
  }
  override attrNames(): string[] {
    return [...TIME_METHODS, ...TIME_FIELDS];
  }
  override attr(name: string): Value | undefined {
    switch (name) {
      case 'year': return this.fields.year;
      case 'month': return this.fields.month;
      case 'day': return this.fields.day;
      case 'hour': return this.fields.hour;
      case 'minute': return this.fields.minute;
      case 'second': return this.fields.second;
      case 'nanosecond': return this.fields.nsec;
      case 'unix': return toStarlark(floorDiv(this.ns, NS_PER_SEC));
      case 'unix_nano': return toStarlark(this.ns);
      case 'location': return makeString(this.zone.name);
      case 'format':
        return new Builtin('format', (_th, fn, args, kwargs) => {
          if (kwargs.length > 0) fail('format: unexpected keyword arguments');
          if (args.length !== 1) fail(`format: got ${args.length} arguments, want 1`);
          return makeString((fn.receiver as Time).format(wantString('format', 'layout', args[0]!)));
        }, this);
      case 'in_location':
        return new Builtin('in_location', (_th, fn, args, kwargs) => {
          if (kwargs.length > 0) fail('in_location: unexpected keyword arguments');
          if (args.length !== 1) fail(`in_location: got ${args.length} arguments, want 1`);
          const t = fn.receiver as Time;
          return new Time(t.ns, mustLoadZone('in_location', wantString('in_location', 'name', args[0]!)));
        }, this);
    }
    return undefined;
  }
  override compare(op: string, other: Value): boolean {
    if (!(other instanceof Time)) return fail(`${this.type()} ${op} ${typeName(other)} not implemented`);
    return threeway(op, cmpBig(this.ns, other.ns));
  }
  /**
   * binary implements t + d, d + t, t - d, t - t (a Duration, saturated like Go's Sub).
   * Not yet called by lib/starlark (no binary-operator hook for HostValue); see the report.
   */
  override binary(op: string, y: Value, side: Side): Value | undefined {
    if (op === '+' && y instanceof Duration) return this.add(y.ns);
    if (op === '-' && side === 'left') {
      if (y instanceof Duration) return this.add(-y.ns);
      if (y instanceof Time) return new Duration(saturate64(this.ns - y.ns));
    }
    return undefined;
  }
}

// ---------------------------------------------------------------- the module

export interface TimeModuleOptions {
  /** the current instant in nanoseconds since the epoch (default: the system clock) */
  now?: () => bigint;
}

function systemNow(): bigint {
  const ms = performance.timeOrigin + performance.now();
  return BigInt(Math.round(ms * 1000)) * 1000n;
}

function positionalOnly(fn: string, args: Value[], kwargs: Array<[string, Value]>, min: number, max: number): void {
  if (kwargs.length > 0) fail(`${fn}: unexpected keyword arguments`);
  if (args.length < min) fail(`${fn}: got ${args.length} arguments, want ${min < max ? 'at least ' : ''}${min}`);
  if (args.length > max) fail(`${fn}: got ${args.length} arguments, want ${min < max ? 'at most ' : ''}${max}`);
}

export function makeTimeModule(opts: TimeModuleOptions = {}): Value {
  const now = opts.now ?? systemNow;
  return makeModule('time', {
    now: new Builtin('now', (_th, _fn, args, kwargs) => {
      positionalOnly('now', args, kwargs, 0, 0);
      return new Time(now(), UTC);
    }),

    parse_time: new Builtin('parse_time', (_th, _fn, args, kwargs) => {
      const [x, format, location] = unpackArgs('parse_time', args, kwargs, 'x', 'format?', 'location?');
      const value = wantString('parse_time', 'x', x!);
      const layout = optString('parse_time', 'format', format);
      const locName = optString('parse_time', 'location', location) ?? 'UTC';
      const loc = loadZone(locName);
      if (loc === undefined) fail(`parse_time: unknown time zone ${locName}`);
      return parseTimeString(value, layout, loc);
    }),

    from_timestamp: new Builtin('from_timestamp', (_th, _fn, args, kwargs) => {
      positionalOnly('from_timestamp', args, kwargs, 1, 2);
      const sec = wantInt64('from_timestamp', 'sec', args[0]!);
      const nsec = args.length > 1 ? wantInt64('from_timestamp', 'nsec', args[1]!) : 0n;
      return new Time(sec * NS_PER_SEC + nsec, UTC);
    }),

    time: new Builtin('time', (_th, _fn, args, kwargs) => {
      if (args.length > 0) fail('time: unexpected positional arguments');
      const names = ['year', 'month', 'day', 'hour', 'minute', 'second', 'nanosecond', 'location'];
      const vals = unpackArgs('time', args, kwargs, ...names.map((n) => n + '?'));
      const int = (i: number, dflt: number): number =>
        vals[i] === undefined ? dflt : wantSmallInt('time', names[i]!, vals[i]!);
      const year = int(0, 1);
      const month = int(1, 1);
      const day = int(2, 1);
      const hour = int(3, 0);
      const minute = int(4, 0);
      const second = int(5, 0);
      const nanosecond = vals[6] === undefined ? 0n : wantInt64('time', 'nanosecond', vals[6]);
      const loc = mustLoadZone('time', optString('time', 'location', vals[7]) ?? 'UTC');
      for (const [i, v] of [year, month, day, hour, minute, second].entries()) {
        if (Math.abs(v) > 1e12) fail(`time: for parameter ${names[i]}: ${v} out of range`);
      }
      const local = civilToSeconds(year, month, day, hour, minute, second);
      // Like Go, normalise the nanoseconds into the seconds before applying the zone.
      const carry = floorDiv(nanosecond, NS_PER_SEC);
      const instant = localToInstant(local + carry, loc);
      return new Time(instant * NS_PER_SEC + (nanosecond - carry * NS_PER_SEC), loc);
    }),

    parse_duration: new Builtin('parse_duration', (_th, _fn, args, kwargs) => {
      positionalOnly('parse_duration', args, kwargs, 1, 1);
      const d = args[0]!;
      if (d instanceof Duration) return d;
      if (typeof d !== 'string') fail(`parse_duration: got ${typeName(d)}, want a duration or string`);
      return new Duration(parseDurationString(toJS(d) as string));
    }),

    is_valid_timezone: new Builtin('is_valid_timezone', (_th, _fn, args, kwargs) => {
      positionalOnly('is_valid_timezone', args, kwargs, 1, 1);
      return loadZone(wantString('is_valid_timezone', 'loc', args[0]!)) !== undefined;
    }),

    nanosecond: new Duration(1n),
    microsecond: new Duration(1000n),
    millisecond: new Duration(1_000_000n),
    second: new Duration(NS_PER_SEC),
    minute: new Duration(60n * NS_PER_SEC),
    hour: new Duration(3600n * NS_PER_SEC),
  });
}

/** The time module with the system clock. */
export const timeModule: Value = makeTimeModule({});
