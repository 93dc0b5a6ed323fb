/**
 * Zones (Go's *Location): UTC, IANA zones resolved through Intl, and fixed offsets; the offset
 * and abbreviation of a zone at an instant, a wall clock read in a zone (Go's time.Date), and
 * an instant broken down into the fields of its wall clock.
 */
import { civilFromDays, daysFromCivil } from './calendar.js';
import { NS_PER_SEC, fail, floorDiv, pad } from './common.js';

/** A Zone is Go's *Location: UTC, an IANA zone (Intl), or a fixed offset with a (possibly empty) name. */
export interface Zone {
  readonly name: string;
  /** fixed offset in seconds east of UTC; undefined for IANA zones */
  readonly fixed?: number;
  /** the IANA id handed to Intl (undefined = the host's local zone) */
  readonly tz?: string;
}

export const UTC: Zone = { name: 'UTC', fixed: 0 };

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();
const abbrevFormatters = new Map<string, Intl.DateTimeFormat>();

function formatter(
  cache: Map<string, Intl.DateTimeFormat>,
  key: string,
  make: () => Intl.DateTimeFormat,
): Intl.DateTimeFormat {
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
export function zoneOffset(z: Zone, sec: number): number {
  if (z.fixed !== undefined) return z.fixed;
  const key = z.tz ?? '';
  const f = formatter(
    offsetFormatters,
    key,
    () => new Intl.DateTimeFormat('en-US', { timeZone: z.tz, timeZoneName: 'longOffset' }),
  );
  const s = tzPart(f, sec); // "GMT", "GMT+01:00", "GMT-03:30", "GMT+00:09:21"
  const m = /^GMT([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?$/.exec(s);
  if (!m) return 0;
  const v = Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
  return m[1] === '-' ? -v : v;
}

/** numericZone renders an offset like Go does for unnamed zones ("-0700"). */
export function numericZone(offset: number): string {
  const sign = offset < 0 ? '-' : '+';
  const mins = Math.trunc(Math.abs(offset) / 60);
  return sign + pad(Math.trunc(mins / 60), 2) + pad(mins % 60, 2);
}

/** zoneAbbrev returns the zone abbreviation at an instant ("UTC", "CET", "EST"), or a numeric form when none is known. */
export function zoneAbbrev(z: Zone, sec: number, offset: number): string {
  if (z.fixed !== undefined) return z.name !== '' ? z.name : numericZone(offset);
  const key = z.tz ?? '';
  for (const locale of ['en-US', 'en-GB']) {
    const f = formatter(
      abbrevFormatters,
      locale + '\0' + key,
      () => new Intl.DateTimeFormat(locale, { timeZone: z.tz, timeZoneName: 'short' }),
    );
    const s = tzPart(f, sec);
    if (s !== '' && !/^GMT[+-]/.test(s)) return s;
  }
  // tzdata's style for zones without a letter abbreviation: "+09", "+0530".
  const mins = Math.trunc(Math.abs(offset) / 60);
  return (
    (offset < 0 ? '-' : '+') + pad(Math.trunc(mins / 60), 2) + (mins % 60 !== 0 ? pad(mins % 60, 2) : '')
  );
}

/** loadZone is Go's time.LoadLocation: "" and "UTC" are UTC, "Local" the host zone, else an IANA name. */
export function loadZone(name: string): Zone | undefined {
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

export function mustLoadZone(fn: string, name: string): Zone {
  const z = loadZone(name);
  if (z === undefined) fail(`${fn}: unknown time zone ${name}`);
  return z;
}

/** localToInstant is Go's time.Date: interpret a wall clock (seconds as if UTC) in zone z. */
export function localToInstant(localSec: bigint, z: Zone): bigint {
  if (z.fixed !== undefined) return localSec - BigInt(z.fixed);
  const guess = Number(localSec);
  const off1 = zoneOffset(z, guess);
  let utc = guess - off1;
  const off2 = zoneOffset(z, utc);
  if (off2 !== off1) utc = guess - off2;
  return BigInt(utc);
}

// ---------------------------------------------------------------- broken-down time

export interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  nsec: number;
  weekday: number; // 0 = Sunday
  yday: number; // 1..366
  offset: number; // seconds east of UTC
  abbrev: string;
}

export function fieldsOf(ns: bigint, z: Zone): Fields {
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
    year,
    month,
    day,
    hour,
    minute,
    second: rem - minute * 60,
    nsec,
    weekday: (((days + 4) % 7) + 7) % 7,
    yday: days - daysFromCivil(year, 1, 1) + 1,
    offset,
    abbrev: zoneAbbrev(z, sec, offset),
  };
}
