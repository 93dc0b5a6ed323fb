// Idempotency keys: a keyed hash of model, method, URL and body, so a retry and a re-send after
// a crash carry the same `idempotency-key` header and an API that honours it applies the
// request once — and the key reveals nothing of the body (an unkeyed hash gave a 4-digit PIN
// in a body back in milliseconds, from a golden file). The key is SHA-256 of the project's
// secret (lib/store/state/project-key.ts) followed by the xxh64 of the request, cut to 64 bits:
// without the secret no guess of the body can be checked against it, and the bulk of the bytes
// go through xxh64 (one wasm call, ~20 µs for 60 KB where SHA-256 of the whole takes ~130 µs).
// xxhash-wasm's module is instantiated once per thread (initIdempotency); after that
// idempotencyKey() is synchronous: a model's worker computes it as it builds each request
// (lib/runtime/http-request.ts), and the Sender for a request that comes without one.

import { hash } from 'node:crypto';
import xxhash from 'xxhash-wasm';
import { CODE } from '../error-codes.js';
import { SendError } from './errors.js';
import type { HttpRequest } from './types.js';

type Hasher = Awaited<ReturnType<typeof xxhash>>;

let hasher: Hasher | null = null;
let loading: Promise<void> | null = null;

/** Instantiates the wasm hasher; cheap to call again. */
export function initIdempotency(): Promise<void> {
  loading ??= xxhash().then((h) => {
    hasher = h;
  });
  return loading;
}

export function idempotencyReady(): boolean {
  return hasher !== null;
}

const SEP = '\u0000';
const encoder = new TextEncoder();
/** Scratch space for the hashed bytes: one wasm call on one buffer is ~3× faster than streaming. */
let scratch = Buffer.allocUnsafeSlow(64 * 1024);
const MAX_SCRATCH = 1024 * 1024;
/** The head (model, method, URL) last written at the start of `buf`, and its length in bytes. */
const NO_HEAD = { buf: new Uint8Array(0), model: '', method: '', url: '', written: 0 };
let lastHead = NO_HEAD;

/**
 * Per secret, the bytes SHA-256 hashes for a key: the secret, then the request's xxh64 (written
 * into the last 8 bytes for each key). One call of node:crypto's one-shot hash() costs a third
 * of copying a hash state kept per secret (a Hash object each time), ~1 µs against ~2.5 µs.
 */
const keyed = new WeakMap<Uint8Array, { bytes: Uint8Array; view: DataView }>();

/**
 * 16 lower-case hex digits, keyed by `secret`. A string body is a byte string (a character per
 * byte). Throws if initIdempotency() has not completed.
 */
export function idempotencyKey(
  secret: Uint8Array,
  model: string,
  method: string,
  url: string,
  body: Uint8Array | string | undefined,
): string {
  if (hasher === null) {
    throw new SendError(
      CODE.EBB_SEND_NOT_READY,
      'idempotencyKey() called before initIdempotency() completed',
    );
  }
  const need = (model.length + method.length + url.length + 3) * 3 + (body?.length ?? 0);
  let buf = scratch;
  if (need > buf.length) {
    // Grow the kept buffer up to 1 MiB; a larger body gets a buffer of its own.
    buf = Buffer.allocUnsafeSlow(
      need > MAX_SCRATCH ? need : Math.min(MAX_SCRATCH, Math.max(need, buf.length * 2)),
    );
    if (buf.length <= MAX_SCRATCH) scratch = buf;
  }
  // The separators keep ("a", "bc") and ("ab", "c") apart; the body comes last, so it needs none.
  // A loop posting to one URL writes the same head each time: it is still in the buffer.
  let written: number;
  if (buf === lastHead.buf && model === lastHead.model && method === lastHead.method && url === lastHead.url)
    written = lastHead.written;
  else {
    written = encoder.encodeInto(model + SEP + method + SEP + url + SEP, buf).written;
    // Only the kept buffer is remembered: a large body's own buffer is not held on to.
    lastHead = buf === scratch ? { buf, model, method, url, written } : NO_HEAD;
  }
  let end = written;
  if (typeof body === 'string') end += buf.write(body, written, 'latin1');
  else if (body !== undefined) {
    buf.set(body, written);
    end += body.length;
  }
  let input = keyed.get(secret);
  if (input === undefined) {
    const bytes = new Uint8Array(secret.length + 8);
    bytes.set(secret);
    input = { bytes, view: new DataView(bytes.buffer) };
    keyed.set(secret, input);
  }
  input.view.setBigUint64(secret.length, hasher.h64Raw(buf.subarray(0, end)));
  return hash('sha256', input.bytes, 'hex').slice(0, 16);
}

/** Every non-GET request carries an idempotency-key, unless the caller set one. */
export function needsKey(request: Pick<HttpRequest, 'method' | 'headers'>): boolean {
  return request.method !== 'GET' && request.headers['idempotency-key'] === undefined;
}

/** The request with its idempotency-key header (the model's; initIdempotency must have ended). */
export function withKey(secret: Uint8Array, model: string, request: HttpRequest): HttpRequest {
  return {
    ...request,
    headers: {
      ...request.headers,
      'idempotency-key': idempotencyKey(secret, model, request.method, request.url, request.body),
    },
  };
}
