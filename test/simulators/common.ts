/**
 * What every API simulator shares: a node:http server on 127.0.0.1 port 0, the raw body of each
 * request (signatures are computed over the bytes, not a re-encoding), Bearer and Basic
 * credentials, a fixed-window request counter for rate limits, and injected latency. Each
 * simulator (one file per API beside this one) is a list of routes answering in that API's own
 * shapes; a test reads what the simulator holds afterwards and calls close().
 */
import { type IncomingHttpHeaders, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as a route sees it: the body is read in full first (the APIs cap it anyway). */
export interface SimRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly raw: Buffer;
  /** The path's captures, from the route's pattern. */
  readonly params: readonly string[];
  /** Requests being answered now, this one included (APIs that cap concurrent connections). */
  readonly inFlight: number;
}

/** An answer: a JSON value, or a string sent as text/plain, or no body at all. */
export interface SimResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly json?: unknown;
  readonly text?: string;
}

export interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly handle: (req: SimRequest) => SimResponse;
}

/** Options every simulator takes to inject faults. */
export interface FaultOptions {
  /** Milliseconds to wait before answering each request. */
  readonly latencyMs?: number;
  /** Requests allowed per window; more get the API's own 429 (or its equivalent). */
  readonly rate?: { readonly limit: number; readonly windowMs: number };
}

export interface Served {
  readonly url: string;
  /** Requests received so far, by `METHOD path` (query left out), in order. */
  readonly log: string[];
  close(): Promise<void>;
}

/**
 * serve starts the server. A request no route matches gets `notFound(req)`; a route that throws
 * answers 500 with the error's message, so a bug in a simulator shows in the test that hit it.
 */
export async function serve(
  routes: readonly Route[],
  notFound: (req: SimRequest) => SimResponse,
  faults: FaultOptions = {},
): Promise<Served> {
  const log: string[] = [];
  let inFlight = 0;
  const server = createServer((req, res) => {
    inFlight++;
    res.on('close', () => inFlight--);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://sim');
      const method = req.method ?? 'GET';
      log.push(`${method} ${url.pathname}`);
      let answer: SimResponse;
      try {
        answer = route(routes, notFound, {
          method,
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          raw: Buffer.concat(chunks),
          params: [],
          inFlight,
        });
      } catch (err) {
        answer = { status: 500, text: `simulator error: ${(err as Error).message}` };
      }
      const send = (): void => {
        const headers: Record<string, string> = { ...answer.headers };
        let body = '';
        if (answer.json !== undefined) {
          headers['content-type'] ??= 'application/json; charset=utf-8';
          body = JSON.stringify(answer.json);
        } else if (answer.text !== undefined) {
          headers['content-type'] ??= 'text/plain; charset=utf-8';
          body = answer.text;
        }
        res.writeHead(answer.status, headers);
        res.end(body);
      };
      if (faults.latencyMs) setTimeout(send, faults.latencyMs);
      else send();
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    close: () =>
      new Promise<void>((ok, fail) => {
        server.closeAllConnections();
        server.close((err) => (err ? fail(err) : ok()));
      }),
  };
}

function route(
  routes: readonly Route[],
  notFound: (req: SimRequest) => SimResponse,
  req: SimRequest,
): SimResponse {
  for (const r of routes) {
    if (r.method !== req.method) continue;
    const m = r.pattern.exec(req.path);
    if (m) return r.handle({ ...req, params: m.slice(1).map((s) => decodeURIComponent(s ?? '')) });
  }
  return notFound(req);
}

/** bearer returns the token of an `Authorization: Bearer …` header, or undefined. */
export function bearer(req: SimRequest): string | undefined {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7) : undefined;
}

/** basic returns the user and password of an `Authorization: Basic …` header, or undefined. */
export function basic(req: SimRequest): { user: string; password: string } | undefined {
  const h = req.headers.authorization;
  if (!h?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(h.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { user: decoded, password: '' };
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** parseJson reads a request body as JSON; undefined when it is not JSON (the API's 400 follows). */
export function parseJson(req: SimRequest): unknown {
  try {
    return JSON.parse(req.raw.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** The state of a rate-limit window after counting one request. */
export interface WindowState {
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** When the window ends, in ms since the epoch. */
  readonly resetAt: number;
  /** The window's length, in ms. */
  readonly windowMs: number;
}

/**
 * A request counter for rate limits, as the APIs describe them ("100 requests per 10 seconds").
 * Fixed: a window opens at the first request after the previous one ended. Rolling: a request is
 * allowed when fewer than `limit` requests were allowed in the `windowMs` before it (HubSpot's
 * TEN_SECONDLY_ROLLING), the stricter reading for a sender that spaces requests evenly. Without a
 * configured rate every request is allowed.
 */
export class WindowCounter {
  #count = 0;
  #start = 0;
  readonly #allowed: number[] = [];
  readonly #rate: FaultOptions['rate'];
  readonly #rolling: boolean;
  constructor(rate: FaultOptions['rate'], rolling = false) {
    this.#rate = rate;
    this.#rolling = rolling;
  }
  take(now: number = Date.now()): WindowState {
    const rate = this.#rate ?? { limit: Number.MAX_SAFE_INTEGER, windowMs: 1000 };
    if (this.#rolling && this.#rate) return this.#takeRolling(rate, now);
    if (now - this.#start >= rate.windowMs) {
      this.#start = now;
      this.#count = 0;
    }
    const allowed = this.#count < rate.limit;
    if (allowed) this.#count++;
    return {
      allowed,
      limit: rate.limit,
      remaining: rate.limit - this.#count,
      resetAt: this.#start + rate.windowMs,
      windowMs: rate.windowMs,
    };
  }
  #takeRolling(rate: { limit: number; windowMs: number }, now: number): WindowState {
    while (this.#allowed.length > 0 && this.#allowed[0]! <= now - rate.windowMs) this.#allowed.shift();
    const allowed = this.#allowed.length < rate.limit;
    if (allowed) this.#allowed.push(now);
    return {
      allowed,
      limit: rate.limit,
      remaining: rate.limit - this.#allowed.length,
      resetAt: (this.#allowed[0] ?? now) + rate.windowMs,
      windowMs: rate.windowMs,
    };
  }
}

/** A random-looking id of hex digits, as the APIs give records and requests. */
export function hexId(n: number, length = 24): string {
  return n.toString(16).padStart(length, '0');
}
