// Pieces several pages share: a status badge, numbers and durations as people read them, a
// model run's counts from its details, the shard column of a sharded state's rows, and the
// notice that says why state data is missing.

import type { Unavailable } from './data.js';
import { html, type Html } from './html.js';

/** when shows an ISO time the way the pages print it: to the second, in UTC, on one line. */
export function when(iso: string | null | undefined): Html {
  if (!iso) return html``;
  return html`<span class="when" title="${iso}">${iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</span>`;
}

export function badge(status: string): Html {
  return html`<span class="badge ${statusClass(status)}">${status}</span>`;
}

/** statusClass maps a status to one of the stylesheet's classes (user text never becomes a class). */
export function statusClass(status: string): string {
  return ['ok', 'error', 'interrupted', 'skipped', 'running', 'never'].includes(status) ? status : 'other';
}

export function count(n: number | null | undefined): string {
  return n === null || n === undefined ? '–' : Math.round(n).toLocaleString('en-US');
}

export function seconds(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '–';
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** shardHead and shardCell add a shard column to a table whose rows came from a sharded state (none otherwise). */
export function shardHead(sharded: boolean): Html {
  return sharded ? html`<th>shard</th>` : html``;
}

export function shardCell(sharded: boolean, shard: string | undefined): Html {
  return sharded ? html`<td class="mono shard">${shard ?? ''}</td>` : html``;
}

/** The counts of a tracked model's run, in the order the pages show them. */
export const DETAIL_COUNTS = ['new', 'changed', 'deleted', 'saved', 'failed', 'unsaved'] as const;

export function detailsOf(text: string | null): Record<string, number> {
  if (text === null) return {};
  try {
    const value = JSON.parse(text) as Record<string, unknown>;
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(value)) if (typeof v === 'number') out[k] = v;
    return out;
  } catch {
    return {};
  }
}

export function unavailableNotice(u: Unavailable | null): Html | undefined {
  if (u === null) return undefined;
  return u.reason === 'busy'
    ? html`The state is busy: ${u.message}. Its tables cannot be read until the run ends; <a href="/live">the live page</a> shows what it is doing.`
    : html`${u.message}. Run <code>ebb run</code> first.`;
}
