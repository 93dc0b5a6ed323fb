import type { EbbCode } from '../error-codes.js';
// The data shapes shared by everything that sends HTTP for a model: the request a model
// issued, one attempt's response, the Transport that performs one attempt (the real network
// through undici, or the offline recorder), the final outcome after retries, and the per-model
// settings taken from directives. Kept free of behaviour so the runtime bridge and the offline
// transport can depend on it without pulling in the sender.

/** One HTTP request as a model issued it (after params/json/data/body/auth were applied). */
export interface HttpRequest {
  readonly method: string; // upper-case
  readonly url: string; // absolute http(s) URL, query string included
  readonly headers: Readonly<Record<string, string>>; // lower-case names
  readonly body?: Uint8Array | undefined;
  readonly timeoutMs: number; // per attempt
  /**
   * No one reads a success's headers (a script's request whose response nothing can reach):
   * a transport may leave them out of a 2xx, whose headers are then empty.
   */
  readonly unread?: boolean | undefined;
}

/** What came back for one attempt. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>; // lower-case names, repeated headers joined with ", "
  /**
   * The headers as they came, `name: value` lines (header-lines.ts), when the transport kept
   * them so: `headers` is parsed from them when first read.
   */
  readonly headerLines?: string | undefined;
  readonly body: Uint8Array;
  /** True when the body was longer than the transport keeps (SEND_DEFAULTS.maxResponseBytes). */
  readonly truncated?: boolean | undefined;
}

/** Transport performs ONE attempt. UndiciTransport (real network, one keep-alive undici Pool
 *  per origin) and the offline RecordingTransport implement it. Network errors and timeouts
 *  reject with a SendError subclass (code EBB_HTTP_NETWORK / EBB_HTTP_TIMEOUT). */
export interface Transport {
  request(req: HttpRequest, signal: AbortSignal): Promise<HttpResponse>;
  close(): Promise<void>;
  /**
   * A secret the run learnt while sending (an OAuth token, a JWT assertion): a transport that
   * writes requests down (the offline recorder) redacts it from then on.
   */
  redactAlso?(secret: string): void;
}

/** The final outcome of a request after retries. */
export interface SendOutcome {
  readonly ok: boolean; // a 2xx was received
  readonly status: number | null; // last status, null if no response ever came
  readonly headers: Readonly<Record<string, string>>;
  /** The last response's header lines, when its transport kept them (HttpResponse.headerLines). */
  readonly headerLines?: string | undefined;
  readonly body: Uint8Array; // last body (empty if none)
  readonly attempts: number;
  /** True when the last body was cut at the transport's cap (SEND_DEFAULTS.maxResponseBytes). */
  readonly truncated?: boolean | undefined;
  readonly error?: { readonly code: EbbCode; readonly message: string }; // for !ok: network/timeout/HTTP status/breaker/stopped
}

export interface SenderSettings {
  readonly rateLimit?: { readonly count: number; readonly periodMs: number } | undefined; // evenly spaced grants (rate-limiter.ts), every attempt counts
  readonly concurrency: number; // default 16
  readonly retries: number; // default 5 (retries after the first attempt)
  readonly timeoutMs: number; // default 30_000, per attempt
}
