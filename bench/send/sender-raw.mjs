// lib/send overhead: Sender.send (queue, retry policy, breaker, idempotency key, UndiciTransport)
// against a hand-written undici loop, both keeping 32 requests in flight, 20k POSTs each, to the
// same local node:http sink (a child process, so the sink does not share the client's event
// loop), in the same run. Runs ROUNDS pairs (order alternating) and prints the best rate of
// each and the median of the per-pair ratios Sender / raw: on a shared machine a pair run
// back to back sees about the same load. Needs `npm run build` first (imports dist/lib/send).
// BENCH_SEND_REQUESTS, BENCH_SEND_INFLIGHT and BENCH_SEND_ROUNDS override the sizes.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Pool } from 'undici';
import { REPO, machine } from '../lib.mjs';

const { Sender, UndiciTransport, initIdempotency } = await import(
  join(REPO, 'dist', 'lib', 'send', 'index.js')
);

const N = Number(process.env.BENCH_SEND_REQUESTS ?? 20_000);
const INFLIGHT = Number(process.env.BENCH_SEND_INFLIGHT ?? 32);
const ROUNDS = Number(process.env.BENCH_SEND_ROUNDS ?? 5);
/** A project secret, as a state would hold one (it keys idempotency keys). */
const SECRET = new Uint8Array(32).fill(7);

const SINK = `
const http = require('node:http');
let n = 0;
const server = http.createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => { n++; res.writeHead(201, { 'content-type': 'application/json' }); res.end('{"ok":true}'); });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
process.stdin.on('data', () => process.stdout.write(n + '\\n'));
`;

async function startSink() {
  const child = spawn(process.execPath, ['-e', SINK], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise((resolve) =>
    child.stdout.once('data', (d) => resolve(Number(String(d).trim()))),
  );
  return { child, origin: `http://127.0.0.1:${port}` };
}

const bodies = Array.from({ length: 256 }, (_v, i) =>
  new TextEncoder().encode(
    JSON.stringify({ id: i, email: `user${i}@example.com`, plan: 'pro', amount: i * 1.5 }),
  ),
);
const HEADERS = { 'content-type': 'application/json' };

/** Runs `one(i)` for i in [0, N) keeping INFLIGHT in flight; returns requests/s. */
async function drive(one) {
  let next = 0;
  const t0 = performance.now();
  const lane = async () => {
    while (next < N) await one(next++);
  };
  await Promise.all(Array.from({ length: INFLIGHT }, lane));
  return N / ((performance.now() - t0) / 1000);
}

async function viaSender(origin) {
  const transport = new UndiciTransport();
  const sender = new Sender({
    model: 'bench',
    idempotencySecret: SECRET,
    settings: { concurrency: INFLIGHT, retries: 5, timeoutMs: 30_000 },
    transport,
  });
  let failed = 0;
  const rate = await drive(async (i) => {
    const out = await sender.send({
      method: 'POST',
      url: `${origin}/rows`,
      headers: HEADERS,
      body: bodies[i & 255],
      timeoutMs: 30_000,
    });
    if (!out.ok) failed++;
  });
  await transport.close();
  if (failed > 0) throw new Error(`${failed} Sender requests failed`);
  return rate;
}

async function raw(origin) {
  const pool = new Pool(origin, { connections: null });
  let failed = 0;
  const rate = await drive(async (i) => {
    const res = await pool.request({
      method: 'POST',
      path: '/rows',
      headers: HEADERS,
      body: bodies[i & 255],
    });
    await res.body.arrayBuffer();
    if (res.statusCode < 200 || res.statusCode >= 300) failed++;
  });
  await pool.close();
  if (failed > 0) throw new Error(`${failed} raw requests failed`);
  return rate;
}

await initIdempotency();
const { child, origin } = await startSink();
// Warm both paths (JIT, sockets of the sink) before measuring.
const warmN = 2000;
{
  const transport = new UndiciTransport();
  const sender = new Sender({
    model: 'warm',
    idempotencySecret: SECRET,
    settings: { concurrency: INFLIGHT, retries: 0, timeoutMs: 30_000 },
    transport,
  });
  await Promise.all(
    Array.from({ length: warmN }, (_v, i) =>
      sender.send({
        method: 'POST',
        url: `${origin}/w`,
        headers: HEADERS,
        body: bodies[i & 255],
        timeoutMs: 30_000,
      }),
    ),
  );
  await transport.close();
  const pool = new Pool(origin);
  await Promise.all(
    Array.from({ length: warmN }, async (_v, i) =>
      (
        await pool.request({ method: 'POST', path: '/w', headers: HEADERS, body: bodies[i & 255] })
      ).body.arrayBuffer(),
    ),
  );
  await pool.close();
}

let bestSender = 0;
let bestRaw = 0;
const ratios = [];
for (let r = 0; r < ROUNDS; r++) {
  let a;
  let b;
  if (r % 2 === 0) {
    a = await viaSender(origin);
    b = await raw(origin);
  } else {
    b = await raw(origin);
    a = await viaSender(origin);
  }
  bestSender = Math.max(bestSender, a);
  bestRaw = Math.max(bestRaw, b);
  ratios.push(a / b);
  console.log(
    `  pair ${r + 1}: Sender ${a.toFixed(0)} req/s, raw ${b.toFixed(0)} req/s, ratio ${(a / b).toFixed(2)}`,
  );
}
child.kill();
ratios.sort((x, y) => x - y);

console.log(`lib/send overhead (${machine()}): ${N} POSTs, ${INFLIGHT} in flight, ${ROUNDS} pairs`);
console.log(`  Sender.send (UndiciTransport)  best ${bestSender.toFixed(0)} req/s`);
console.log(`  hand-written undici Pool loop  best ${bestRaw.toFixed(0)} req/s`);
console.log(
  `  ratio Sender / raw             median ${ratios[Math.floor(ratios.length / 2)].toFixed(2)}× (best-to-best ${(bestSender / bestRaw).toFixed(2)}×)`,
);
