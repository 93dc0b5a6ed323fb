// A real HTTP destination for the lib/send tests: node:http on 127.0.0.1, port 0, recording
// every request (method, url, headers, body, arrival time), counting sockets and the requests
// in progress at once, and answering through a handler chosen by each test.

import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly at: number; // performance.now() at arrival
}

export type Handler = (req: Recorded, res: http.ServerResponse, n: number) => void;

export interface Sink {
  readonly url: string;
  readonly origin: string;
  readonly requests: Recorded[];
  readonly server: http.Server;
  /** Sockets accepted so far. */
  connections(): number;
  /** Most requests in progress at once. */
  maxConcurrent(): number;
  close(): Promise<void>;
}

export async function startSink(handler: Handler): Promise<Sink> {
  const requests: Recorded[] = [];
  let connections = 0;
  let current = 0;
  let max = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: Recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: performance.now(),
      };
      requests.push(rec);
      current++;
      if (current > max) max = current;
      let counted = true;
      const done = (): void => {
        if (counted) {
          counted = false;
          current--;
        }
      };
      res.on('finish', done);
      res.on('close', done);
      handler(rec, res, requests.length);
    });
  });
  server.on('connection', () => connections++);
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: origin + '/',
    origin,
    requests,
    server,
    connections: () => connections,
    maxConcurrent: () => max,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: bound, then closed. */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function reply(
  res: http.ServerResponse,
  status: number,
  body = '',
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'text/plain', ...headers });
  res.end(body);
}
