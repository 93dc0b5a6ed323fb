// The main thread's side of the tracked delta's pages: a page read by the tracked session (as
// JSON lists, or as DuckDB values) becomes the RowsPage sent to the worker, and the buffers of
// its lists move to the worker with the reply instead of being copied.

import type { DeltaPage, JsonDeltaPage } from '../detect/tracked.js';
import { pageBuffers as jsonPageBuffers, type JsonRowTexts, type JsonValues } from './json-page.js';
import { encodePage } from './page.js';
import { CHANGES, type RowsPage } from './rows-page.js';
import { toWire } from './values.js';

/** fromJson is a page the session read as JSON lists (undefined when it could not). */
export function fromJson(page: JsonDeltaPage | undefined): RowsPage | undefined {
  if (page === undefined) return undefined;
  const { columns, first, count, json } = page;
  return json === undefined ? { columns, first, count, data: [] } : { columns, first, count, data: [], json };
}

/** toRowsPage encodes a page of DuckDB values, with each row's change and previous values. */
export function toRowsPage(page: DeltaPage): RowsPage {
  const rows = page.rows.map((r) => r.values);
  const out = encodePage(page.columns, page.types, rows, page.rows[0]?.seq ?? 1);
  const change = new Uint8Array(page.rows.length);
  page.rows.forEach((r, i) => (change[i] = CHANGES.indexOf(r.change)));
  const beforeType = page.beforeType;
  const before = beforeType
    ? page.rows.map((r) => (r.before === null ? null : toWire(r.before, beforeType)))
    : undefined;
  return before ? { ...out, change, before } : { ...out, change };
}

/** pageBuffers are the buffers of a JSON page's lists, moved to the worker with the reply. */
export function pageBuffers(value: unknown): ArrayBuffer[] | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  // A page's lists, or the values or row texts of one (tracked.values, tracked.rows).
  const json =
    'json' in value
      ? (value as RowsPage).json
      : 'seqs' in value
        ? (value as JsonValues | JsonRowTexts)
        : undefined;
  return json === undefined ? undefined : jsonPageBuffers(json);
}
