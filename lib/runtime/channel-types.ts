import type { EbbCode } from '../error-codes.js';
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
  readonly code: EbbCode;
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
  readonly origin: string | undefined;
  /** Where the script made that call (file:line:col), when known. */
  readonly at: string | undefined;
}

/**
 * A batch of messages as it crosses to the main thread, flat: a request as three entries (its id,
 * its operation, its request), a one-way message as five (its id negated, operation, request,
 * origin, position or undefined). An object per message cost the structured clone, both ways,
 * more than the entries it holds (the seed loop posts 100,000 requests).
 */
export type MessageBatch = unknown[];

export type Reply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: WireError };

/**
 * A batch of replies as it crosses: a success as two entries, its id (a number) then its value;
 * a failure as its Reply object. An object per reply cost the structured clone ~1.3 µs more
 * than two array entries (a seed loop's 100,000 replies, on the main thread, its bottleneck).
 */
export type ReplyBatch = unknown[];

/**
 * Slots of the shared Int32Array: a counter bumped on every batch of replies, a stop flag, how
 * many replies the waiting worker needs before it can go on (0: it is not waiting), how many
 * the main thread holds, and how many of the worker's requests are set aside on the main thread
 * (waiting to retry: they hold no slot, and the worker's bound on unfinished requests may leave
 * them out).
 */
export const SIGNAL_SLOTS = 6;
export const REPLIES = 0;
export const STOP = 1;
export const WANT = 2;
export const HELD = 3;
export const ASIDE = 4;
/** The ASIDE count a waiting worker last saw, or NOT_ASIDE when its wait does not count it. */
export const ASIDE_SEEN = 5;
export const NOT_ASIDE = 0x7fffffff;

export function newSignal(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * SIGNAL_SLOTS));
}

/**
 * setAside (main thread) publishes how many requests are set aside. A worker waiting until fewer
 * requests are unfinished, counting those aside as finished, is woken once as many were set
 * aside since it began to wait as it waits for replies: one wake-up for many, as for replies
 * (a wake-up per request set aside cost the main thread ~0.4 ms each on a loaded machine).
 */
export function setAside(signal: Int32Array, n: number): void {
  const before = Atomics.exchange(signal, ASIDE, n);
  if (n <= before) return;
  // The bump alone makes a worker about to wait look again (its wait sees the counter moved).
  Atomics.add(signal, REPLIES, 1);
  const want = Atomics.load(signal, WANT);
  if (want !== 0 && n - Atomics.load(signal, ASIDE_SEEN) >= want) Atomics.notify(signal, REPLIES);
}
