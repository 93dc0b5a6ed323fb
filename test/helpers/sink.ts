// A real HTTP destination for the sender's tests: a node:http server on 127.0.0.1 (port 0)
// that records every request and answers as the test says (status, body, delay, reset).

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  /** The JSON body, when it parses. */
  readonly json: unknown;
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

export interface Sink {
  readonly url: string;
  readonly requests: Recorded[];
  /** Requests answered with a 2xx. */
  readonly delivered: Recorded[];
  answer: (r: Recorded) => Answer;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startSink(answer: (r: Recorded) => Answer = () => ({})): Promise<Sink> {
  const requests: Recorded[] = [];
  const delivered: Recorded[] = [];
  const sink: Sink = {
    url: '',
    requests,
    delivered,
    answer,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req, res) => {
    void readBody(req).then((body) => {
      let json: unknown;
      try {
        json = body === '' ? undefined : JSON.parse(body);
      } catch {
        json = undefined;
      }
      const rec: Recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        json,
        at: Date.now(),
      };
      requests.push(rec);
      const a = sink.answer(rec);
      const respond = () => {
        if (a.reset) {
          req.socket.destroy();
          return;
        }
        const status = a.status ?? 200;
        if (status >= 200 && status < 300) delivered.push(rec);
        res.writeHead(status, { 'content-type': 'application/json', ...a.headers });
        res.end(a.body ?? '{"ok":true}');
      };
      if (a.delayMs) setTimeout(respond, a.delayMs);
      else respond();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  (sink as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return sink;
}
