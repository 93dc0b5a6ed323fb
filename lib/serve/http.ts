// The HTTP side of `ebb serve`: /healthz (the process is up; what it ran last and runs next, as
// JSON) and /metrics (Prometheus text format). Bound to 127.0.0.1 unless --host says otherwise.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServeRoutes {
  readonly metrics: () => string;
  readonly health: () => unknown;
}

export interface Listening {
  readonly url: string;
  close(): Promise<void>;
}

export function listen(routes: ServeRoutes, host: string, port: number): Promise<Listening> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      res
        .writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' })
        .end(routes.metrics());
    } else if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(routes.health()));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /healthz\n');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const a = server.address() as AddressInfo;
      const shown = a.family === 'IPv6' ? `[${a.address}]` : a.address;
      resolve({
        url: `http://${shown}:${a.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
