// Human-readable lines for runs (stderr) — the JSON form is the ModelResult itself.

import type { ModelResult, RunSummary } from './result.js';

const LABEL: Record<ModelResult['status'], string> = {
  ok: 'OK',
  error: 'ERROR',
  skipped: 'SKIP',
  interrupted: 'STOP',
};

/**
 * formatCount writes a count with thousands separators (`12,345`), as en-US does. Integers are
 * grouped by hand: the first toLocaleString of a process loads ICU's number formatting (~10 ms
 * of the main thread, at the end of every run, when the summary line is printed).
 */
export function formatCount(n: number): string {
  if (!Number.isSafeInteger(n) || Object.is(n, -0)) return n.toLocaleString('en-US');
  const digits = String(Math.abs(n));
  let out = digits.slice(0, ((digits.length - 1) % 3) + 1);
  for (let i = out.length; i < digits.length; i += 3) out += ',' + digits.slice(i, i + 3);
  return n < 0 ? '-' + out : out;
}

export function formatSeconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)}s` : `${(ms / 1000).toFixed(1)}s`;
}

/** resultLine formats one model run: `OK    mart.customers   table   12,345 rows   0.21s`. */
export function resultLine(r: ModelResult, nameWidth: number): string {
  const rows = r.rows === null ? '' : `${formatCount(r.rows)} ${r.rows === 1 ? 'row' : 'rows'}`;
  const head = `${LABEL[r.status].padEnd(6)}${r.model.padEnd(nameWidth + 2)}${r.kind.padEnd(9)}`;
  if (r.status === 'skipped') return `${head}skipped: ${r.error ?? ''}`;
  const line = `${head}${rows.padStart(14)}   ${formatSeconds(r.duration_ms)}`;
  const details = r.details
    ? '   ' +
      Object.entries(r.details)
        .map(([k, v]) => `${k} ${formatCount(v)}`)
        .join(', ')
    : '';
  const unsaved = r.details?.unsaved ?? 0;
  const note =
    r.warning !== undefined
      ? `\n      warning: ${r.warning}`
      : unsaved > 0
        ? `\n      ${formatCount(unsaved)} ${unsaved === 1 ? 'row was' : 'rows were'} not acknowledged by the script (save.row); ${unsaved === 1 ? 'it comes' : 'they come'} back next run`
        : '';
  if (r.status === 'error') return `${line + details}\n      ${(r.error ?? '').split('\n').join('\n      ')}`;
  if (r.status === 'interrupted') return `${line + details}\n      ${r.error ?? 'interrupted'}`;
  return line + details + note;
}

/** failedRows is the number of rows whose requests failed, over a run's models. */
export function failedRows(s: RunSummary): number {
  return s.results.reduce((n, r) => n + (r.details?.failed ?? 0), 0);
}

/** rejectedRows is the number of rows the APIs rejected (outcome functions said so), over a run's models. */
export function rejectedRows(s: RunSummary): number {
  return s.results.reduce((n, r) => n + (r.details?.rejected ?? 0), 0);
}

/** undeliveredRows is the rows that failed or were rejected: the run then exits 3. */
export function undeliveredRows(s: RunSummary): number {
  return failedRows(s) + rejectedRows(s);
}

export function summaryLine(s: RunSummary): string {
  const count = (st: ModelResult['status']) => s.results.filter((r) => r.status === st).length;
  const parts = [`${count('ok')} ok`];
  if (count('error') > 0) parts.push(`${count('error')} error`);
  if (count('skipped') > 0) parts.push(`${count('skipped')} skipped`);
  if (count('interrupted') > 0) parts.push(`${count('interrupted')} interrupted`);
  if (s.results.length === 0) return `Nothing to run (run ${s.run_id}).`;
  const failed = failedRows(s);
  const rejected = rejectedRows(s);
  const said: string[] = [];
  if (failed > 0)
    said.push(
      `${formatCount(failed)} ${failed === 1 ? 'row' : 'rows'} failed to deliver (they are sent again next run)`,
    );
  if (rejected > 0)
    said.push(
      `${formatCount(rejected)} ${rejected === 1 ? 'row was' : 'rows were'} rejected by the API (not sent again until changed, or ebb retry MODEL)`,
    );
  const tail = said.length > 0 ? ` ${said.join('; ')}: see ebb status` : '';
  if (s.interrupted) {
    const saved = s.results.reduce((n, r) => n + (r.details?.saved ?? 0), 0);
    return `Interrupted after ${formatSeconds(s.duration_ms)}: ${parts.join(', ')}; ${formatCount(saved)} ${saved === 1 ? 'row' : 'rows'} delivered and acknowledged; the rest is sent next run (run ${s.run_id}).${tail}`;
  }
  return `Done in ${formatSeconds(s.duration_ms)}: ${parts.join(', ')} (run ${s.run_id}).${tail}`;
}
