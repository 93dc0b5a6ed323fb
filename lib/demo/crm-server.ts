// The demo CRM API: a small local HTTP service that behaves like a real CRM, so the demo
// pipeline (models/) has something true to talk to. It keeps contacts and deals, serves
// support tickets for the forward direction, and enforces what real APIs enforce:
//   - a bearer token (401 without it),
//   - a rate limit (429 with Retry-After above it),
//   - a batch limit of 100 inputs (413 above it),
//   - validation (400 for an invalid email),
//   - conflicts (409 when a contact is created twice).
// Data persists in a JSON file between runs. `ebb demo-server` runs it alone; the demo script
// (scripts/demo.mjs) and the tests start it with startCrm. It imports nothing of ebb.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface CrmOptions {
  /** 0 picks a free port */
  readonly port?: number;
  /** the bearer token the API accepts */
  readonly token?: string;
  /** requests per second before 429 */
  readonly ratePerSecond?: number;
  /** inputs per batch request before 413 */
  readonly batchLimit?: number;
  /** tickets served by GET /tickets */
  readonly tickets?: number;
  /** default page size of list endpoints */
  readonly pageSize?: number;
  /** JSON file the data persists in; none keeps it in memory */
  readonly data?: string | undefined;
}

type Json = Record<string, unknown>;
interface CrmData {
  contacts: Record<string, Json>;
  deals: Record<string, Json>;
}

export interface Crm {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  /** requests answered, in all and by "METHOD /route status" */
  readonly stats: { requests: number; byRoute: Record<string, number> };
  readonly data: CrmData;
  resetStats(): void;
  /** close writes the data and stops the server. */
  close(): Promise<void>;
}

const DEFAULTS = {
  port: 0,
  token: 'demo-secret-token',
  /** requests per second before 429 */
  ratePerSecond: 500,
  /** inputs per batch request before 413 */
  batchLimit: 100,
  /** tickets served by GET /tickets, and their page size */
  tickets: 250,
  pageSize: 100,
};

type Send = (status: number, body?: unknown, headers?: Record<string, string>) => void;

const EMAIL = /^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i;

/** ticketFor is the n-th support ticket: deterministic, so every run ingests the same ones. */
function ticketFor(n: number): Json {
  const topics = ['billing', 'login', 'export', 'api', 'onboarding'];
  return {
    ticket_id: n,
    customer_id: 1 + ((n * 37) % 2000),
    topic: topics[n % topics.length],
    opened_at: new Date(Date.UTC(2025, 0, 1) + n * 3_600_000 * 7).toISOString(),
    status: n % 3 === 0 ? 'open' : 'closed',
  };
}

function load(file: string | undefined): CrmData {
  if (file && existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as CrmData;
  return { contacts: {}, deals: {} };
}

/**
 * startCrm starts the API on 127.0.0.1 and resolves to { url, port, stats, data, close }.
 * `stats` counts requests by "METHOD /path status"; `close()` writes the data and stops.
 */
export async function startCrm(options: CrmOptions = {}): Promise<Crm> {
  const o = { ...DEFAULTS, ...options };
  const data = load(o.data);
  const stats: Crm['stats'] = { requests: 0, byRoute: {} };
  let dirty = false;
  let window = { start: Date.now(), count: 0 };

  const save = () => {
    if (o.data === undefined || !dirty) return;
    mkdirSync(dirname(o.data), { recursive: true });
    writeFileSync(`${o.data}.tmp`, JSON.stringify(data));
    renameSync(`${o.data}.tmp`, o.data);
    dirty = false;
  };
  const timer = setInterval(save, 500);

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const route = url.pathname.replace(/\/\d+$/, '/:id');
      const send: Send = (status, body, headers = {}) => {
        stats.requests++;
        const k = `${req.method} ${route} ${status}`;
        stats.byRoute[k] = (stats.byRoute[k] ?? 0) + 1;
        const text = body === undefined ? '' : JSON.stringify(body);
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(text);
      };
      const now = Date.now();
      if (now - window.start >= 1000) window = { start: now, count: 0 };
      if (++window.count > o.ratePerSecond) {
        const wait = Math.max(1, Math.ceil((window.start + 1000 - now) / 1000));
        return send(429, { message: 'rate limit exceeded' }, { 'retry-after': String(wait) });
      }
      if (req.headers.authorization !== `Bearer ${o.token}`)
        return send(401, { message: 'invalid or missing token' });
      let body: Json | undefined;
      if (chunks.length > 0) {
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json;
        } catch {
          return send(400, { message: 'body is not JSON' });
        }
      }
      handle(req.method ?? 'GET', url, body, send);
    });
  });

  function handle(method: string, url: URL, body: Json | undefined, send: Send): void {
    const parts = url.pathname.split('/').filter(Boolean);
    const page = Math.max(1, Number(url.searchParams.get('page') ?? '1'));
    const limit = Math.min(500, Math.max(1, Number(url.searchParams.get('limit') ?? o.pageSize)));
    if (parts[0] === 'contacts') {
      const id = parts[1];
      if (method === 'GET' && id === undefined) {
        const all = Object.values(data.contacts).sort((a, b) => Number(a['id']) - Number(b['id']));
        const results = all.slice((page - 1) * limit, page * limit);
        return send(200, { results, next_page: page * limit < all.length ? page + 1 : null });
      }
      if (method === 'POST' && id === undefined) {
        if (!body || body['id'] === undefined) return send(400, { message: 'a contact needs an id' });
        const key = String(body['id']);
        if (!EMAIL.test(String(body['email'] ?? '')))
          return send(400, { message: `invalid email: ${JSON.stringify(body['email'])}` });
        if (data.contacts[key]) return send(409, { message: `contact ${key} already exists` });
        data.contacts[key] = body;
        dirty = true;
        return send(201, body);
      }
      if (id === undefined) return send(405, { message: `${method} /contacts is not supported` });
      const existing = data.contacts[id];
      if (existing === undefined) return send(404, { message: `no contact ${id}` });
      if (method === 'GET') return send(200, existing);
      if (method === 'PATCH') {
        if (body?.['email'] !== undefined && !EMAIL.test(String(body['email']))) {
          return send(400, { message: `invalid email: ${JSON.stringify(body['email'])}` });
        }
        data.contacts[id] = { ...existing, ...body, id: existing['id'] };
        dirty = true;
        return send(200, data.contacts[id]);
      }
      if (method === 'DELETE') {
        delete data.contacts[id];
        dirty = true;
        return send(204);
      }
    }
    if (parts[0] === 'deals' && parts[1] === 'batch' && parts[2] === 'upsert' && method === 'POST') {
      const inputs = body?.['inputs'];
      if (!Array.isArray(inputs)) return send(400, { message: 'expected {"inputs": [...]}' });
      if (inputs.length > o.batchLimit) {
        return send(413, { message: `at most ${o.batchLimit} inputs per batch, got ${inputs.length}` });
      }
      for (const input of inputs as Json[]) {
        if (input?.['id'] === undefined) return send(400, { message: 'every input needs an id' });
      }
      for (const input of inputs as Json[]) data.deals[String(input['id'])] = input;
      dirty = true;
      return send(200, { status: 'COMPLETE', results: inputs.length });
    }
    if (parts[0] === 'deals' && method === 'GET') {
      return send(200, { count: Object.keys(data.deals).length });
    }
    if (parts[0] === 'tickets' && method === 'GET') {
      const from = (page - 1) * limit;
      const results = [];
      for (let n = from + 1; n <= Math.min(o.tickets, from + limit); n++) results.push(ticketFor(n));
      return send(200, { results, next_page: from + limit < o.tickets ? page + 1 : null });
    }
    return send(404, { message: `no route ${method} ${url.pathname}` });
  }

  await new Promise<void>((resolve) => server.listen(o.port, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    token: o.token,
    stats,
    data,
    resetStats() {
      stats.requests = 0;
      stats.byRoute = {};
    },
    async close() {
      clearInterval(timer);
      save();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
