// A request's outcome as it crosses to the model's worker: the body as a byte string (one
// character per byte, the interpreter's own form of a string: response.text needs no decoding)
// rather than a Uint8Array, whose structured clone costs about twice the whole rest of the
// reply — a seed loop gets 100,000 replies its script never reads.

import { isUtf8 } from 'node:buffer';
import type { SendOutcome } from '../send/types.js';

export type HttpReply = Omit<SendOutcome, 'body'> & {
  /** The body's bytes as characters 0–255; a body that is not UTF-8 has its bad bytes replaced by U+FFFD's. */
  readonly body: string;
};

/** toHttpReply is `outcome` for the worker (on the main thread). */
export function toHttpReply(outcome: SendOutcome): HttpReply {
  const bytes = Buffer.from(outcome.body.buffer, outcome.body.byteOffset, outcome.body.byteLength);
  // Scripts read a body as text: invalid UTF-8 is replaced once, here, as a UTF-8 decoder would.
  const body = isUtf8(bytes)
    ? bytes.toString('latin1')
    : Buffer.from(bytes.toString('utf8'), 'utf8').toString('latin1');
  return { ...outcome, body };
}

/** bodyText is a reply's body as a JavaScript string (for messages). */
export function bodyText(reply: HttpReply): string {
  return Buffer.from(reply.body, 'latin1').toString('utf8');
}
