// The messages between a model's worker and the main thread.

import type { Wire } from './wire.js';

export interface ModelInit {
  readonly name: string;
  /** Path relative to the project root, used in messages and positions. */
  readonly file: string;
  readonly source: string;
  readonly kind: 'table' | 'append' | 'merge' | 'tracked' | 'view';
  readonly uniqueKey: readonly string[];
  /** Environment seen by env.get(): the process environment overlaid with the project's .env. */
  readonly env: Readonly<Record<string, string>>;
}

export interface WireRow {
  readonly seq: number;
  readonly change?: 'new' | 'changed' | 'deleted';
  readonly values: readonly Wire[];
  readonly before?: Wire;
}

export interface RowsPage {
  readonly columns: readonly string[];
  readonly rows: readonly WireRow[];
}

export interface TrackedOpened {
  readonly columns: readonly string[];
  readonly counts: { readonly new: number; readonly changed: number; readonly deleted: number };
}

export interface Finish {
  readonly ok: boolean;
  readonly error?: string;
}

/**
 * Acks and saved rows are flushed in batches: at this many, or when FLUSH_MS passed since the
 * last flush. A crash loses at most the unflushed window (those rows are sent again).
 */
export const BATCH = 5000;
export const FLUSH_MS = 1000;
/** Rows fetched per page from the main thread. */
export const PAGE = 2048;
