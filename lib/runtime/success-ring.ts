// The newest successful attempts of a model, kept for the request log (request-log.ts) in flat
// arrays rather than an object each. A seed loop's main thread replaces one per request; an
// object kept for the next 1,000 requests outlives a scavenge or two, so each was promoted with
// what it held (the URL, both bodies' views and the buffers behind them: ~500 bytes a request,
// copied by the scavenger, then left for a full GC). Here a success costs numbers written into
// typed arrays, its bodies' bytes copied into a byte ring (a longer body keeps a copy of its
// first bytes of its own), and a reference to its method and URL, the previous success's
// strings when they are equal (the strings that crossed from the worker die young).

/** A body's first bytes, and whether there was more. */
export interface Body {
  readonly bytes: Uint8Array;
  readonly cut: boolean;
}

/** A successful attempt as the ring gives it back. */
export interface Success {
  readonly at: number;
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly attempt: number;
  readonly latencyMs: number;
  readonly request: Body | null;
  readonly response: Body | null;
}

/** Bytes of a body kept in the ring itself; a longer one is copied on its own. */
const SLOT = 256;
/** A body's length slot when there is none. */
const NONE = -1;

export class SuccessRing {
  readonly #size: number;
  readonly #max: number;
  readonly #at: Float64Array;
  readonly #latency: Float64Array;
  readonly #status: Int32Array;
  readonly #attempt: Int32Array;
  readonly #method: string[];
  readonly #url: string[];
  /** Per body (request at 2i, response at 2i + 1): its kept length, or NONE. */
  readonly #length: Int32Array;
  /** Per body: 1 when it was cut. */
  readonly #cut: Uint8Array;
  /** SLOT bytes per body, for those up to SLOT bytes. */
  readonly #bytes: Uint8Array;
  /** Per body: the copy of a longer body's first bytes. */
  readonly #long: (Uint8Array | undefined)[];
  #next = 0;
  #count = 0;

  /** A ring of the newest `size` successes, bodies kept up to `maxBody` bytes. */
  constructor(size: number, maxBody: number) {
    this.#size = size;
    this.#max = maxBody;
    this.#at = new Float64Array(size);
    this.#latency = new Float64Array(size);
    this.#status = new Int32Array(size);
    this.#attempt = new Int32Array(size);
    this.#method = new Array<string>(size).fill('');
    this.#url = new Array<string>(size).fill('');
    this.#length = new Int32Array(2 * size).fill(NONE);
    this.#cut = new Uint8Array(2 * size);
    this.#bytes = new Uint8Array(2 * size * SLOT);
    this.#long = new Array<Uint8Array | undefined>(2 * size).fill(undefined);
  }

  /** add keeps a success in place of the oldest; `truncated` says the response's body was cut already. */
  add(
    s: Omit<Success, 'request' | 'response'>,
    request: Uint8Array | undefined,
    response: Uint8Array | undefined,
    truncated: boolean,
  ): void {
    const i = this.#next;
    const last = i === 0 ? this.#size - 1 : i - 1;
    this.#at[i] = s.at;
    this.#latency[i] = s.latencyMs;
    this.#status[i] = s.status;
    this.#attempt[i] = s.attempt;
    this.#method[i] = this.#count > 0 && s.method === this.#method[last] ? this.#method[last]! : s.method;
    this.#url[i] = this.#count > 0 && s.url === this.#url[last] ? this.#url[last]! : s.url;
    this.#keep(2 * i, request, false);
    this.#keep(2 * i + 1, response, truncated);
    this.#next = i + 1 === this.#size ? 0 : i + 1;
    if (this.#count < this.#size) this.#count++;
  }

  /** take gives the successes kept, oldest first, and empties the ring. */
  take(): Success[] {
    const out: Success[] = [];
    const first = this.#count < this.#size ? 0 : this.#next;
    for (let n = 0; n < this.#count; n++) {
      const i = (first + n) % this.#size;
      out.push({
        at: this.#at[i]!,
        method: this.#method[i]!,
        url: this.#url[i]!,
        status: this.#status[i]!,
        attempt: this.#attempt[i]!,
        latencyMs: this.#latency[i]!,
        request: this.#body(2 * i),
        response: this.#body(2 * i + 1),
      });
    }
    this.#count = 0;
    this.#next = 0;
    this.#long.fill(undefined);
    return out;
  }

  #keep(b: number, bytes: Uint8Array | undefined, truncated: boolean): void {
    this.#long[b] = undefined;
    if (bytes === undefined) {
      this.#length[b] = NONE;
      return;
    }
    const n = Math.min(bytes.length, this.#max);
    this.#length[b] = n;
    this.#cut[b] = truncated || bytes.length > n ? 1 : 0;
    if (n <= SLOT) this.#bytes.set(n === bytes.length ? bytes : bytes.subarray(0, n), b * SLOT);
    // A copy: a Buffer's slice is a view, which would keep the whole body (or socket read) alive.
    else this.#long[b] = new Uint8Array(bytes.subarray(0, n));
  }

  #body(b: number): Body | null {
    const n = this.#length[b]!;
    if (n === NONE) return null;
    const bytes = n <= SLOT ? this.#bytes.slice(b * SLOT, b * SLOT + n) : this.#long[b]!;
    return { bytes, cut: this.#cut[b] === 1 };
  }
}
