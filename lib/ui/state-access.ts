// How the dashboard reads the state: opened read-only for one request and closed at once, so it
// never holds the file between requests (a run started meanwhile must be able to open it). When
// a run holds the state — another process's (DuckDB's lock), or this process's own scheduled run
// (ebb serve holds its file's turn, ./state-turns.ts) — the read is "busy" and the page shows the
// run's live status instead. The one write (send rejected rows again) opens it for writing the
// same way, for one request. Within this process the opens take turns: reads beside reads, a
// write alone, none while a scheduled run holds the file.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { StateLockedError } from '../errors.js';
import { Store, type SetupStep } from '../store/index.js';
import { withTurn } from './state-turns.js';

export type StateRead<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: 'busy' | 'missing'; readonly message: string };

export interface StatePlace {
  readonly statePath: string;
  /** The project root: relative paths in SQL resolve from it. */
  readonly root: string;
}

/** readState opens the state read-only for `read`; `setup` (the project file's statements) only when a read needs its sources. */
export function readState<T>(
  place: StatePlace,
  read: (state: Store) => Promise<T>,
  setup?: readonly SetupStep[],
): Promise<StateRead<T>> {
  return withState(place, read, setup, true);
}

/**
 * writeState opens the state for writing for `write` (it takes the state's lock: busy while a
 * run holds it, and a run started meanwhile waits or says the state is busy) and closes it.
 */
export function writeState<T>(place: StatePlace, write: (state: Store) => Promise<T>): Promise<StateRead<T>> {
  return withState(place, write, undefined, false);
}

async function withState<T>(
  place: StatePlace,
  use: (state: Store) => Promise<T>,
  setup: readonly SetupStep[] | undefined,
  readOnly: boolean,
): Promise<StateRead<T>> {
  if (place.statePath !== ':memory:' && !existsSync(place.statePath)) {
    const message = `no state yet at ${place.statePath}: nothing has run`;
    return { ok: false, reason: 'missing', message };
  }
  const taken = await withTurn(statePathKey(place.statePath), !readOnly, () =>
    openFor(place, use, setup, readOnly),
  );
  if (taken.ok) return taken.value;
  return { ok: false, reason: 'busy', message: 'a scheduled run of this process holds the state' };
}

/** statePathKey is the name a state file's turns go by in this process: its absolute path. */
export function statePathKey(statePath: string): string {
  return statePath === ':memory:' ? statePath : resolve(statePath);
}

/** openFor opens the state (read-only or for writing) for `use`, in this process's turn at it. */
async function openFor<T>(
  place: StatePlace,
  use: (state: Store) => Promise<T>,
  setup: readonly SetupStep[] | undefined,
  readOnly: boolean,
): Promise<StateRead<T>> {
  const { statePath } = place;
  try {
    const state = await Store.open({
      path: statePath,
      root: place.root,
      setup: setup ?? [],
      ...(readOnly ? { readOnly } : { command: 'the dashboard (send rejected rows again)' }),
    });
    try {
      return { ok: true, value: await use(state) };
    } finally {
      state.close();
    }
  } catch (err) {
    if (err instanceof StateLockedError) {
      return {
        ok: false,
        reason: 'busy',
        message: `the state is held by a run (${lockHolder(err.message)})`,
      };
    }
    throw err;
  }
}

function lockHolder(message: string): string {
  return /\(([^)]*PID[^)]*)\)/.exec(message)?.[1] ?? 'another ebb process';
}
