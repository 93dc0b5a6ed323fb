// The text of a model's progress line, as a pure function of a progress snapshot, the room
// on the line and whether colour is wanted — so it is tested without a terminal or a timer
// (the ticker that draws it lives in ./progress.ts). Parts that do not fit are left out, least
// useful first (the bar, then the ETA, the rate, the requests in flight); the counts and the
// failures stay.

import { formatCount, type ProgressSnapshot } from '../run/index.js';

export interface LineOptions {
  /** Columns available: the text stays strictly shorter, so a terminal never wraps it. */
  readonly width: number;
  /** Whether to colour the bar and the failures (ANSI SGR); off for NO_COLOR and non-terminals. */
  readonly color: boolean;
  /** Whether to draw the bar (terminals); logs have the same line without it. */
  readonly bar: boolean;
}

const INDENT = '      ';
const BAR_WIDTH = 20;
const GREEN = '\x1b[32m';
const RED = '\x1b[31m';
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';

/** A piece of the line: its visible text, its coloured form, and how late it is dropped. */
interface Part {
  readonly text: string;
  readonly styled: string;
  /** Higher keeps longer when the line is too long. */
  readonly keep: number;
}

/** progressLine renders one snapshot, e.g. `sync.users  1,200/5,000 rows (24%)  16 in flight  410 rows/s  ETA 9s  0 failed`. */
export function progressLine(s: ProgressSnapshot, options: LineOptions): string {
  const paint = (code: string, text: string) =>
    options.color && text !== '' ? `${code}${text}${RESET}` : text;
  const plain = (text: string, keep: number): Part => ({ text, styled: text, keep });
  const rate = rowsPerSecond(s);
  const parts: Part[] = [plain(s.model, 100)];
  if (options.bar && s.total !== null && s.total > 0) parts.push(bar(s.done, s.total, paint));
  parts.push(plain(rowsText(s), 90));
  parts.push(plain(`${formatCount(s.inFlight)} in flight`, 30));
  if (rate !== undefined) parts.push(plain(`${formatCount(Math.round(rate))} rows/s`, 20));
  const eta =
    rate !== undefined && s.total !== null && s.done < s.total
      ? formatEta((s.total - s.done) / rate)
      : undefined;
  if (eta !== undefined) parts.push(plain(`ETA ${eta}`, 10));
  const failed = `${formatCount(s.failed)} failed`;
  parts.push({ text: failed, styled: s.failed > 0 ? paint(RED, failed) : failed, keep: 80 });
  return fit(parts, options.width);
}

/** rowsText is `done/total rows (pct%)`, or `done rows` while the total is not known. */
function rowsText(s: ProgressSnapshot): string {
  if (s.total === null) return `${formatCount(s.done)} ${s.done === 1 ? 'row' : 'rows'}`;
  const pct = s.total > 0 ? Math.floor((100 * Math.min(s.done, s.total)) / s.total) : 100;
  return `${formatCount(s.done)}/${formatCount(s.total)} rows (${pct}%)`;
}

/** rowsPerSecond is the average since the model started; undefined until a row is done. */
export function rowsPerSecond(s: ProgressSnapshot): number | undefined {
  return s.done > 0 && s.elapsedMs > 0 ? (s.done * 1000) / s.elapsedMs : undefined;
}

/** formatEta writes seconds as `9s`, `2m05s` or `1h02m`. */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  const m = Math.floor(s / 60);
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

function bar(done: number, total: number, paint: (code: string, text: string) => string): Part {
  const filled = Math.min(BAR_WIDTH, Math.floor((BAR_WIDTH * done) / total));
  const full = '#'.repeat(filled);
  const rest = '-'.repeat(BAR_WIDTH - filled);
  return { text: `[${full}${rest}]`, styled: `[${paint(GREEN, full)}${paint(DIM, rest)}]`, keep: 0 };
}

/** fit joins the parts, leaving out the least useful ones until the line is shorter than width. */
function fit(parts: readonly Part[], width: number): string {
  let kept = [...parts];
  const length = (ps: readonly Part[]) =>
    INDENT.length + ps.reduce((n, p, i) => n + p.text.length + (i > 0 ? 2 : 0), 0);
  while (length(kept) >= width && kept.length > 1) {
    const drop = kept.reduce((low, p) => (p.keep < low.keep ? p : low));
    if (drop.keep >= 80) break;
    kept = kept.filter((p) => p !== drop);
  }
  if (length(kept) < width) return INDENT + kept.map((p) => p.styled).join('  ');
  // Still too long (a narrow terminal, a long name): the plain text, cut short.
  const text = INDENT + kept.map((p) => p.text).join('  ');
  return text.slice(0, Math.max(0, width - 2)) + '…';
}
