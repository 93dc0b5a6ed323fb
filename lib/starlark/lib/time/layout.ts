/**
 * Go's reference-time layouts ("2006-01-02T15:04:05Z07:00"): a layout split into literal text
 * and elements (cached per layout), and Time.Format over the fields of a wall clock. Parsing
 * with a layout is in parse.ts.
 */
import { pad } from './common.js';
import type { Fields } from './zone.js';

export const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
export const LONG_MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

export type Std =
  | 'Jan'
  | 'January'
  | '1'
  | '01'
  | 'Mon'
  | 'Monday'
  | '2'
  | '_2'
  | '02'
  | '__2'
  | '002'
  | '15'
  | '3'
  | '03'
  | '4'
  | '04'
  | '5'
  | '05'
  | '06'
  | '2006'
  | 'PM'
  | 'pm'
  | 'MST'
  | 'Z0700'
  | 'Z070000'
  | 'Z07'
  | 'Z07:00'
  | 'Z07:00:00'
  | '-0700'
  | '-070000'
  | '-07'
  | '-07:00'
  | '-07:00:00'
  | 'frac0'
  | 'frac9';

export interface Chunk {
  /** literal text before the element */
  prefix: string;
  std?: Std;
  /** the layout text of the element, for error messages */
  text: string;
  /** fraction digits and separator for frac0/frac9 */
  digits?: number;
  sep?: string;
}

export const TZ_LAYOUTS: Std[] = [
  'Z07:00:00',
  '-07:00:00',
  'Z070000',
  '-070000',
  'Z07:00',
  '-07:00',
  'Z0700',
  '-0700',
  'Z07',
  '-07',
];

/** elementAt recognises a layout element starting at position i: [length, std, fraction digits?]. */
export function elementAt(layout: string, i: number): [number, Std, number?] | undefined {
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
    case '3':
      return [1, '3'];
    case '4':
      return [1, '4'];
    case '5':
      return [1, '5'];
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
        if (!(j < rest.length && rest[j]! >= '0' && rest[j]! <= '9'))
          return [j, d === '0' ? 'frac0' : 'frac9', j - 1];
      }
      break;
  }
  return undefined;
}

const layoutCache = new Map<string, Chunk[]>();

/** parseLayout splits a Go layout into literal prefixes and elements. */
export function parseLayout(layout: string): Chunk[] {
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

/** formatLayout is Go's Time.Format. */
export function formatLayout(f: Fields, layout: string): string {
  let out = '';
  for (const c of parseLayout(layout)) {
    out += c.prefix;
    if (c.std === undefined) continue;
    switch (c.std) {
      case '2006':
        out += pad(f.year, 4);
        break;
      case '06':
        out += pad(((f.year % 100) + 100) % 100, 2);
        break;
      case 'Jan':
        out += LONG_MONTHS[f.month - 1]!.slice(0, 3);
        break;
      case 'January':
        out += LONG_MONTHS[f.month - 1];
        break;
      case '1':
        out += f.month;
        break;
      case '01':
        out += pad(f.month, 2);
        break;
      case 'Mon':
        out += LONG_DAYS[f.weekday]!.slice(0, 3);
        break;
      case 'Monday':
        out += LONG_DAYS[f.weekday];
        break;
      case '2':
        out += f.day;
        break;
      case '_2':
        out += String(f.day).padStart(2, ' ');
        break;
      case '02':
        out += pad(f.day, 2);
        break;
      case '__2':
        out += String(f.yday).padStart(3, ' ');
        break;
      case '002':
        out += pad(f.yday, 3);
        break;
      case '15':
        out += pad(f.hour, 2);
        break;
      case '3':
        out += f.hour % 12 === 0 ? 12 : f.hour % 12;
        break;
      case '03':
        out += pad(f.hour % 12 === 0 ? 12 : f.hour % 12, 2);
        break;
      case '4':
        out += f.minute;
        break;
      case '04':
        out += pad(f.minute, 2);
        break;
      case '5':
        out += f.second;
        break;
      case '05':
        out += pad(f.second, 2);
        break;
      case 'PM':
        out += f.hour >= 12 ? 'PM' : 'AM';
        break;
      case 'pm':
        out += f.hour >= 12 ? 'pm' : 'am';
        break;
      case 'MST':
        out += f.abbrev;
        break;
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

export const RFC3339 = '2006-01-02T15:04:05Z07:00';
export const RFC3339_NANO = '2006-01-02T15:04:05.999999999Z07:00';
export const GO_STRING = '2006-01-02 15:04:05.999999999 -0700 MST';
