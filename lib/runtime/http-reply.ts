// A request's outcome as it crosses to the model's worker: the body as a byte string (one
// character per byte, the interpreter's own form of a string: response.text needs no decoding)
// rather than a Uint8Array, whose structured clone costs about twice the whole rest of the
// reply — a seed loop gets 100,000 replies its script never reads. A success crosses as one
// flat array (HttpWire), cheaper to clone than the object with its headers' object (the main
// thread's share of a reply is its bottleneck); the worker rebuilds the HttpReply.

import { isUtf8 } from 'node:buffer';
import { WithHeaderLines } from '../send/header-lines.js';
import type { SendOutcome } from '../send/types.js';

export type HttpReply = Omit<SendOutcome, 'body'> & {
  /** The body's bytes as characters 0–255; a body that is not UTF-8 has its bad bytes replaced by U+FFFD's. */
  readonly body: string;
};

/**
 * HttpWire is a reply as it crosses to the worker: a success as [status, attempts, truncated
 * (1 or 0), body, header lines] when its transport kept the headers as lines (header-lines.ts:
 * one string to clone, parsed in the worker if the script reads them), else as [status,
 * attempts, truncated, body, name, value, name, value, …]; anything else as its HttpReply.
 */
export type HttpWire = HttpReply | Array<string | number>;

/** The headers' first entry in a success's HttpWire. */
const HEADERS_AT = 4;
/** The length of a success's HttpWire with header lines (one with pairs has an even length). */
const WITH_LINES = 5;

/** A success that crossed with its header lines (on the worker). */
class LinesReply extends WithHeaderLines implements HttpReply {
  readonly ok = true;
  readonly status: number;
  readonly body: string;
  readonly attempts: number;
  readonly truncated: boolean | undefined;

  constructor(wire: Array<string | number>) {
    super(wire[HEADERS_AT] as string);
    this.status = wire[0] as number;
    this.attempts = wire[1] as number;
    this.truncated = wire[2] === 1 ? true : undefined;
    this.body = wire[3] as string;
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
  if (!outcome.ok || outcome.error !== undefined) return toHttpReply(outcome);
  const wire: Array<string | number> = [
    outcome.status!,
    outcome.attempts,
    outcome.truncated === true ? 1 : 0,
    bodyString(outcome.body),
  ];
  const lines = outcome.headerLines;
  if (lines !== undefined) {
    wire.push(lines);
    return wire;
  }
  const headers = outcome.headers;
  for (const name in headers) wire.push(name, headers[name]!);
  return wire;
}

/** unpackReply is the HttpReply of a reply that crossed (on the worker). */
export function unpackReply(wire: HttpWire): HttpReply {
  if (!Array.isArray(wire)) return wire;
  if (wire.length === WITH_LINES) return new LinesReply(wire);
  const headers: Record<string, string> = {};
  for (let i = HEADERS_AT; i < wire.length; i += 2) headers[wire[i] as string] = wire[i + 1] as string;
  const reply = {
    ok: true,
    status: wire[0] as number,
    headers,
    body: wire[3] as string,
    attempts: wire[1] as number,
  };
  return wire[2] === 1 ? { ...reply, truncated: true } : reply;
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
