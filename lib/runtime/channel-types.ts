// The shapes both ends of the model channel share (./channel.ts): the operation table's types,
// the envelopes and replies that cross, the errors as values, and the slots of the shared
// signal array the worker waits on.

/** An operation table: name → request type → reply type. */
export interface OpSpec {
  readonly req: unknown;
  readonly rep: unknown;
}
/** An operation table type T: every member is an OpSpec (`T extends OpTable<T>`). */
export type OpTable<T> = { readonly [K in keyof T]: OpSpec };
export type OpName<T> = keyof T & string;
export type Lane = 'serial' | 'concurrent';

/**
 * An error as it crosses the channel. `origin` names the one-way message's call that caused it
 * and `position` where the script made that call (file:line:col).
 */
export interface WireError {
  readonly code: string;
  readonly message: string;
  readonly position?: string;
  readonly origin?: string;
}

export type Outcome<V> =
  | { readonly ok: true; readonly value: V }
  | { readonly ok: false; readonly error: WireError };

export interface Envelope {
  readonly id: number;
  readonly op: string;
  readonly req: unknown;
  /** Set for one-way messages: what caused it, so a failure names that call. */
  readonly origin?: string;
  /** Where the script made that call (file:line:col), when known. */
  readonly at?: string;
}

export type Reply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: WireError };

/**
 * Slots of the shared Int32Array: a counter bumped on every batch of replies, a stop flag, how
 * many replies the waiting worker needs before it can go on (0: it is not waiting), and how many
 * the main thread holds.
 */
export const SIGNAL_SLOTS = 4;
export const REPLIES = 0;
export const STOP = 1;
export const WANT = 2;
export const HELD = 3;

export function newSignal(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * SIGNAL_SLOTS));
}
