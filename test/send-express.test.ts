// A real rate-limited destination: express with express-rate-limit answering 429 with
// Retry-After once its window is used up. 300 requests through the Sender all end ok, each
// row reaches the app exactly once with a 2xx, and no retry budget is spent on waiting.

import test from 'ava';
import express from 'express';
import { rateLimit } from 'express-rate-limit';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Sender, UndiciTransport, type AttemptEvent } from '../lib/send/index.js';

test('300 requests to an express-rate-limit destination all end ok with nothing lost and retries = 0', async (t) => {
  const accepted = new Map<number, number>();
  let limited = 0;
  const app = express();
  app.use(
    rateLimit({
      windowMs: 1000,
      limit: 40,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      handler: (_req, res, _next, options) => {
        limited++;
        res.status(options.statusCode).send(options.message);
      },
    }),
  );
  app.use(express.json());
  app.post('/rows', (req, res) => {
    const id = (req.body as { id: number }).id;
    accepted.set(id, (accepted.get(id) ?? 0) + 1);
    res.status(201).json({ id });
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  const transport = new UndiciTransport();
  const attempts: AttemptEvent[] = [];
  const sender = new Sender({
    idempotencySecret: new Uint8Array(32),
    model: 'rows',
    // 64 in flight at once: the first burst alone is over the limit, however slow the machine.
    settings: { concurrency: 64, retries: 0, timeoutMs: 30_000 },
    transport,
    onAttempt: (e) => attempts.push(e),
  });
  try {
    const outs = await Promise.all(
      Array.from({ length: 300 }, (_v, id) =>
        sender.send({
          method: 'POST',
          url: `http://127.0.0.1:${port}/rows`,
          headers: { 'content-type': 'application/json' },
          body: new TextEncoder().encode(JSON.stringify({ id })),
          timeoutMs: 30_000,
        }),
      ),
    );
    const failed = outs.filter((o) => !o.ok);
    t.deepEqual(
      failed.map((o) => o.error),
      [],
    );
    t.is(accepted.size, 300);
    t.true(
      [...accepted.values()].every((n) => n === 1),
      'each row accepted once',
    );
    t.true(limited > 0, 'the destination did rate-limit');
    const r429 = attempts.filter((e) => e.status === 429);
    t.is(r429.length, limited);
    t.is(attempts.length, 300 + limited);
    t.true(
      r429.some((e) => e.waitedMs === 0),
      'a 429 attempt came before any wait',
    );
    t.true(
      attempts.filter((e) => e.status === 201).some((e) => e.waitedMs >= 500),
      'a Retry-After was waited for',
    );
  } finally {
    sender.stop();
    await sender.idle();
    await transport.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
