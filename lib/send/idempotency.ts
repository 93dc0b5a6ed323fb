// Idempotency keys: a hash of model, method, URL and body, so a retry and a re-send after a
// crash carry the same `idempotency-key` header and an API that honours it applies the
// request once. xxhash-wasm's wasm module is instantiated once per process (initIdempotency);
// after that idempotencyKey() is synchronous, because the runtime computes it on the main
// thread for every request.

import xxhash from 'xxhash-wasm';
import { SendError } from './errors.js';

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
const NO_BODY = new Uint8Array(0);

/** 16 lower-case hex digits (xxh64). Throws if initIdempotency() has not completed. */
export function idempotencyKey(model: string, method: string, url: string, body: Uint8Array | undefined): string {
  if (hasher === null) {
    throw new SendError('EBB_SEND_NOT_READY', 'idempotencyKey() called before initIdempotency() completed');
  }
  // The separators keep ("a", "bc") and ("ab", "c") apart; the body comes last, so it needs none.
  const digest = hasher
    .create64()
    .update(model + SEP + method + SEP + url + SEP)
    .update(body ?? NO_BODY)
    .digest();
  return digest.toString(16).padStart(16, '0');
}
