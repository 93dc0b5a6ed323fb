/**
 * Parsing a time with a Go layout (Go's time.ParseInLocation, with its error messages), and
 * time.parse_time's search over the default layouts when none is given.
 */
import { civilFromDays, civilToSeconds, daysFromCivil, daysIn, isLeap } from './calendar.js';
import { NS_PER_SEC, fail, quote } from './common.js';
import { LONG_DAYS, LONG_MONTHS, RFC3339, GO_STRING, parseLayout } from './layout.js';
import { Time } from './time-value.js';
import { UTC, localToInstant, zoneAbbrev, zoneOffset, type Zone } from './zone.js';

class ParseFail {
  constructor(
    readonly msg: string,
    readonly rest: number,
  ) {}
}

/** parseWithLayout is Go's time.ParseInLocation; throws ParseFail. */
export function parseWithLayout(layout: string, value: string, loc: Zone): Time {
  const orig = value;
  const bad = (valueElem: string, layoutElem: string): never => {
    throw new ParseFail(
      `parsing time ${quote(orig)} as ${quote(layout)}: cannot parse ${quote(valueElem)} as ${quote(layoutElem)}`,
      valueElem.length,
    );
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
      case 'Jan':
        month = lookup(LONG_MONTHS, true, elem) + 1;
        break;
      case 'January':
        month = lookup(LONG_MONTHS, false, elem) + 1;
        break;
      case '1':
      case '01':
        month = num(c.std === '01', elem);
        if (month < 1 || month > 12) outOfRange('month');
        break;
      case 'Mon':
        lookup(LONG_DAYS, true, elem);
        break;
      case 'Monday':
        lookup(LONG_DAYS, false, elem);
        break;
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
        const layoutHasFrac =
          next !== undefined && next.prefix === '' && (next.std === 'frac0' || next.std === 'frac9');
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
  if (value.length > 0)
    throw new ParseFail(`parsing time ${quote(orig)}: extra text: ${quote(value)}`, value.length);

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
export const DEFAULT_LAYOUTS = [
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

export function parseTimeString(value: string, format: string | undefined, loc: Zone): Time {
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
