// The dashboard's HTTP handler, shared by `ebb ui` and `ebb serve`: the token check, the pages
// (/, /runs, /model/NAME and its /plan and /requests, /live), their JSON (/api/…) and /assets.
// Every route is a GET but one POST, send a model's rejected rows again (./retry-action.ts).
// Each response carries headers that keep it out of frames, caches and referrers, and a
// Content-Security-Policy that runs no script but the dashboard's own files.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { asset } from './assets.js';
import { bearerToken, cookieName, cookieToken, csrfToken, sameToken, tokenCookie } from './auth.js';
import { jsonText } from '../json.js';
import { modelData, modelsData, planData, requestsData, runsData, type Sources } from './data.js';
import { planFragment } from './page-plan.js';
import { liveBody, livePage } from './page-live.js';
import { modelPage } from './page-model.js';
import { modelsPage } from './page-models.js';
import { requestsPage } from './page-requests.js';
import { RUNS_PAGE_LIMIT, runsPage } from './page-runs.js';
import { retryAction } from './retry-action.js';
import { liveOf } from './shard-places.js';

export interface DashboardOptions extends Sources {
  readonly token: string;
}

const HEADERS = {
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
};

/** The most runs /api/runs returns, whatever ?limit= asks. */
const MAX_RUNS = 5_000;

export type Dashboard = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export function dashboard(options: DashboardOptions): Dashboard {
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const port = req.socket.localPort ?? 0;
    const cookie = cookieName(port);
    if (sameToken(url.searchParams.get('token') ?? undefined, options.token)) {
      url.searchParams.delete('token');
      res
        .writeHead(303, {
          ...HEADERS,
          location: url.pathname + url.search,
          'set-cookie': tokenCookie(cookie, options.token),
        })
        .end();
      return;
    }
    const bearer = cookieToken(req, cookie) === undefined;
    if (!sameToken(cookieToken(req, cookie) ?? bearerToken(req), options.token)) {
      res
        .writeHead(401, { ...HEADERS, 'content-type': 'text/plain; charset=utf-8' })
        .end('401: open the dashboard with the URL ebb printed at start (it carries the access token)\n');
      return;
    }
    const action = /^\/(api\/)?model\/(.+)\/retry$/.exec(url.pathname);
    const method = req.method ?? 'GET';
    if ((action ? ['POST'] : ['GET', 'HEAD']).indexOf(method) < 0) {
      res.writeHead(405, { ...HEADERS, allow: action ? 'POST' : 'GET, HEAD' }).end();
      return;
    }
    try {
      if (action) {
        const name = decodedName(action[2]!);
        const a = await retryAction(options, req, name, action[1] !== undefined, options.token, bearer);
        res.writeHead(a.status, { ...HEADERS, 'content-type': a.type }).end(a.body);
        return;
      }
      await route(options, url, res, csrfToken(options.token));
    } catch (err) {
      res
        .writeHead(500, { ...HEADERS, 'content-type': 'text/plain; charset=utf-8' })
        .end(`500: ${String(err)}\n`);
    }
  };
}

/** decodedName: a malformed escape (%E0%A4%A) names no model (the empty name finds none: 404, never a 500). */
function decodedName(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return '';
  }
}

async function route(o: DashboardOptions, url: URL, res: ServerResponse, csrf: string): Promise<void> {
  const path = url.pathname;
  const send = (type: string, body: string, status = 200): void => {
    res.writeHead(status, { ...HEADERS, 'content-type': type }).end(body);
  };
  const page = (body: string, status = 200) => send('text/html; charset=utf-8', body, status);
  const json = (value: unknown, status = 200) => send('application/json', JSON.stringify(value), status);
  const modelName = (prefix: string) => decodedName(path.slice(prefix.length));
  const limit = Math.min(MAX_RUNS, Math.max(1, Number(url.searchParams.get('limit')) || RUNS_PAGE_LIMIT));
  const search = url.searchParams.get('key') ?? '';
  if (path === '/') return page(modelsPage(await modelsData(o)));
  if (path === '/api/models') return json(await modelsData(o));
  if (path === '/runs') return page(runsPage(await runsData(o, RUNS_PAGE_LIMIT)));
  if (path === '/api/runs') return json(await runsData(o, limit));
  if (path === '/live') return page(livePage(liveOf(o)));
  if (path === '/live/body') return send('text/html; charset=utf-8', liveBody(liveOf(o)).text);
  if (path === '/api/live') return json(liveOf(o) ?? null);
  if (/^\/(api\/)?model\/.+\/plan$/.test(path)) {
    const api = path.startsWith('/api/');
    const data = await planData(o, modelName(api ? '/api/model/' : '/model/').slice(0, -'/plan'.length));
    if (!data) return send('text/plain; charset=utf-8', 'no such model\n', 404);
    return api
      ? send('application/json', jsonText(data))
      : send('text/html; charset=utf-8', planFragment(data).text);
  }
  if (/^\/(api\/)?model\/.+\/requests$/.test(path)) {
    const api = path.startsWith('/api/');
    const name = modelName(api ? '/api/model/' : '/model/').slice(0, -'/requests'.length);
    const data = await requestsData(o, name, url.searchParams.get('failed') === '1');
    if (!data) return send('text/plain; charset=utf-8', 'no such model\n', 404);
    return api ? json(data) : page(requestsPage(data));
  }
  if (path.startsWith('/model/') || path.startsWith('/api/model/')) {
    const api = path.startsWith('/api/');
    const data = await modelData(o, modelName(api ? '/api/model/' : '/model/'), search);
    if (!data) return send('text/plain; charset=utf-8', 'no such model\n', 404);
    return api ? json(data) : page(modelPage(data, csrf));
  }
  if (path.startsWith('/assets/')) {
    const a = asset(path.slice('/assets/'.length));
    if (a) return send(a.type, a.body);
  }
  send('text/plain; charset=utf-8', 'not found\n', 404);
}
