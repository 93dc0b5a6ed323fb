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

type Settings = typeof DEFAULTS & CrmOptions;

/** What the routes share: the settings, the data, and a flag that the data needs writing. */
interface Api {
  readonly o: Settings;
  readonly data: CrmData;
  dirty: boolean;
  readonly stats: Crm['stats'];
  window: { start: number; count: number };
}

/**
 * startCrm starts the API on 127.0.0.1 and resolves to { url, port, stats, data, close }.
 * `stats` counts requests by "METHOD /path status"; `close()` writes the data and stops.
 */
export async function startCrm(options: CrmOptions = {}): Promise<Crm> {
  const o: Settings = { ...DEFAULTS, ...options };
  const api: Api = {
    o,
    data: load(o.data),
    dirty: false,
    stats: { requests: 0, byRoute: {} },
    window: { start: Date.now(), count: 0 },
  };
  const timer = setInterval(() => save(api), 500);
  const server = createServer((req, res) => receive(api, req, res));
  await new Promise<void>((resolve) => server.listen(o.port, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const stats = api.stats;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    token: o.token,
    stats,
    data: api.data,
    resetStats() {
      stats.requests = 0;
      stats.byRoute = {};
    },
    async close() {
      clearInterval(timer);
      save(api);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** save writes the data to its file (through a temp file renamed over it) when it changed. */
function save(api: Api): void {
  const file = api.o.data;
  if (file === undefined || !api.dirty) return;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(api.data));
  renameSync(`${file}.tmp`, file);
  api.dirty = false;
}

/** receive reads a request's body, then checks the rate limit, the token and the JSON. */
function receive(api: Api, req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = url.pathname.replace(/\/\d+$/, '/:id');
    const send: Send = (status, body, headers = {}) => {
      api.stats.requests++;
      const k = `${req.method} ${route} ${status}`;
      api.stats.byRoute[k] = (api.stats.byRoute[k] ?? 0) + 1;
      const text = body === undefined ? '' : JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(text);
    };
    const now = Date.now();
    if (now - api.window.start >= 1000) api.window = { start: now, count: 0 };
    if (++api.window.count > api.o.ratePerSecond) {
      const wait = Math.max(1, Math.ceil((api.window.start + 1000 - now) / 1000));
      return send(429, { message: 'rate limit exceeded' }, { 'retry-after': String(wait) });
    }
    if (req.headers.authorization !== `Bearer ${api.o.token}`)
      return send(401, { message: 'invalid or missing token' });
    let body: Json | undefined;
    if (chunks.length > 0) {
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json;
      } catch {
        return send(400, { message: 'body is not JSON' });
      }
    }
    handle(api, req.method ?? 'GET', url, body, send);
  });
}

/** One request as the routes see it. */
interface Call {
  readonly method: string;
  readonly parts: readonly string[];
  readonly page: number;
  readonly limit: number;
  readonly body: Json | undefined;
  readonly send: Send;
}

function handle(api: Api, method: string, url: URL, body: Json | undefined, send: Send): void {
  const parts = url.pathname.split('/').filter(Boolean);
  const page = Math.max(1, Number(url.searchParams.get('page') ?? '1'));
  const limit = Math.min(500, Math.max(1, Number(url.searchParams.get('limit') ?? api.o.pageSize)));
  const call: Call = { method, parts, page, limit, body, send };
  if (parts[0] === 'contacts' && contacts(api, call)) return;
  if (parts[0] === 'deals' && parts[1] === 'batch' && parts[2] === 'upsert' && method === 'POST')
    return upsertDeals(api, call);
  if (parts[0] === 'deals' && method === 'GET') {
    return send(200, { count: Object.keys(api.data.deals).length });
  }
  if (parts[0] === 'tickets' && method === 'GET') return tickets(api, call);
  return send(404, { message: `no route ${method} ${url.pathname}` });
}

/** contacts answers /contacts and /contacts/:id; false for a method it has no answer to. */
function contacts(api: Api, { method, parts, page, limit, body, send }: Call): boolean {
  const id = parts[1];
  if (method === 'GET' && id === undefined) {
    const all = Object.values(api.data.contacts).sort((a, b) => Number(a['id']) - Number(b['id']));
    const results = all.slice((page - 1) * limit, page * limit);
    send(200, { results, next_page: page * limit < all.length ? page + 1 : null });
  } else if (method === 'POST' && id === undefined) createContact(api, body, send);
  else if (id === undefined) send(405, { message: `${method} /contacts is not supported` });
  else return contact(api, id, method, body, send);
  return true;
}

function createContact(api: Api, body: Json | undefined, send: Send): void {
  if (!body || body['id'] === undefined) return send(400, { message: 'a contact needs an id' });
  const key = String(body['id']);
  if (!EMAIL.test(String(body['email'] ?? '')))
    return send(400, { message: `invalid email: ${JSON.stringify(body['email'])}` });
  if (api.data.contacts[key]) return send(409, { message: `contact ${key} already exists` });
  api.data.contacts[key] = body;
  api.dirty = true;
  return send(201, body);
}

/** contact answers GET, PATCH and DELETE of one contact; false for another method. */
function contact(api: Api, id: string, method: string, body: Json | undefined, send: Send): boolean {
  const existing = api.data.contacts[id];
  if (existing === undefined) send(404, { message: `no contact ${id}` });
  else if (method === 'GET') send(200, existing);
  else if (method === 'PATCH') {
    if (body?.['email'] !== undefined && !EMAIL.test(String(body['email']))) {
      send(400, { message: `invalid email: ${JSON.stringify(body['email'])}` });
      return true;
    }
    api.data.contacts[id] = { ...existing, ...body, id: existing['id'] };
    api.dirty = true;
    send(200, api.data.contacts[id]);
  } else if (method === 'DELETE') {
    delete api.data.contacts[id];
    api.dirty = true;
    send(204);
  } else return false;
  return true;
}

function upsertDeals(api: Api, { body, send }: Call): void {
  const inputs = body?.['inputs'];
  if (!Array.isArray(inputs)) return send(400, { message: 'expected {"inputs": [...]}' });
  if (inputs.length > api.o.batchLimit) {
    return send(413, { message: `at most ${api.o.batchLimit} inputs per batch, got ${inputs.length}` });
  }
  for (const input of inputs as Json[]) {
    if (input?.['id'] === undefined) return send(400, { message: 'every input needs an id' });
  }
  for (const input of inputs as Json[]) api.data.deals[String(input['id'])] = input;
  api.dirty = true;
  return send(200, { status: 'COMPLETE', results: inputs.length });
}

function tickets(api: Api, { page, limit, send }: Call): void {
  const from = (page - 1) * limit;
  const results = [];
  for (let n = from + 1; n <= Math.min(api.o.tickets, from + limit); n++) results.push(ticketFor(n));
  return send(200, { results, next_page: from + limit < api.o.tickets ? page + 1 : null });
}
