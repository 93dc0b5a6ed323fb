/**
 * With a rate limit, an origin's first attempt goes alone and the other requests wait for it
 * (sender.ts, the warm-up): when that first attempt is answered 429 with Retry-After, its
 * request gives its concurrency slot up to wait, and the others must not be left holding every
 * slot while they wait for it — the run used to hang there for good. Against a real node:http
 * sink.
 */
import test from 'ava';
import { Sender, UndiciTransport, type SendOutcome } from '../lib/send/index.js';
import { startSink } from './helpers/sink.js';

test('a 429 with Retry-After on the first attempt of a rate-limited origin: every request still ends', async (t) => {
  let first = true;
  const sink = await startSink(() => {
    if (!first) return {};
    first = false;
    return { status: 429, headers: { 'retry-after': '1' } };
  });
  const transport = new UndiciTransport();
  t.teardown(async () => {
    await transport.close();
    await sink.close();
  });
  const sender = new Sender({
    model: 'sync.warm',
    idempotencySecret: new Uint8Array(32),
    settings: { rateLimit: { count: 100, periodMs: 1000 }, concurrency: 2, retries: 0, timeoutMs: 5_000 },
    transport,
  });
  const sends = Array.from({ length: 6 }, (_, i) =>
    sender.send({ method: 'POST', url: `${sink.url}/r${i}`, headers: {}, timeoutMs: 5_000 }),
  );
  const hung = new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15_000).unref());
  const outcomes = await Promise.race([Promise.all(sends), hung]);
  t.not(outcomes, 'hung');
  t.true((outcomes as SendOutcome[]).every((o) => o.ok));
  t.is(sink.delivered.length, 6);
  t.is(sink.requests.length, 7);
});
