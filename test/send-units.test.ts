// The pure parts of lib/send: URL splitting, Retry-After parsing, backoff with full jitter,
// the retry decisions, idempotency keys, and the rate limiter under a fake clock.

import test from 'ava';
import {
  backoffMs,
  decideAfterError,
  decideAfterStatus,
  idempotencyKey,
  initIdempotency,
  originOf,
  parseRetryAfter,
  RateLimiter,
  splitUrl,
  type Clock,
  type RetryLimits,
  type RetryState,
} from '../lib/send/index.js';

test('splitUrl gives the origin and the path with its query, without the fragment', (t) => {
  t.deepEqual(splitUrl('http://127.0.0.1:8080/a/b?x=1#frag'), { origin: 'http://127.0.0.1:8080', path: '/a/b?x=1' });
  t.deepEqual(splitUrl('https://api.example.com'), { origin: 'https://api.example.com', path: '/' });
  t.deepEqual(splitUrl('https://api.example.com?q=1'), { origin: 'https://api.example.com', path: '/?q=1' });
  t.deepEqual(splitUrl('HTTP://Example.com/x'), { origin: 'http://example.com', path: '/x' });
  t.is(originOf('http://127.0.0.1:8080/a?b#c'), 'http://127.0.0.1:8080');
  t.is(originOf('HTTPS://Example.com'), 'https://example.com');
  t.throws(() => originOf('ws://example.com'), { message: /scheme ws is not supported/ });
});

test('splitUrl rejects other schemes, relative URLs and credentials with EBB_HTTP_BAD_URL', (t) => {
  for (const [url, why] of [
    ['ftp://example.com/x', /scheme ftp/],
    ['/relative/path', /not a valid absolute URL/],
    ['http://user:pw@example.com/', /credentials/],
    ['http://', /not a valid absolute URL/],
  ] as const) {
    const err = t.throws(() => splitUrl(url));
    t.is((err as { code?: string }).code, 'EBB_HTTP_BAD_URL', url);
    t.regex(err!.message, why);
  }
});

test('Retry-After is read as delta-seconds or as an HTTP date; a past date means now; junk is ignored', (t) => {
  const now = Date.parse('Sun, 29 Nov 2026 03:00:00 GMT');
  t.is(parseRetryAfter('1', now), 1000);
  t.is(parseRetryAfter(' 120 ', now), 120_000);
  t.is(parseRetryAfter('0', now), 0);
  t.is(parseRetryAfter('Sun, 29 Nov 2026 03:00:30 GMT', now), 30_000);
  t.is(parseRetryAfter('Sun, 29 Nov 2026 02:00:00 GMT', now), 0);
  t.is(parseRetryAfter('soon', now), null);
  t.is(parseRetryAfter('-5', now), null);
  t.is(parseRetryAfter('12345678901234', now), 12345678901234000);
});

const limits: RetryLimits = {
  retries: 2,
  backoffBaseMs: 100,
  backoffMaxMs: 1000,
  retryAfterCapMs: 60_000,
  maxRetryAfterWaits: 3,
  maxRetryAfterTotalMs: 10_000,
};
const fresh = (): RetryState => ({ failures: 0, freeWaits: 0, freeWaitedMs: 0 });

test('backoff is full jitter under an exponential ceiling capped at the maximum', (t) => {
  t.is(backoffMs(1, limits, () => 0.999999), 99);
  t.is(backoffMs(2, limits, () => 0.5), 100);
  t.is(backoffMs(4, limits, () => 0.999999), 799);
  t.is(backoffMs(10, limits, () => 0.5), 500);
  t.is(backoffMs(3, limits, () => 0), 0);
});

test('5xx, timeouts and network errors spend the budget; other 4xx end at once', (t) => {
  const s = fresh();
  t.deepEqual(decideAfterStatus(500, undefined, s, limits, () => 0.5, 0), { kind: 'retry', waitMs: 50, free: false });
  t.deepEqual(decideAfterError('EBB_HTTP_TIMEOUT', s, limits, () => 0.5), { kind: 'retry', waitMs: 100, free: false });
  t.deepEqual(decideAfterError('EBB_HTTP_NETWORK', s, limits, () => 0.5), { kind: 'give-up' });
  t.is(s.failures, 2);
  for (const status of [400, 401, 404, 409, 422, 301]) {
    t.deepEqual(decideAfterStatus(status, '1', fresh(), limits, Math.random, 0), { kind: 'done' }, String(status));
  }
  t.deepEqual(decideAfterError('EBB_HTTP_BAD_URL', fresh(), limits, Math.random), { kind: 'done' });
});

test('429 and 503 with Retry-After wait for free, bounded in count and total; above the cap is too long', (t) => {
  const s = fresh();
  t.deepEqual(decideAfterStatus(429, '2', s, limits, Math.random, 0), { kind: 'retry', waitMs: 2000, free: true });
  t.deepEqual(decideAfterStatus(503, '1', s, limits, Math.random, 0), { kind: 'retry', waitMs: 1000, free: true });
  t.deepEqual(decideAfterStatus(429, undefined, s, limits, () => 0.5, 0), { kind: 'retry', waitMs: 200, free: true });
  t.is(s.failures, 0);
  t.deepEqual(decideAfterStatus(429, '1', s, limits, Math.random, 0), { kind: 'give-up' }, 'a fourth free wait is over the bound of 3');
  const total = fresh();
  t.deepEqual(decideAfterStatus(429, '9', total, limits, Math.random, 0), { kind: 'retry', waitMs: 9000, free: true });
  t.deepEqual(decideAfterStatus(429, '2', total, limits, Math.random, 0), { kind: 'give-up' }, '9 s + 2 s is over the 10 s total');
  t.deepEqual(decideAfterStatus(429, '61', fresh(), limits, Math.random, 0), { kind: 'too-long', retryAfterMs: 61_000 });
  t.deepEqual(decideAfterStatus(502, '1', fresh(), limits, () => 0, 0), { kind: 'retry', waitMs: 0, free: false }, 'Retry-After on a 502 is not a free wait');
});

test('idempotency keys are 16 hex digits, equal for equal inputs and different when any input differs', async (t) => {
  await initIdempotency();
  const body = new TextEncoder().encode('{"id":1}');
  const k = idempotencyKey('m', 'POST', 'http://h/x', body);
  t.regex(k, /^[0-9a-f]{16}$/);
  t.is(idempotencyKey('m', 'POST', 'http://h/x', new TextEncoder().encode('{"id":1}')), k);
  const others = [
    idempotencyKey('m2', 'POST', 'http://h/x', body),
    idempotencyKey('m', 'PUT', 'http://h/x', body),
    idempotencyKey('m', 'POST', 'http://h/y', body),
    idempotencyKey('m', 'POST', 'http://h/x', new TextEncoder().encode('{"id":2}')),
    idempotencyKey('m', 'POST', 'http://h/x', undefined),
    idempotencyKey('mP', 'OST', 'http://h/x', body),
  ];
  t.is(new Set([k, ...others]).size, others.length + 1);
});

/** A clock whose time moves only when the test says so; timers fire in order. */
class FakeClock implements Clock {
  t = 0;
  #timers: { at: number; fn: () => void; id: number }[] = [];
  #id = 0;
  now(): number {
    return this.t;
  }
  wallNow(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.#id;
    this.#timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.#timers = this.#timers.filter((x) => x.id !== handle);
  }
  /** Moves time forward by ms, firing due timers (and letting promise callbacks run) in order. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      this.#timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.#timers[0];
      if (next === undefined || next.at > end) break;
      this.#timers.shift();
      this.t = Math.max(this.t, next.at);
      next.fn();
      await flush();
    }
    this.t = end;
    await flush();
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

/** Largest number of times within any half-open window [a, a + period). */
function maxInWindow(times: readonly number[], period: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= period) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

test('the rate limiter never grants more than N in any window of the period, under bursts and idle spells', async (t) => {
  const clock = new FakeClock();
  const limiter = new RateLimiter(5, 1000, clock);
  const grants: number[] = [];
  const want = (n: number): void => {
    for (let i = 0; i < n; i++) void limiter.take().then(() => grants.push(clock.now()));
  };
  want(12);
  await flush();
  t.is(grants.length, 5, 'a full bucket at the start');
  await clock.advance(999);
  t.is(grants.length, 5, 'nothing comes back before the period');
  await clock.advance(1);
  t.is(grants.length, 10);
  await clock.advance(1000);
  t.is(grants.length, 12);
  // Idle, then a burst spread across a period boundary: a continuously refilled bucket would
  // allow 2N-1 in one window here.
  await clock.advance(5000);
  for (let i = 0; i < 5; i++) {
    t.true(limiter.tryTake());
    grants.push(clock.now());
    await clock.advance(150);
  }
  t.false(limiter.tryTake(), 'the sixth within the period waits');
  want(30);
  for (let i = 0; i < 80; i++) await clock.advance(97);
  t.is(grants.length, 12 + 5 + 30);
  t.is(maxInWindow(grants, 1000), 5);
  for (let i = 5; i < grants.length; i++) t.true(grants[i]! - grants[i - 5]! >= 1000, `grant ${i}`);
});

test('a rate-limit wait ends with the signal reason when the signal aborts, and the token is not used', async (t) => {
  const clock = new FakeClock();
  const limiter = new RateLimiter(1, 1000, clock);
  t.true(limiter.tryTake());
  const ac = new AbortController();
  const waiting = limiter.take(ac.signal);
  const next = limiter.take();
  ac.abort(new Error('stopped'));
  await t.throwsAsync(waiting, { message: 'stopped' });
  let granted = -1;
  void next.then(() => (granted = clock.now()));
  await clock.advance(1000);
  t.is(granted, 1000, 'the next waiter gets the token the aborted one gave up');
});

test('rate limiter settings are validated', (t) => {
  t.throws(() => new RateLimiter(0, 1000), { message: /whole number ≥ 1/ });
  t.throws(() => new RateLimiter(1.5, 1000), { message: /whole number ≥ 1/ });
  t.throws(() => new RateLimiter(10, 0), { message: /period must be > 0/ });
});

test('idempotency keys of large bodies (past the kept scratch buffer) are stable and distinct', async (t) => {
  await initIdempotency();
  const big = new Uint8Array(3 * 1024 * 1024).fill(7);
  const k1 = idempotencyKey('m', 'POST', 'http://h/x', big);
  const other = big.slice();
  other[other.length - 1] = 8;
  t.is(idempotencyKey('m', 'POST', 'http://h/x', big.slice()), k1);
  t.not(idempotencyKey('m', 'POST', 'http://h/x', other), k1);
  const mid = new Uint8Array(200 * 1024).fill(1);
  t.is(idempotencyKey('m', 'PUT', 'http://h/x', mid), idempotencyKey('m', 'PUT', 'http://h/x', mid.slice()));
  t.is(idempotencyKey('m', 'POST', 'http://h/x', new TextEncoder().encode('{"id":1}')), idempotencyKey('m', 'POST', 'http://h/x', new TextEncoder().encode('{"id":1}')));
});

test('property: for any arrival pattern the limiter grants at most N per window, in order, and never later than needed', async (t) => {
  const fc = await import('fast-check');
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 10, max: 500 }),
      fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 40 }),
      async (n, period, gaps) => {
        const clock = new FakeClock();
        const limiter = new RateLimiter(n, period, clock);
        const asked: number[] = [];
        const granted: number[] = [];
        for (const gap of gaps) {
          await clock.advance(gap);
          const i = asked.length;
          asked.push(clock.now());
          void limiter.take().then((at) => (granted[i] = at));
          await flush();
        }
        await clock.advance(period * (gaps.length + 1));
        if (granted.length !== gaps.length || granted.some((g) => g === undefined)) return false;
        for (let i = 0; i < granted.length; i++) {
          if (granted[i]! < asked[i]!) return false;
          if (i > 0 && granted[i]! < granted[i - 1]!) return false;
          if (i >= n && granted[i]! - granted[i - n]! < period) return false;
          // As early as allowed: at the ask, after the previous grant, or when the N-th previous token came back.
          const earliest = Math.max(asked[i]!, i > 0 ? granted[i - 1]! : 0, i >= n ? granted[i - n]! + period : 0);
          if (granted[i] !== earliest) return false;
        }
        return true;
      },
    ),
    { numRuns: 200 },
  );
  t.pass();
});
