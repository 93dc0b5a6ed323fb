/**
 * The breaker's open state shared through the coordinator (a real PostgreSQL), at the Sender:
 * two coordinators stand for two processes sending to one real node:http sink. When the sink
 * goes down (503 for everything, or connection refused), the first sender to open its breaker
 * records it and the other stops within a bounded number of requests — far fewer than its own
 * breaker needs — naming the process that saw the outage. An origin nobody opened, or opened
 * longer ago than SHARED_BREAKER_MS, sends as before; a coordinator created before the breaker
 * rows named their process still works; a coordinator that stops fails the checks with
 * EBB_COORDINATOR.
 */
import test from 'ava';
import { hostname } from 'node:os';
import pg from 'pg';
import { PostgresCoordinator, SHARED_BREAKER_MS } from '../lib/coordinate/postgres.js';
import { Sender, UndiciTransport, type SendOutcome } from '../lib/send/index.js';
import { startPostgres, type Postgres } from './helpers/postgres.js';
import { startSink, type Sink } from './helpers/sink.js';

const SECRET = new Uint8Array(32).fill(7);
const THIS_PROCESS = `pid ${process.pid} on ${hostname()}`;

let postgres: Postgres;
test.before(async () => {
  postgres = await startPostgres();
});
test.after.always(async () => {
  await postgres?.stop();
});

/** A sender as one process's model has it: its own transport, the coordinator's breaker state. */
async function processSender(t: import('ava').ExecutionContext, name: string, concurrency: number) {
  const coordinator = await PostgresCoordinator.connect(postgres.url);
  const transport = new UndiciTransport();
  const sender = new Sender({
    model: name,
    idempotencySecret: SECRET,
    settings: { concurrency, retries: 0, timeoutMs: 5_000 },
    transport,
    breakerState: coordinator.sharedLimits('proj').breakerState(),
  });
  t.teardown(async () => {
    sender.stop();
    await transport.close();
    await coordinator.close();
  });
  return { sender, coordinator };
}

const post = (url: string) => ({ method: 'POST', url, headers: {}, timeoutMs: 5_000 });

/**
 * B sends one request at a time while A floods the same origin until its breaker opens; returns
 * B's outcomes and how many of B's requests reached the sink after A's opening was recorded.
 */
async function outage(t: import('ava').ExecutionContext, sink: Sink, gapMs: number, goDown: () => void) {
  const origin = sink.url;
  const a = await processSender(t, 'sync.a', 16);
  const b = await processSender(t, 'sync.b', 1);
  const bOutcomes: SendOutcome[] = [];
  // B: a slow process (one request in flight, `gapMs` apart), healthy at first.
  for (let i = 0; i < 5; i++) bOutcomes.push(await b.sender.send(post(`${origin}/b`)));
  t.true(bOutcomes.every((o) => o.ok));
  goDown();
  let openedAt = Infinity;
  const bDone = (async () => {
    for (let i = 0; i < 400; i++) {
      const o = await b.sender.send(post(`${origin}/b`));
      bOutcomes.push(o);
      if (o.error?.code === 'EBB_HTTP_CIRCUIT_OPEN') return;
      await new Promise((r) => setTimeout(r, gapMs));
    }
  })();
  // A: a fast process; its breaker opens after the window the rule needs.
  const aOutcomes = await Promise.all(Array.from({ length: 120 }, () => a.sender.send(post(`${origin}/a`))));
  t.truthy(a.sender.tripped, 'A opened its own breaker');
  for (;;) {
    if ((await a.coordinator.breakerOpen(origin)) !== null) {
      openedAt = Date.now();
      break;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await bDone;
  const bAfter = sink.requests.filter((r) => r.url === '/b' && r.at > openedAt).length;
  return { aOutcomes, bOutcomes, bAfter, b };
}

test.serial(
  'a sink answering 503 to everything: after one process opens, the other stops within a few requests, naming it',
  async (t) => {
    let down = false;
    const sink = await startSink(() => (down ? { status: 503, body: 'down' } : {}));
    t.teardown(() => sink.close());
    const r = await outage(t, sink, 20, () => (down = true));
    t.true(r.aOutcomes.some((o) => o.error?.code === 'EBB_HTTP_CIRCUIT_OPEN'));
    const last = r.bOutcomes.at(-1)!;
    t.is(last.error?.code, 'EBB_HTTP_CIRCUIT_OPEN');
    t.is(
      last.error?.message,
      `stopped sending to ${sink.url} because another ebb process (${THIS_PROCESS}) found it down ` +
        `after 50 of the last 50 requests failed their first attempt; last error: POST ${sink.url} answered 503: down`,
    );
    // B's own breaker needs 50 failed requests; it got far fewer 503s, and after A's opening was
    // recorded at most a refresh (250 ms, one request every ~20 ms) and a read's round trip.
    const b503 = r.bOutcomes.filter((o) => o.status === 503).length;
    t.true(b503 < 50, `B got ${b503} answers of 503`);
    t.true(r.bAfter <= 40, `${r.bAfter} requests of B after A opened`);
    // B learnt it: it does not tell it back (the row still names A's reason, not B's).
    const row = await r.b.coordinator.breakerOpen(sink.url);
    t.regex(row!.why, /^after 50 of the last 50 requests/);
  },
);

test.serial('a sink refusing connections: the other process stops before its own 10 refusals', async (t) => {
  const sink = await startSink();
  // Refusals come at once: B sends every 100 ms, so its own 10 would take a second.
  const r = await outage(t, sink, 100, () => void sink.close());
  const last = r.bOutcomes.at(-1)!;
  t.is(last.error?.code, 'EBB_HTTP_CIRCUIT_OPEN');
  t.regex(
    last.error!.message,
    /because another ebb process \(pid \d+ on .+\) found it down after 10 attempts in a row got no answer; last error: /,
  );
  const refused = r.bOutcomes.filter((o) => o.error?.code === 'EBB_HTTP_NETWORK').length;
  t.true(refused < 10, `B saw ${refused} refusals`);
});

test.serial('an origin nobody opened, or opened too long ago, sends as before', async (t) => {
  const sink = await startSink();
  t.teardown(() => sink.close());
  const { sender, coordinator } = await processSender(t, 'sync.c', 4);
  // A row older than SHARED_BREAKER_MS is an outage that is over.
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  await client.query(
    `INSERT INTO ebb_breakers (origin, opened_at, reason) VALUES ($1, now() - make_interval(secs => $2), 'old')`,
    [sink.url, SHARED_BREAKER_MS / 1000 + 5],
  );
  await client.end();
  t.is(await coordinator.breakerOpen(sink.url), null);
  const outcomes = await Promise.all(Array.from({ length: 30 }, () => sender.send(post(`${sink.url}/c`))));
  t.true(
    outcomes.every((o) => o.ok),
    JSON.stringify(outcomes.find((o) => !o.ok)?.error),
  );
  t.is(sink.delivered.length, 30);
  t.is(sender.tripped, null);
});

test.serial('a coordinator whose breaker table predates the process names gains them', async (t) => {
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query('CREATE DATABASE older');
  await admin.end();
  const url = postgres.url.replace(/\/postgres$/, '/older');
  const old = new pg.Client({ connectionString: url });
  await old.connect();
  await old.query(
    `CREATE TABLE ebb_breakers (origin text PRIMARY KEY, opened_at timestamptz NOT NULL, reason text NOT NULL)`,
  );
  await old.query(
    `INSERT INTO ebb_breakers VALUES ('http://api.test', now(), 'after 10 consecutive failed requests')`,
  );
  await old.end();
  const c = await PostgresCoordinator.connect(url);
  t.teardown(() => c.close());
  t.deepEqual(await c.breakerOpen('http://api.test'), {
    by: 'unknown',
    why: 'after 10 consecutive failed requests',
    lastError: 'unknown',
  });
});

// Last: it stops the server.
test.serial(
  'a coordinator that stops: the next check of the shared state stops sending with EBB_COORDINATOR',
  async (t) => {
    const sink = await startSink();
    t.teardown(() => sink.close());
    const { sender } = await processSender(t, 'sync.d', 1);
    t.true((await sender.send(post(`${sink.url}/d`))).ok);
    await postgres.stop();
    let last: SendOutcome | undefined;
    // The state is read again 250 ms after the last read; sends before that go out.
    for (let i = 0; i < 100; i++) {
      last = await sender.send(post(`${sink.url}/d`));
      if (!last.ok) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    t.is(last?.error?.code, 'EBB_COORDINATOR');
    t.regex(last!.error!.message, /coordinator: cannot read the breaker of http:\/\/127\.0\.0\.1:\d+/);
    const more = await sender.send(post(`${sink.url}/d`));
    t.is(more.error?.code, 'EBB_HTTP_CIRCUIT_OPEN');
    t.regex(more.error!.message, /because the coordinator cannot tell the breaker state of other processes/);
    t.true(sink.delivered.length < 60, `${sink.delivered.length} delivered`);
  },
);
