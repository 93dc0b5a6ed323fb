// A request's outcome as it crosses to the model's worker: the body as a byte string (one
// character per byte, the interpreter's own form of a string: response.text needs no decoding)
// rather than a Uint8Array, whose structured clone costs about twice the whole rest of the
// reply — a seed loop gets 100,000 replies its script never reads. A reply crosses as one flat
// array (HttpWire), a failure's too, cheaper to clone than the object with its headers' and its
// error's objects (the main thread's share of a reply is its bottleneck); the worker rebuilds
// the HttpReply.

import { isUtf8 } from 'node:buffer';
import { WithHeaderLines } from '../send/header-lines.js';
import type { EbbCode } from '../error-codes.js';
import type { SendOutcome } from '../send/types.js';

export type HttpReply = Omit<SendOutcome, 'body'> & {
  /** The body's bytes as characters 0–255; a body that is not UTF-8 has its bad bytes replaced by U+FFFD's. */
  readonly body: string;
};

/**
 * HttpWire is a reply as it crosses to the worker, one flat array: [status, attempts, flags,
 * body], for a failure its error's code and message next, then the headers — as their lines
 * when the transport kept them (header-lines.ts: one string to clone, parsed in the worker if
 * the script reads them), else as name, value, name, value, …. A bare reply (packBareReply)
 * stops after its flags, a failure's error code and message next. A reply that is neither (a
 * success carrying an error) crosses as its HttpReply.
 */
export type HttpWire = HttpReply | Array<string | number | null> | number;

/**
 * A bare success that was not cut crosses as one number, attempts × BARE_SUCCESS + status: a
 * seed loop's replies are then a flat list of numbers, which the structured clone writes
 * without an object (and its entry in the clone's map of objects) per reply.
 */
const BARE_SUCCESS = 1000;

/** flags: the body was cut at the transport's cap. */
const CUT = 1;
/** flags: the request failed (its error's code and message follow the body). */
const FAILED = 2;
/** flags: a bare reply, the outcome without body or headers (packBareReply). */
const BARE = 4;
/** The headers' first entry in a success's HttpWire; a failure's is two further on. */
const HEADERS_AT = 4;
const FAILURE_HEADERS_AT = 6;

/** A success that crossed with its header lines (on the worker). */
class LinesReply extends WithHeaderLines implements HttpReply {
  readonly ok = true;
  readonly status: number;
  readonly body: string;
  readonly attempts: number;
  readonly truncated: boolean | undefined;

  constructor(wire: Array<string | number | null>) {
    super(wire[HEADERS_AT] as string);
    this.status = wire[0] as number;
    this.attempts = wire[1] as number;
    this.truncated = ((wire[2] as number) & CUT) !== 0 ? true : undefined;
    this.body = wire[3] as string;
  }
}

/** A failure that crossed with its header lines (on the worker). */
class FailedLinesReply extends WithHeaderLines implements HttpReply {
  readonly ok = false;
  readonly status: number | null;
  readonly body: string;
  readonly attempts: number;
  readonly truncated: boolean | undefined;
  readonly error: { readonly code: EbbCode; readonly message: string };

  constructor(wire: Array<string | number | null>) {
    super(wire[FAILURE_HEADERS_AT] as string);
    this.status = wire[0] as number | null;
    this.attempts = wire[1] as number;
    this.truncated = ((wire[2] as number) & CUT) !== 0 ? true : undefined;
    this.body = wire[3] as string;
    this.error = { code: wire[4] as EbbCode, message: wire[5] as string };
  }
}

/** toHttpReply is `outcome` for the worker (on the main thread), field by field (headers may be a getter). */
export function toHttpReply(outcome: SendOutcome): HttpReply {
  const reply = {
    ok: outcome.ok,
    status: outcome.status,
    headers: outcome.headers,
    body: bodyString(outcome.body),
    attempts: outcome.attempts,
  };
  const error = outcome.error;
  const truncated = outcome.truncated === true;
  if (error === undefined) return truncated ? { ...reply, truncated } : reply;
  return truncated ? { ...reply, truncated, error } : { ...reply, error };
}

/** packReply is `outcome` as it crosses to the worker (on the main thread). */
export function packReply(outcome: SendOutcome): HttpWire {
  const error = outcome.error;
  if (outcome.ok === (error !== undefined)) return toHttpReply(outcome);
  const flags = (outcome.truncated === true ? CUT : 0) | (error === undefined ? 0 : FAILED);
  const wire: Array<string | number | null> = [
    outcome.status,
    outcome.attempts,
    flags,
    bodyString(outcome.body),
  ];
  if (error !== undefined) wire.push(error.code, error.message);
  const lines = outcome.headerLines;
  if (lines !== undefined) {
    wire.push(lines);
    return wire;
  }
  const headers = outcome.headers;
  for (const name in headers) wire.push(name, headers[name]!);
  return wire;
}

/**
 * packBareReply is `outcome` without its body and headers, for a request nothing on the worker
 * can read the response of: the script dropped it and the save riding with it has no outcome
 * function (HttpCall.unread). A seed loop's 100,000 replies then carry three numbers each; the
 * bodies and headers stay on the main thread, where the request log and the failure records
 * take them.
 */
export function packBareReply(outcome: SendOutcome): HttpWire {
  const error = outcome.error;
  if (outcome.ok === (error !== undefined)) return toHttpReply(outcome);
  const flags = (outcome.truncated === true ? CUT : 0) | BARE;
  if (error === undefined) {
    const status = outcome.status;
    if (flags === BARE && typeof status === 'number' && status >= 0 && status < BARE_SUCCESS)
      return outcome.attempts * BARE_SUCCESS + status;
    return [status, outcome.attempts, flags];
  }
  return [outcome.status, outcome.attempts, flags | FAILED, error.code, error.message];
}

/** A reply that crossed bare (on the worker): reading its body or headers is a bug in ebb. */
abstract class Bare {
  get body(): string {
    throw new Error('internal: the body of a response the script dropped was read');
  }

  get headers(): Readonly<Record<string, string>> {
    throw new Error('internal: the headers of a response the script dropped were read');
  }
}

class BareReply extends Bare implements HttpReply {
  readonly ok = true;
  readonly status: number;
  readonly attempts: number;
  readonly truncated: boolean | undefined;

  constructor(status: number, attempts: number, truncated: boolean | undefined) {
    super();
    this.status = status;
    this.attempts = attempts;
    this.truncated = truncated;
  }
}

class FailedBareReply extends Bare implements HttpReply {
  readonly ok = false;
  readonly status: number | null;
  readonly attempts: number;
  readonly truncated: boolean | undefined;
  readonly error: { readonly code: EbbCode; readonly message: string };

  constructor(wire: Array<string | number | null>) {
    super();
    this.status = wire[0] as number | null;
    this.attempts = wire[1] as number;
    this.truncated = ((wire[2] as number) & CUT) !== 0 ? true : undefined;
    this.error = { code: wire[3] as EbbCode, message: wire[4] as string };
  }
}

/** unpackReply is the HttpReply of a reply that crossed (on the worker). */
export function unpackReply(wire: HttpWire): HttpReply {
  if (typeof wire === 'number')
    return new BareReply(wire % BARE_SUCCESS, Math.floor(wire / BARE_SUCCESS), undefined);
  if (!Array.isArray(wire)) return wire;
  const flags = wire[2] as number;
  if ((flags & BARE) !== 0) {
    if ((flags & FAILED) !== 0) return new FailedBareReply(wire);
    const truncated = (flags & CUT) !== 0 ? true : undefined;
    return new BareReply(wire[0] as number, wire[1] as number, truncated);
  }
  const at = (flags & FAILED) === 0 ? HEADERS_AT : FAILURE_HEADERS_AT;
  // With lines, one entry follows the fixed ones; with pairs, an even number.
  if (wire.length === at + 1) return at === HEADERS_AT ? new LinesReply(wire) : new FailedLinesReply(wire);
  const headers: Record<string, string> = {};
  for (let i = at; i < wire.length; i += 2) headers[wire[i] as string] = wire[i + 1] as string;
  const reply = {
    ok: at === HEADERS_AT,
    status: wire[0] as number | null,
    headers,
    body: wire[3] as string,
    attempts: wire[1] as number,
  };
  const withError =
    at === HEADERS_AT ? reply : { ...reply, error: { code: wire[4] as EbbCode, message: wire[5] as string } };
  return (flags & CUT) !== 0 ? { ...withError, truncated: true } : withError;
}

/** The body's bytes as a byte string; invalid UTF-8 is replaced once, here, as a UTF-8 decoder would. */
function bodyString(body: Uint8Array): string {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return isUtf8(bytes)
    ? bytes.toString('latin1')
    : Buffer.from(bytes.toString('utf8'), 'utf8').toString('latin1');
}

/** bodyText is a reply's body as a JavaScript string (for messages). */
export function bodyText(reply: HttpReply): string {
  return Buffer.from(reply.body, 'latin1').toString('utf8');
}
