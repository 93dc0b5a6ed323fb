// The HTTP side of `ebb serve` and `ebb ui`: /healthz (the process is up; what it ran last and
// runs next, as JSON) and /metrics (Prometheus text format) when given, open to scrapers without
// a token; every other path goes to the dashboard, which wants its token. Bound to 127.0.0.1
// unless --host says otherwise.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Dashboard } from '../ui/server.js';

export interface ServeRoutes {
  readonly metrics?: () => string;
  readonly health?: () => unknown;
  readonly dashboard?: Dashboard;
}

export interface Listening {
  readonly url: string;
  close(): Promise<void>;
}

export function listen(routes: ServeRoutes, host: string, port: number): Promise<Listening> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const fixed = (path === '/metrics' && routes.metrics) || (path === '/healthz' && routes.health);
    if (fixed && req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/metrics' && routes.metrics) {
      res
        .writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' })
        .end(routes.metrics());
    } else if (path === '/healthz' && routes.health) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(routes.health()));
    } else if (routes.dashboard) {
      void routes.dashboard(req, res);
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
