// The messages between a model's worker and the main thread.

import type { FileOptions } from '../starlark/index.js';

/** The names a model's script sees besides Starlark's universe. */
export const MODEL_GLOBALS: readonly string[] = ['query', 'deleted', 'save', 'env', 'json', 'time', 'struct'];

/** Models may loop and reassign at top level, like scripts (the seed loop is top-level code). */
export const MODEL_FILE_OPTIONS: FileOptions = {
  allowWhile: true,
  allowSet: true,
  allowGlobalReassign: true,
  allowToplevelControl: true,
};

export interface ModelInit {
  readonly name: string;
  /** Path relative to the project root, used in messages and positions. */
  readonly file: string;
  readonly source: string;
  readonly kind: 'table' | 'append' | 'merge' | 'tracked' | 'view';
  readonly uniqueKey: readonly string[];
  /** Environment seen by env.get(): the process environment overlaid with the project's .env. */
  readonly env: Readonly<Record<string, string>>;
  /** The model's step budget (@max_steps; absent: DEFAULT_MAX_STEPS). */
  readonly maxSteps?: number;
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
