// The Sender against real servers on 127.0.0.1: retries and what they spend, Retry-After,
// timeouts, resets, refused connections, the circuit breaker, the concurrency cap, stop(),
// idempotency keys and the rate limit measured at the limiter and at the server.

import test from 'ava';
import {
  idempotencyKey,
  initIdempotency,
  Sender,
  SEND_DEFAULTS,
  UndiciTransport,
  type AttemptEvent,
  type HttpRequest,
  type SenderOptions,
  type SenderSettings,
} from '../lib/send/index.js';
import { closedPort, reply, startSink, type Handler, type Sink } from './helpers/sink.js';

const FAST = { backoffBaseMs: 5, backoffMaxMs: 20 };
/** The project secret that keys idempotency keys. */
const SECRET = new Uint8Array(32).fill(7);

function settings(over: Partial<SenderSettings> = {}): SenderSettings {
  return { concurrency: 16, retries: 5, timeoutMs: 30_000, ...over };
}

function post(
  url: string,
  body = '{}',
  headers: Record<string, string> = {},
  timeoutMs = 30_000,
): HttpRequest {
  return {
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...headers },
    body: new TextEncoder().encode(body),
    timeoutMs,
  };
}

/** A sink, a transport and a sender, closed after the test body. */
async function withSender(
  handler: Handler,
  opts: Partial<Omit<SenderOptions, 'transport'>>,
  body: (sender: Sender, sink: Sink, events: AttemptEvent[], transport: UndiciTransport) => Promise<void>,
): Promise<void> {
  const sink = await startSink(handler);
  const transport = new UndiciTransport();
  const events: AttemptEvent[] = [];
  const sender = new Sender({
    model: 'm',
    idempotencySecret: SECRET,
    settings: settings(),
    limits: FAST,
    onAttempt: (e) => events.push(e),
    ...opts,
    transport,
  });
  try {
    await body(sender, sink, events, transport);
  } finally {
    sender.stop();
    await sender.idle();
    await transport.close();
    await sink.close();
  }
}

test('a 500 then a 200 is retried once and ends ok after two attempts', async (t) => {
  await withSender(
    (_r, res, n) => reply(res, n === 1 ? 500 : 200, n === 1 ? 'boom' : 'fine'),
    {},
    async (sender, sink, events) => {
      const out = await sender.send(post(sink.url));
      t.true(out.ok);
      t.is(out.status, 200);
      t.is(out.attempts, 2);
      t.is(Buffer.from(out.body).toString(), 'fine');
      t.is(out.error, undefined);
      t.deepEqual(
        events.map((e) => [e.attempt, e.status]),
        [
          [1, 500],
          [2, 200],
        ],
      );
      t.is(sink.requests.length, 2);
    },
  );
});

test('a 400 is not retried: one attempt, not ok, the body kept and quoted in the error', async (t) => {
  await withSender(
    (_r, res) => reply(res, 400, '{"error":"name is required"}'),
    {},
    async (sender, sink) => {
      const out = await sender.send(post(`${sink.origin}/users?token=secret`));
      t.false(out.ok);
      t.is(out.status, 400);
      t.is(out.attempts, 1);
      t.is(Buffer.from(out.body).toString(), '{"error":"name is required"}');
      t.is(out.error?.code, 'EBB_HTTP_STATUS');
      t.is(out.error?.message, `POST ${sink.origin} answered 400: {"error":"name is required"}`);
      t.is(sink.requests.length, 1);
    },
  );
});

test('5xx until the budget is spent: retries + 1 attempts, then EBB_HTTP_STATUS with the last status', async (t) => {
  await withSender(
    (_r, res) => reply(res, 502, 'bad gateway'),
    { settings: settings({ retries: 3 }) },
    async (sender, sink) => {
      const out = await sender.send(post(sink.url));
      t.false(out.ok);
      t.is(out.status, 502);
      t.is(out.attempts, 4);
      t.is(out.error?.code, 'EBB_HTTP_STATUS');
      t.is(sink.requests.length, 4);
    },
  );
});

test('429 with Retry-After: 1 waits about a second and succeeds without spending the budget (retries = 0)', async (t) => {
  await withSender(
    (_r, res, n) => (n === 1 ? reply(res, 429, 'slow down', { 'retry-after': '1' }) : reply(res, 200, 'ok')),
    { settings: settings({ retries: 0 }) },
    async (sender, sink, events) => {
      const out = await sender.send(post(sink.url));
      t.true(out.ok);
      t.is(out.attempts, 2);
      t.is(
        events[1]?.waitedMs !== undefined && events[1].waitedMs >= 990,
        true,
        `waited ${events[1]?.waitedMs} ms`,
      );
      t.true(sink.requests[1]!.at - sink.requests[0]!.at >= 990);
    },
  );
});

test('429 with Retry-After as an HTTP date is honoured, for free: the retry arrives after that date', async (t) => {
  let retryAt = 0;
  let arrivedAt = 0;
  await withSender(
    (_r, res, n) => {
      if (n === 1) {
        retryAt = Math.ceil((Date.now() + 1500) / 1000) * 1000;
        reply(res, 429, '', { 'retry-after': new Date(retryAt).toUTCString() });
      } else {
        arrivedAt = Date.now();
        reply(res, 200, 'ok');
      }
    },
    { settings: settings({ retries: 0 }) },
    async (sender, sink) => {
      const out = await sender.send(post(sink.url));
      t.true(out.ok);
      t.is(out.attempts, 2);
      // 5 ms for timer granularity between Date.now() and the event loop's clock.
      t.true(arrivedAt >= retryAt - 5, `retried ${retryAt - arrivedAt} ms before the date`);
    },
  );
});

test('a Retry-After above the cap ends with EBB_HTTP_RETRY_AFTER_TOO_LONG and stops the origin', async (t) => {
  await withSender(
    (_r, res) => reply(res, 429, 'come back tomorrow', { 'retry-after': '3600' }),
    { limits: { ...FAST, retryAfterCapMs: 60_000 } },
    async (sender, sink) => {
      const out = await sender.send(post(sink.url));
      t.false(out.ok);
      t.is(out.status, 429);
      t.is(out.attempts, 1);
      t.is(out.error?.code, 'EBB_HTTP_RETRY_AFTER_TOO_LONG');
      t.is(
        out.error?.message,
        `${sink.origin} asked to retry after 3600 s, more than the 60 s ebb waits; run again later`,
      );
      t.is(sender.tripped?.origin, sink.origin);
      const later = await sender.send(post(sink.url));
      t.is(later.error?.code, 'EBB_HTTP_CIRCUIT_OPEN');
      t.is(later.attempts, 0);
      t.is(sink.requests.length, 1);
    },
  );
});

test('a destination answering 429 forever cannot hold a request forever: the free waits are bounded', async (t) => {
  await withSender(
    (_r, res) => reply(res, 429, 'no', { 'retry-after': '0' }),
    { limits: { ...FAST, maxRetryAfterWaits: 4 } },
    async (sender, sink) => {
      const out = await sender.send(post(sink.url));
      t.false(out.ok);
      t.is(out.status, 429);
      t.is(out.attempts, 5);
      t.is(out.error?.code, 'EBB_HTTP_STATUS');
      t.is(sink.requests.length, 5);
    },
  );
});

test('a timeout is retried, and ends with EBB_HTTP_TIMEOUT once the budget is spent', async (t) => {
  await withSender(
    () => {
      /* never answers */
    },
    { settings: settings({ retries: 1 }) },
    async (sender, sink) => {
      const out = await sender.send(post(sink.url, '{}', {}, 300));
      t.false(out.ok);
      t.is(out.status, null);
      t.is(out.attempts, 2);
      t.is(out.error?.code, 'EBB_HTTP_TIMEOUT');
      t.regex(out.error!.message, /within 300 ms/);
      t.is(sink.requests.length, 2);
    },
  );
});

test('a connection reset by the server is retried and then succeeds', async (t) => {
  await withSender(
    (_r, res, n) => {
      if (n <= 2) res.socket?.destroy();
      else reply(res, 200, 'ok');
    },
    {},
    async (sender, sink, events) => {
      const out = await sender.send(post(sink.url));
      t.true(out.ok);
      t.is(out.attempts, 3);
      t.deepEqual(
        events.map((e) => e.errorCode),
        ['EBB_HTTP_NETWORK', 'EBB_HTTP_NETWORK', null],
      );
    },
  );
});

test('a connection refused ends with EBB_HTTP_NETWORK naming the origin after the retries', async (t) => {
  const port = await closedPort();
  const transport = new UndiciTransport();
  const sender = new Sender({
    model: 'm',
    idempotencySecret: SECRET,
    settings: settings({ retries: 2 }),
    limits: FAST,
    transport,
  });
  try {
    const out = await sender.send(post(`http://127.0.0.1:${port}/x`));
    t.false(out.ok);
    t.is(out.status, null);
    t.is(out.attempts, 3);
    t.is(out.error?.code, 'EBB_HTTP_NETWORK');
    t.is(out.error?.message, `connection refused by http://127.0.0.1:${port}`);
  } finally {
    await transport.close();
  }
});

test('the breaker opens when the failed share of recent requests to one origin reaches the rule; later sends end at once, other origins go on', async (t) => {
  const healthy = await startSink((_r, res) => reply(res, 200, 'ok'));
  const trips: string[] = [];
  try {
    await withSender(
      (_r, res) => reply(res, 503, 'down'),
      {
        settings: settings({ retries: 1, concurrency: 1 }),
        breaker: { window: 10, minRequests: 3, failureRatio: 0.75 },
        onTrip: (trip) => trips.push(trip.origin),
      },
      async (sender, sink) => {
        // Two requests fail their two attempts; the third request's first attempt opens the
        // breaker (3 of 3 first attempts failed), so it is not retried.
        for (let i = 0; i < 2; i++) {
          t.is((await sender.send(post(sink.url))).error?.code, 'EBB_HTTP_STATUS');
        }
        t.is(sender.tripped, null);
        const third = await sender.send(post(sink.url));
        t.is(third.error?.code, 'EBB_HTTP_CIRCUIT_OPEN');
        t.is(third.attempts, 1);
        t.deepEqual(sender.tripped, {
          origin: sink.origin,
          error: { code: 'EBB_HTTP_STATUS', message: `POST ${sink.origin} answered 503: down` },
        });
        t.deepEqual(trips, [sink.origin]);
        const seen = sink.requests.length;
        t.is(seen, 5);
        const later = await Promise.all([
          sender.send(post(sink.url)),
          sender.send(post(`${sink.origin}/other`)),
        ]);
        for (const out of later) {
          t.is(out.error?.code, 'EBB_HTTP_CIRCUIT_OPEN');
          t.is(out.attempts, 0);
          t.is(
            out.error?.message,
            `stopped sending to ${sink.origin} after 3 of the last 3 requests failed their first attempt; last error: POST ${sink.origin} answered 503: down`,
          );
        }
        t.is(sink.requests.length, seen);
        t.true((await sender.send(post(healthy.url))).ok);
      },
    );
  } finally {
    await healthy.close();
  }
});

test('a 4xx answer or a success counts as healthy: the ratio is over the last window of requests', async (t) => {
  await withSender(
    (r, res) => reply(res, r.url === '/bad' ? 404 : 500, ''),
    {
      settings: settings({ retries: 0, concurrency: 1 }),
      breaker: { window: 10, minRequests: 10, failureRatio: 0.8 },
    },
    async (sender, sink) => {
      // Two of three failing, for 30 requests: 67 % < 80 %.
      for (let i = 0; i < 10; i++) {
        await sender.send(post(`${sink.origin}/fail`));
        await sender.send(post(`${sink.origin}/fail`));
        await sender.send(post(`${sink.origin}/bad`));
      }
      t.is(sender.tripped, null);
      // Three more failures: 7 of the last 10; the fourth makes 8 of 10.
      for (let i = 0; i < 3; i++) await sender.send(post(`${sink.origin}/fail`));
      t.is(sender.tripped, null);
      await sender.send(post(`${sink.origin}/fail`));
      t.is(sender.tripped?.origin, sink.origin);
    },
  );
});

test('keys that keep failing among keys that succeed never open the breaker (default rule, 30 % failing)', async (t) => {
  await withSender(
    (r, res) => reply(res, Number(r.url.slice(1)) % 10 < 3 ? 500 : 200, ''),
    { settings: settings({ retries: 1, concurrency: 16 }) },
    async (sender, sink) => {
      const outs = await Promise.all(
        Array.from({ length: 3000 }, (_, i) => sender.send(post(`${sink.origin}/${i}`))),
      );
      t.is(sender.tripped, null);
      t.is(outs.filter((o) => o.ok).length, 2100);
      t.deepEqual([...new Set(outs.filter((o) => !o.ok).map((o) => o.error?.code))], ['EBB_HTTP_STATUS']);
    },
  );
});

test('failing keys first in key order (30 in a row of every 100) never open the breaker, even without retries', async (t) => {
  await withSender(
    (r, res) => reply(res, Number(r.url.slice(1)) % 100 < 30 ? 500 : 200, ''),
    { settings: settings({ retries: 0, concurrency: 16 }) },
    async (sender, sink) => {
      const outs = await Promise.all(
        Array.from({ length: 2000 }, (_, i) => sender.send(post(`${sink.origin}/${i}`))),
      );
      t.is(sender.tripped, null);
      t.is(outs.filter((o) => o.ok).length, 1400);
    },
  );
});

test('failing keys whose retries end together, after the others, do not read as an outage: the ratio counts first attempts', async (t) => {
  await withSender(
    (r, res) => reply(res, Number(r.url.slice(1)) % 2 === 0 ? 500 : 200, ''),
    {
      settings: settings({ retries: 1, concurrency: 4 }),
      breaker: { window: 20, minRequests: 10, failureRatio: 0.8 },
      // Every retry waits ~200 ms: the 20 failing requests end in a row, after the 20 others.
      limits: { backoffBaseMs: 200 },
      random: () => 0.999,
    },
    async (sender, sink) => {
      const outs = await Promise.all(
        Array.from({ length: 40 }, (_, i) => sender.send(post(`${sink.origin}/${i}`))),
      );
      t.is(sender.tripped, null);
      t.deepEqual(
        outs.map((o) => o.ok),
        Array.from({ length: 40 }, (_, i) => i % 2 === 1),
      );
      t.deepEqual(
        outs.map((o) => o.attempts),
        Array.from({ length: 40 }, (_, i) => (i % 2 === 1 ? 1 : 2)),
      );
    },
  );
});

test('an outage (every request 503) opens the breaker with the default rule', async (t) => {
  await withSender(
    (_r, res) => reply(res, 503, 'down'),
    { settings: settings({ retries: 1, concurrency: 16 }) },
    async (sender, sink) => {
      const outs = await Promise.all(
        Array.from({ length: 300 }, (_, i) => sender.send(post(`${sink.origin}/${i}`))),
      );
      t.is(sender.tripped?.origin, sink.origin);
      const open = outs.filter((o) => o.error?.code === 'EBB_HTTP_CIRCUIT_OPEN');
      t.true(open.length > 0);
      t.regex(
        open[0]!.error!.message,
        /after 50 of the last 50 requests failed their first attempt; last error: .*503: down/,
      );
      // The requests that ended before it opened, and those waiting to retry then; no more.
      t.true(sink.requests.length <= 2 * (50 + 32), `${sink.requests.length} attempts`);
    },
  );
});

test('a request waiting to retry gives its slot up: the next request goes meanwhile', async (t) => {
  let failed = false;
  await withSender(
    (r, res) => {
      if (r.url === '/fail' && !failed) {
        failed = true;
        reply(res, 500, 'once');
      } else reply(res, 200, 'ok');
    },
    // A retry wait of ~300 ms (random() near 1: the top of the jitter's range).
    {
      settings: settings({ retries: 1, concurrency: 1 }),
      limits: { backoffBaseMs: 300 },
      random: () => 0.999,
    },
    async (sender, sink) => {
      const first = sender.send(post(`${sink.origin}/fail`));
      const second = sender.send(post(`${sink.origin}/next`));
      const [a, b] = await Promise.all([first, second]);
      t.true(a.ok);
      t.true(b.ok);
      t.deepEqual(
        sink.requests.map((r) => r.url),
        ['/fail', '/next', '/fail'],
      );
    },
  );
});

test('stop() ends a request waiting for a slot to retry, and queued ones, with EBB_SEND_STOPPED', async (t) => {
  let hold: (() => void) | undefined;
  await withSender(
    (r, res) => {
      if (r.url === '/slow') hold = () => reply(res, 200, 'ok');
      else reply(res, 500, 'no');
    },
    {
      settings: settings({ retries: 3, concurrency: 1 }),
      limits: { backoffBaseMs: 20 },
      random: () => 0.999,
    },
    async (sender, sink) => {
      const failing = sender.send(post(`${sink.origin}/fail`));
      // /fail waits ~20 ms to retry, gives its slot to /slow, which holds it: /fail then waits for a slot.
      const slow = sender.send(post(`${sink.origin}/slow`));
      const waiting = sender.send(post(`${sink.origin}/fail2`));
      while (hold === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
      // /fail's wait (~20 ms) is over: it waits for the slot /slow holds.
      await new Promise((resolve) => setTimeout(resolve, 100));
      t.deepEqual(
        sink.requests.map((r) => r.url),
        ['/fail', '/slow'],
      );
      t.is(sender.inFlight, 2);
      t.is(sender.queued, 1);
      sender.stop();
      hold!();
      const [a, b, c] = await Promise.all([failing, slow, waiting]);
      t.is(a.error?.code, 'EBB_SEND_STOPPED');
      t.regex(a.error!.message, /was not retried: sending was stopped \(last answer: 500\)/);
      t.true(b.ok);
      t.is(c.error?.code, 'EBB_SEND_STOPPED');
      await sender.idle();
      t.is(sender.inFlight, 0);
    },
  );
});

test('requests whose retry wait is over go before requests not yet started', async (t) => {
  let failed = false;
  let releaseNext: (() => void) | undefined;
  await withSender(
    (r, res) => {
      if (r.url === '/fail' && !failed) {
        failed = true;
        reply(res, 500, 'once');
      } else if (r.url === '/slow') {
        // Held until the retry of /fail is due and waiting for the only slot.
        releaseNext = () => reply(res, 200, 'ok');
        setTimeout(() => releaseNext!(), 150);
      } else reply(res, 200, 'ok');
    },
    {
      settings: settings({ retries: 1, concurrency: 1 }),
      limits: { backoffBaseMs: 20 },
      random: () => 0.999,
    },
    async (sender, sink) => {
      const outs = await Promise.all([
        sender.send(post(`${sink.origin}/fail`)),
        sender.send(post(`${sink.origin}/slow`)),
        sender.send(post(`${sink.origin}/later`)),
      ]);
      t.true(outs.every((o) => o.ok));
      t.deepEqual(
        sink.requests.map((r) => r.url),
        ['/fail', '/slow', '/fail', '/later'],
      );
      t.is(sender.inFlight, 0);
    },
  );
});

test('the concurrency cap is never exceeded, and is reached', async (t) => {
  // The sink holds answers until 8 requests are in progress (or 2 s pass), then answers all:
  // so the cap is reached however slowly sockets open, and a ninth would be seen.
  let held: (() => void)[] = [];
  let fallback: NodeJS.Timeout | undefined;
  const release = (): void => {
    clearTimeout(fallback);
    const now = held;
    held = [];
    for (const answer of now) answer();
  };
  await withSender(
    (_r, res) => {
      held.push(() => reply(res, 200, 'ok'));
      if (held.length >= 8) release();
      else if (held.length === 1) fallback = setTimeout(release, 2000);
    },
    { settings: settings({ concurrency: 8 }) },
    async (sender, sink) => {
      let maxInFlight = 0;
      const all: Promise<unknown>[] = [];
      for (let i = 0; i < 200; i++) {
        all.push(sender.send(post(`${sink.origin}/r/${i}`)));
        maxInFlight = Math.max(maxInFlight, sender.inFlight);
      }
      t.is(sender.inFlight, 8);
      t.is(sender.queued, 192);
      const outs = (await Promise.all(all)) as { ok: boolean }[];
      t.true(outs.every((o) => o.ok));
      t.is(maxInFlight, 8);
      t.is(sink.maxConcurrent(), 8);
      t.is(sink.requests.length, 200);
      await sender.idle();
      t.is(sender.inFlight, 0);
    },
  );
  clearTimeout(fallback);
});

test('stop(): queued sends end with EBB_SEND_STOPPED at once, in-flight ones finish, later sends are stopped', async (t) => {
  const held: (() => void)[] = [];
  await withSender(
    (_r, res) => {
      held.push(() => reply(res, 200, 'done'));
    },
    { settings: settings({ concurrency: 2 }) },
    async (sender, sink) => {
      const all = Array.from({ length: 10 }, (_v, i) => sender.send(post(`${sink.origin}/s/${i}`)));
      while (sink.requests.length < 2) await new Promise((r) => setTimeout(r, 5));
      sender.stop();
      const queued = await Promise.all(all.slice(2));
      for (const out of queued) {
        t.is(out.error?.code, 'EBB_SEND_STOPPED');
        t.is(out.error?.message, `POST ${sink.origin} was not sent: sending was stopped`);
        t.is(out.attempts, 0);
      }
      t.is(sender.inFlight, 2);
      for (const release of held) release();
      const inFlight = await Promise.all(all.slice(0, 2));
      t.true(inFlight.every((o) => o.ok));
      await sender.idle();
      t.is(sink.requests.length, 2);
      const after = await sender.send(post(sink.url));
      t.is(after.error?.code, 'EBB_SEND_STOPPED');
    },
  );
});

test('stop() during a retry wait ends that request with EBB_SEND_STOPPED after its attempt', async (t) => {
  await withSender(
    (_r, res) => reply(res, 500, 'no'),
    { limits: { backoffBaseMs: 60_000, backoffMaxMs: 60_000 }, random: () => 0.99 },
    async (sender, sink) => {
      const pending = sender.send(post(sink.url));
      while (sink.requests.length < 1) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 50));
      sender.stop();
      const out = await pending;
      t.is(out.error?.code, 'EBB_SEND_STOPPED');
      t.is(out.attempts, 1);
      t.is(out.status, 500);
      t.is(out.error?.message, `POST ${sink.origin} was not retried: sending was stopped (last answer: 500)`);
    },
  );
});

test("idempotency-key: on every non-GET, the same across retries, absent on GET, the caller's own header wins", async (t) => {
  await initIdempotency();
  await withSender(
    (_r, res) => reply(res, 200, 'ok'),
    {},
    async (sender, sink) => {
      const body = '{"id":1}';
      await sender.send(post(`${sink.origin}/a`, body));
      await sender.send(post(`${sink.origin}/a`, body));
      await sender.send(post(`${sink.origin}/a`, '{"id":2}'));
      await sender.send({ method: 'GET', url: `${sink.origin}/a`, headers: {}, timeoutMs: 30_000 });
      await sender.send({ method: 'DELETE', url: `${sink.origin}/a/1`, headers: {}, timeoutMs: 30_000 });
      await sender.send(post(`${sink.origin}/a`, body, { 'idempotency-key': 'mine' }));
      const keys = sink.requests.map((r) => r.headers['idempotency-key']);
      const expected = idempotencyKey(
        SECRET,
        'm',
        'POST',
        `${sink.origin}/a`,
        new TextEncoder().encode(body),
      );
      t.is(keys[0], expected);
      t.is(keys[1], expected);
      t.regex(keys[2] as string, /^[0-9a-f]{16}$/);
      t.not(keys[2], expected);
      t.is(keys[3], undefined);
      t.is(keys[4], idempotencyKey(SECRET, 'm', 'DELETE', `${sink.origin}/a/1`, undefined));
      t.is(keys[5], 'mine');
    },
  );
  await withSender(
    (_r, res, n) => reply(res, n < 3 ? 503 : 200, ''),
    {},
    async (sender, sink) => {
      t.true((await sender.send(post(sink.url, '{"x":1}'))).ok);
      const keys = sink.requests.map((r) => r.headers['idempotency-key']);
      t.is(keys.length, 3);
      t.is(new Set(keys).size, 1, 'a retry carries the same key');
    },
  );
});

test('a bad URL ends at once with EBB_HTTP_BAD_URL and no attempt', async (t) => {
  await withSender(
    (_r, res) => reply(res, 200),
    {},
    async (sender) => {
      const out = await sender.send(post('file:///etc/passwd'));
      t.is(out.error?.code, 'EBB_HTTP_BAD_URL');
      t.is(out.attempts, 0);
    },
  );
});

test('settings are validated', (t) => {
  const transport = new UndiciTransport();
  t.throws(
    () =>
      new Sender({
        model: 'm',
        idempotencySecret: SECRET,
        settings: settings({ concurrency: 0 }),
        transport,
      }),
    {
      message: /concurrency must be a whole number ≥ 1/,
    },
  );
  t.throws(
    () =>
      new Sender({ model: 'm', idempotencySecret: SECRET, settings: settings({ retries: -1 }), transport }),
    {
      message: /retries must be a whole number ≥ 0/,
    },
  );
  t.throws(
    () =>
      new Sender({ model: 'm', idempotencySecret: SECRET, settings: settings({ timeoutMs: 0 }), transport }),
    {
      message: /timeout must be > 0 ms/,
    },
  );
});

test('the rate limit holds: 150 requests at 50/1s never grant 51 tokens within a second, and none arrives before its token', async (t) => {
  await withSender(
    (_r, res) => reply(res, 200, 'ok'),
    { settings: settings({ concurrency: 16, rateLimit: { count: 50, periodMs: 1000 } }) },
    async (sender, sink, events, transport) => {
      // Open the sockets first, so that connection setup does not delay the first arrivals
      // into the next second at the server.
      const warm = { method: 'GET', url: `${sink.origin}/warm`, headers: {}, timeoutMs: 30_000 };
      await Promise.all(
        Array.from({ length: 16 }, () => transport.request(warm, new AbortController().signal)),
      );
      sink.requests.length = 0;
      const outs = await Promise.all(
        Array.from({ length: 150 }, (_v, i) => sender.send(post(`${sink.origin}/r/${i}`))),
      );
      t.true(outs.every((o) => o.ok));
      const starts = events.map((e) => e.tokenAt!).sort((a, b) => a - b);
      t.is(starts.length, 150);
      // At the limiter: any 51 consecutive grants span at least the period.
      for (let i = 50; i < starts.length; i++) t.true(starts[i]! - starts[i - 50]! >= 1000, `start ${i}`);
      // Evenly spaced, not in bursts: consecutive grants at most the limiter's tolerance closer
      // than (1 s + slack) / 50.
      const slack = Math.max(1000 * SEND_DEFAULTS.rateMargin, SEND_DEFAULTS.rateMinSlackMs);
      for (let i = 1; i < starts.length; i++)
        t.true(
          starts[i]! - starts[i - 1]! >= (1000 + slack) / 50 - slack / 2 - 1e-9,
          `gap before start ${i}`,
        );
      // At the server: every request arrived after its own token was granted (none bypassed the
      // limiter), so the server sees the limiter's rate shifted by each request's latency.
      const tokenOf = new Map(events.map((e) => [new URL(e.request.url).pathname, e.tokenAt!]));
      t.is(sink.requests.length, 150);
      for (const r of sink.requests) t.true(r.at >= tokenOf.get(r.url)!, r.url);
    },
  );
});

test('every attempt takes a token: retries are rate limited too', async (t) => {
  await withSender(
    (_r, res, n) => reply(res, n % 2 === 1 ? 500 : 200, ''),
    { settings: settings({ concurrency: 4, rateLimit: { count: 5, periodMs: 1000 } }), random: () => 0 },
    async (sender, sink, events) => {
      const outs = await Promise.all(Array.from({ length: 4 }, () => sender.send(post(sink.url))));
      t.true(outs.every((o) => o.ok));
      t.is(events.length, sink.requests.length);
      t.true(events.length >= 6);
      const starts = events.map((e) => e.tokenAt!).sort((a, b) => a - b);
      t.true(starts[5]! - starts[0]! >= 1000, 'the sixth attempt, a retry, waited for a token');
    },
  );
});

test('requests queued behind the one that opens the breaker end with EBB_HTTP_CIRCUIT_OPEN without an attempt', async (t) => {
  await withSender(
    (_r, res) => reply(res, 500, 'down'),
    {
      settings: settings({ retries: 0, concurrency: 1 }),
      breaker: { window: 1, minRequests: 1, failureRatio: 1 },
    },
    async (sender, sink) => {
      const outs = await Promise.all([
        sender.send(post(sink.url)),
        sender.send(post(sink.url)),
        sender.send(post(sink.url)),
      ]);
      t.deepEqual(
        outs.map((o) => [o.error?.code, o.attempts]),
        [
          ['EBB_HTTP_STATUS', 1],
          ['EBB_HTTP_CIRCUIT_OPEN', 0],
          ['EBB_HTTP_CIRCUIT_OPEN', 0],
        ],
      );
      t.is(sink.requests.length, 1);
      await sender.idle();
      t.is(sender.inFlight, 0);
    },
  );
});

test('attempts in a row without an answer (refused connections) open the breaker, naming the network error', async (t) => {
  const port = await closedPort();
  const transport = new UndiciTransport();
  const sender = new Sender({
    model: 'm',
    idempotencySecret: SECRET,
    settings: settings({ retries: 0 }),
    limits: FAST,
    transport,
    breaker: { networkFailures: 2 },
  });
  try {
    const url = `http://127.0.0.1:${port}/x`;
    await sender.send(post(url));
    t.is(sender.tripped, null);
    await sender.send(post(url));
    t.deepEqual(sender.tripped, {
      origin: `http://127.0.0.1:${port}`,
      error: { code: 'EBB_HTTP_NETWORK', message: `connection refused by http://127.0.0.1:${port}` },
    });
    const later = await sender.send(post(url));
    t.is(later.error?.code, 'EBB_HTTP_CIRCUIT_OPEN');
    t.is(
      later.error?.message,
      `stopped sending to http://127.0.0.1:${port} after 2 attempts in a row got no answer; last error: connection refused by http://127.0.0.1:${port}`,
    );
  } finally {
    await transport.close();
  }
});

test('a destination that refuses every connection opens the breaker with the default rule, retries counted', async (t) => {
  const port = await closedPort();
  const transport = new UndiciTransport();
  const sender = new Sender({
    model: 'm',
    idempotencySecret: SECRET,
    settings: settings({ retries: 5 }),
    limits: FAST,
    transport,
  });
  try {
    const url = `http://127.0.0.1:${port}/x`;
    const outs = await Promise.all(Array.from({ length: 40 }, () => sender.send(post(url))));
    t.is(sender.tripped?.error.code, 'EBB_HTTP_NETWORK');
    t.true(outs.some((o) => o.error?.code === 'EBB_HTTP_CIRCUIT_OPEN'));
  } finally {
    await transport.close();
  }
});

test('a 503 with Retry-After is waited for without spending the budget', async (t) => {
  await withSender(
    (_r, res, n) =>
      n === 1 ? reply(res, 503, 'maintenance', { 'retry-after': '0' }) : reply(res, 200, 'ok'),
    { settings: settings({ retries: 0 }) },
    async (sender, sink) => {
      const out = await sender.send(post(sink.url));
      t.true(out.ok);
      t.is(out.attempts, 2);
      t.is(sink.requests.length, 2);
    },
  );
});

test('stop() while a request waits for a rate-limit token ends it unsent, at once', async (t) => {
  await withSender(
    (_r, res) => reply(res, 200, 'ok'),
    { settings: settings({ rateLimit: { count: 1, periodMs: 60_000 } }) },
    async (sender, sink) => {
      const first = sender.send(post(sink.url));
      const second = sender.send(post(sink.url));
      t.true((await first).ok);
      sender.stop();
      const out = await second;
      t.is(out.error?.code, 'EBB_SEND_STOPPED');
      t.is(out.attempts, 0);
      t.is(out.error?.message, `POST ${sink.origin} was not sent: sending was stopped`);
      t.is(sink.requests.length, 1);
    },
  );
});

test('with a rate limit, the first request to an origin opens its connection alone: the others start after it ended', async (t) => {
  let firstAnsweredAt = 0;
  await withSender(
    (_r, res, n) => {
      if (n === 1) {
        // The first answer takes a while: the others must not start before it.
        setTimeout(() => {
          firstAnsweredAt = performance.now();
          reply(res, 200, 'first');
        }, 60);
      } else reply(res, 200, 'ok');
    },
    { settings: settings({ concurrency: 8, rateLimit: { count: 1000, periodMs: 1000 } }) },
    async (sender, sink) => {
      const outs = await Promise.all(
        Array.from({ length: 6 }, (_v, i) => sender.send(post(`${sink.origin}/r/${i}`))),
      );
      t.true(outs.every((o) => o.ok));
      t.is(sink.requests.length, 6);
      t.true(firstAnsweredAt > 0);
      t.true(
        sink.requests.slice(1).every((r) => r.at >= firstAnsweredAt),
        'no request arrived while the first was in flight',
      );
    },
  );
});
