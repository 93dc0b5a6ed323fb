// A script's HTTP request as it crosses to the main thread: one flat array rather than the
// HttpCall object with its headers' object and the ack riding with it. The structured clone of
// an object costs a map transition per property on the receiving side, and the main thread —
// the seed loop's bottleneck — receives 100,000 of them; an array of strings and numbers is
// read in one pass. The worker packs (packCall), may attach the save that depends on the
// request alone while it waits in the outbox (attachAck), and the main thread unpacks.

import type { HttpCall, ScriptCall } from './protocol.js';

/**
 * HttpCallWire is [method, url, timeoutMs, at, body, ack runs, ack deleted, ack at, dropped,
 * name, value, name, value, …]: absent fields are undefined; the headers' pairs come last.
 */
export type HttpCallWire = unknown[];

const METHOD = 0;
const URL_AT = 1;
const TIMEOUT = 2;
const AT = 3;
const BODY = 4;
const ACK_RUNS = 5;
const ACK_DELETED = 6;
const ACK_AT = 7;
const DROPPED = 8;
const HEADERS_AT = 9;

/**
 * packCall is `call` as it crosses (in the worker), made at `at` (file:line:col) if given.
 * `dropped`: the script called it as a statement of its own (Thread.resultDropped), so the
 * response reaches the script only through the saves that depend on it: with one riding along
 * (attachAck), through none (HttpCall.unread).
 */
export function packCall(call: ScriptCall, at: string | undefined = call.at, dropped = false): HttpCallWire {
  const ack = call.ack;
  const wire: unknown[] = [
    call.method,
    call.url,
    call.timeoutMs,
    at,
    call.body,
    ack?.runs,
    ack?.deleted,
    ack?.at,
    dropped ? true : undefined,
  ];
  const headers = call.headers;
  for (const name in headers) wire.push(name, headers[name]);
  return wire;
}

/** hasAck tells whether a save already rides with the request. */
export function hasAck(wire: HttpCallWire): boolean {
  return wire[ACK_RUNS] !== undefined;
}

/** attachAck makes `ack` ride with the request still in the outbox (in the worker). */
export function attachAck(wire: HttpCallWire, ack: NonNullable<HttpCall['ack']>): void {
  wire[ACK_RUNS] = ack.runs;
  wire[ACK_DELETED] = ack.deleted;
  wire[ACK_AT] = ack.at;
}

/** unpackCall is the HttpCall of a request that crossed (on the main thread). */
export function unpackCall(wire: HttpCallWire): HttpCall {
  const headers: Record<string, string> = {};
  for (let i = HEADERS_AT; i < wire.length; i += 2) headers[wire[i] as string] = wire[i + 1] as string;
  const runs = wire[ACK_RUNS] as number[] | undefined;
  const at = wire[ACK_AT] as string | undefined;
  const ack =
    runs === undefined
      ? undefined
      : at === undefined
        ? { runs, deleted: wire[ACK_DELETED] === true }
        : { runs, deleted: wire[ACK_DELETED] === true, at };
  return {
    method: wire[METHOD] as string,
    url: wire[URL_AT] as string,
    headers,
    body: bytes(wire[BODY] as Uint8Array | string | undefined),
    timeoutMs: wire[TIMEOUT] as number,
    at: wire[AT] as string | undefined,
    ack,
    unread: runs !== undefined && wire[DROPPED] === true,
  };
}

/** A byte string's bytes (pooled: a small body costs no allocation of its own). */
function bytes(body: Uint8Array | string | undefined): Uint8Array | undefined {
  return typeof body === 'string' ? Buffer.from(body, 'latin1') : body;
}
