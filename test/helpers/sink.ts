// A real HTTP destination for the tests: a node:http server on 127.0.0.1 (port 0) that records
// every request (method, url, headers, body, its JSON, arrival time), counts sockets and the
// requests in progress at once, and answers as the test says: its handler returns an Answer
// (status, body, delay, reset) for the sink to give, or answers through `res` itself.

import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The JSON body, when it parses. */
  readonly json: unknown;
  /** performance.now() at arrival (the sender's clock). */
  readonly at: number;
}

export interface Answer {
  readonly status?: number;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  /** Wait this long before answering (ms). */
  readonly delayMs?: number;
  /** Destroy the connection without an answer. */
  readonly reset?: boolean;
}

/**
 * Handler answers the n-th request: an Answer for the sink to give (200 `{"ok":true}` by
 * default), or nothing when it answered through `res` itself.
 */
export type Handler = (req: Recorded, res: ServerResponse, n: number) => Answer | void;

export interface Sink {
  /** The origin, without a trailing slash: `${sink.url}/path`. */
  readonly url: string;
  readonly origin: string;
  readonly requests: Recorded[];
  /** Requests answered with a 2xx. */
  readonly delivered: Recorded[];
  readonly server: Server;
  /** The handler; a test may swap it between runs. */
  answer: Handler;
  /** Sockets accepted so far. */
  connections(): number;
  /** Most requests in progress at once. */
  maxConcurrent(): number;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parsed(body: string): unknown {
  try {
    return body === '' ? undefined : JSON.parse(body);
  } catch {
    return undefined;
  }
}

export async function startSink(answer: Handler = () => ({})): Promise<Sink> {
  let connections = 0;
  let current = 0;
  let max = 0;
  const server: Server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const rec: Recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        json: parsed(body),
        at: performance.now(),
      };
      sink.requests.push(rec);
      max = Math.max(max, ++current);
      let counted = true;
      const done = (): void => {
        if (counted) {
          counted = false;
          current--;
        }
      };
      res.on('finish', done);
      res.on('close', done);
      const a = sink.answer(rec, res, sink.requests.length);
      if (a === undefined) {
        res.on('finish', () => {
          if (res.statusCode >= 200 && res.statusCode < 300) sink.delivered.push(rec);
        });
        return;
      }
      const respond = () => {
        if (a.reset) {
          req.socket.destroy();
          return;
        }
        const status = a.status ?? 200;
        if (status >= 200 && status < 300) sink.delivered.push(rec);
        res.writeHead(status, { 'content-type': 'application/json', ...a.headers });
        res.end(a.body ?? '{"ok":true}');
      };
      if (a.delayMs) setTimeout(respond, a.delayMs);
      else respond();
    });
  });
  server.on('connection', () => connections++);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sink: Sink = {
    url: origin,
    origin,
    requests: [],
    delivered: [],
    server,
    answer,
    connections: () => connections,
    maxConcurrent: () => max,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return sink;
}

/** A port nothing listens on: bound, then closed. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** reply answers a request through `res` (for a handler that answers itself). */
export function reply(
  res: ServerResponse,
  status: number,
  body = '',
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'text/plain', ...headers });
  res.end(body);
}
