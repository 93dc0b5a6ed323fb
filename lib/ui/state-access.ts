// How the dashboard reads the state: opened read-only for one request and closed at once, so it
// never holds the file between requests (a run started meanwhile must be able to open it). When
// a run holds the state, or the process that serves the dashboard is running one itself (ebb
// serve: its gate is closed), the read is "busy" and the page shows the run's live status instead.
// The one write (send rejected rows again) opens it for writing the same way, for one request.
// Within this process the opens take turns (./state-turns.ts): reads beside reads, a write alone.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { StateLockedError } from '../errors.js';
import { Store, type SetupStep } from '../store/index.js';
import { withTurn } from './state-turns.js';

/**
 * StateGate lets the process that serves the dashboard keep it off the state while it writes:
 * DuckDB's file lock is per process, so a read-only open beside this process's own read-write
 * one would not be refused, and must not happen.
 */
export interface StateGate {
  /** enter returns false while the process holds the state itself; else the read may go on until leave. */
  enter(): boolean;
  leave(): void;
}

export type StateRead<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: 'busy' | 'missing'; readonly message: string };

export interface StatePlace {
  readonly statePath: string;
  /** The project root: relative paths in SQL resolve from it. */
  readonly root: string;
  readonly gate?: StateGate | undefined;
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

function withState<T>(
  place: StatePlace,
  use: (state: Store) => Promise<T>,
  setup: readonly SetupStep[] | undefined,
  readOnly: boolean,
): Promise<StateRead<T>> {
  if (place.statePath !== ':memory:' && !existsSync(place.statePath)) {
    const message = `no state yet at ${place.statePath}: nothing has run`;
    return Promise.resolve({ ok: false, reason: 'missing', message });
  }
  const key = place.statePath === ':memory:' ? ':memory:' : resolve(place.statePath);
  return withTurn(key, !readOnly, () => openFor(place, use, setup, readOnly));
}

/** openFor opens the state (read-only or for writing) for `use`, in this process's turn at it. */
async function openFor<T>(
  place: StatePlace,
  use: (state: Store) => Promise<T>,
  setup: readonly SetupStep[] | undefined,
  readOnly: boolean,
): Promise<StateRead<T>> {
  const { statePath, gate } = place;
  if (gate && !gate.enter()) {
    return { ok: false, reason: 'busy', message: 'a scheduled run holds the state' };
  }
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
  } finally {
    gate?.leave();
  }
}

function lockHolder(message: string): string {
  return /\(([^)]*PID[^)]*)\)/.exec(message)?.[1] ?? 'another ebb process';
}

/**
 * ExclusiveGate is the gate of a process that also writes the state (ebb serve): `hold` waits for
 * the dashboard's reads in progress to end and closes the gate until the returned release is called.
 */
export class ExclusiveGate implements StateGate {
  #readers = 0;
  #held = false;
  #drained: (() => void) | undefined;

  enter(): boolean {
    if (this.#held) return false;
    this.#readers++;
    return true;
  }

  leave(): void {
    this.#readers--;
    if (this.#readers === 0) this.#drained?.();
  }

  async hold(): Promise<() => void> {
    this.#held = true;
    if (this.#readers > 0) await new Promise<void>((resolve) => (this.#drained = resolve));
    this.#drained = undefined;
    return () => {
      this.#held = false;
    };
  }
}
