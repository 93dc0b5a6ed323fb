// Human-readable lines for runs (stderr) — the JSON form is the ModelResult itself.

import type { ModelResult, RunSummary } from './result.js';

const LABEL: Record<ModelResult['status'], string> = { ok: 'OK', error: 'ERROR', skipped: 'SKIP' };

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
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
  const details = r.details ? '   ' + Object.entries(r.details).map(([k, v]) => `${k} ${formatCount(v)}`).join(', ') : '';
  if (r.status === 'error') return `${line}\n      ${(r.error ?? '').split('\n').join('\n      ')}`;
  return line + details;
}

export function summaryLine(s: RunSummary): string {
  const count = (st: ModelResult['status']) => s.results.filter((r) => r.status === st).length;
  const parts = [`${count('ok')} ok`];
  if (count('error') > 0) parts.push(`${count('error')} error`);
  if (count('skipped') > 0) parts.push(`${count('skipped')} skipped`);
  if (s.results.length === 0) return `Nothing to run (run ${s.run_id}).`;
  return `Done in ${formatSeconds(s.duration_ms)}: ${parts.join(', ')} (run ${s.run_id}).`;
}
