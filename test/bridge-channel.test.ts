// The worker ↔ main-thread channel on its own: a real worker thread running a small script
// against the Client, and serve() with fake handlers (no DuckDB, no network).

import test from 'ava';
import { MessageChannel, Worker } from 'node:worker_threads';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  LATER,
  newSignal,
  SerialLane,
  serve,
  type Handlers,
  type WireError,
} from '../lib/runtime/channel.js';

interface TestOps {
  db: { req: { n: number; delay: number }; rep: number };
  http: { req: { name: string; delay: number; body?: Uint8Array }; rep: string };
  store: { req: { fail?: boolean; release?: string }; rep: null };
  report: { req: unknown; rep: null };
}

const CHANNEL = new URL('../lib/runtime/channel.ts', import.meta.url).href;
const TSX = import.meta.resolve('tsx/esm/api');

/** runWorker runs `body` (JS, with `client` in scope) in a worker; resolves with what it reported. */
function runWorker(
  body: string,
  handlers: (report: (x: unknown) => void) => Omit<Handlers<TestOps>, 'report'>,
  holdMs?: number,
) {
  const { port1, port2 } = new MessageChannel();
  const signal = newSignal();
  const reports: unknown[] = [];
  const lane = new SerialLane();
  const toError = (err: unknown): WireError => ({
    code: 'EBB_HOST',
    message: err instanceof Error ? err.message : String(err),
  });
  const served = serve<TestOps>(
    port1,
    signal,
    { ...handlers((x) => reports.push(x)), report: (x) => (reports.push(x), null) },
    { db: 'serial', http: 'concurrent', store: 'serial', report: 'concurrent' },
    lane,
    toError,
    undefined,
    holdMs,
  );
  const code = `(async () => {
    const { register } = await import(${JSON.stringify(TSX)}); register();
    const { Client, HostCallError } = await import(${JSON.stringify(CHANNEL)});
    const { workerData } = await import('node:worker_threads');
    const client = new Client(workerData.port, workerData.signal);
    ${body}
  })().catch((e) => { throw e; });`;
  const worker = new Worker(code, { eval: true, workerData: { port: port2, signal }, transferList: [port2] });
  const exited = new Promise<{ code: number; error?: Error }>((resolve) => {
    let error: Error | undefined;
    worker.on('error', (e) => (error = e));
    worker.on('exit', (c) => resolve(error ? { code: c, error } : { code: c }));
  });
  return { reports, exited, served, port: port1 };
}

test('the database lane runs in order while HTTP requests complete concurrently', async (t) => {
  const order: number[] = [];
  let running = 0;
  let overlap = false;
  const w = runWorker(
    `const ids = [];
     for (let i = 0; i < 20; i++) ids.push(client.submit('db', { n: i, delay: (i * 7) % 5 }));
     const h = client.submit('http', { name: 'slow', delay: 30 });
     const values = ids.map((id) => client.wait(id));
     client.call('report', { values, http: client.wait(h) });`,
    () => ({
      db: async ({ n, delay }) => {
        if (running++ > 0) overlap = true;
        await sleep(delay);
        order.push(n);
        running--;
        return n * 10;
      },
      http: async ({ name, delay }) => (await sleep(delay), name),
      store: () => null,
    }),
  );
  const { code } = await w.exited;
  t.is(code, 0);
  t.false(overlap, 'two database operations ran at the same time');
  t.deepEqual(order, [...Array(20).keys()]);
  t.deepEqual(w.reports, [{ values: [...Array(20).keys()].map((n) => n * 10), http: 'slow' }]);
});

test('HTTP completions arrive out of order, each to its own request', async (t) => {
  const w = runWorker(
    `const seen = [];
     const delays = { a: 80, b: 5, c: 40 };
     const ids = Object.entries(delays).map(([name, delay]) =>
       client.submit('http', { name, delay }, (o) => seen.push(o.ok ? o.value : 'error')));
     let done = 0;
     client.waitUntil(() => seen.length === 3);
     client.call('report', seen);`,
    () => ({
      db: () => 0,
      http: async ({ name, delay }) => (await sleep(delay), name),
      store: () => null,
    }),
  );
  t.is((await w.exited).code, 0);
  t.deepEqual(w.reports, [['b', 'c', 'a']]);
});

test('waitAny returns the first of several requests to finish, and the others can still be waited for', async (t) => {
  // The order of completion is the script's, not the clock's: 'a' and 'c' end only when the
  // script says so (a one-way message), so a loaded machine cannot reorder them.
  const w = runWorker(
    `const a = client.submit('http', { name: 'a', delay: 0 });
     const b = client.submit('http', { name: 'b', delay: 0 });
     const c = client.submit('http', { name: 'c', delay: 0 });
     const first = client.waitAny([a, b, c]);
     const firstValue = client.wait(first);
     client.post('store', { release: 'c' }, 'release c');
     const second = client.waitAny([a, c]);
     client.post('store', { release: 'a' }, 'release a');
     client.call('report', { first: first === b, second: second === c, firstValue, rest: [client.wait(a), client.wait(c)] });`,
    () => {
      const gates = new Map<string, () => void>();
      const gate = (name: string) => new Promise<void>((resolve) => gates.set(name, resolve));
      const ends: Record<string, Promise<void>> = { a: gate('a'), c: gate('c') };
      return {
        db: () => 0,
        http: async ({ name }) => (await ends[name], name),
        store: ({ release }) => (gates.get(release ?? '')?.(), null),
      };
    },
  );
  t.is((await w.exited).code, 0);
  t.deepEqual(w.reports, [{ first: true, second: true, firstValue: 'b', rest: ['a', 'c'] }]);
});

test('a failed one-way message is reported with the call that caused it and its position, as a value with a code', async (t) => {
  const w = runWorker(
    `client.post('store', { fail: false }, 'save.row (rows 1–10)', 'm.star:3:9');
     client.post('store', { fail: true }, 'save.row (rows 11–20)', 'm.star:5:13');
     // The database lane handles the failing message before this call, so this call reports it.
     let caught;
     try {
       client.call('db', { n: 2, delay: 0 });
     } catch (e) {
       caught = { name: e.name, code: e.code, origin: e.origin, position: e.position, message: e.message };
     }
     // Reported once: later calls work again.
     const after = client.call('db', { n: 3, delay: 0 });
     client.call('report', { caught, after });`,
    () => ({
      db: ({ n }) => n,
      http: () => '',
      store: ({ fail }) => {
        if (fail) throw new Error('disk full');
        return null;
      },
    }),
  );
  t.is((await w.exited).code, 0);
  t.deepEqual(w.reports, [
    {
      caught: {
        name: 'HostCallError',
        code: 'EBB_HOST',
        origin: 'save.row (rows 11–20)',
        position: 'm.star:5:13',
        message: 'save.row (rows 11–20): disk full',
      },
      after: 3,
    },
  ]);
  t.deepEqual(w.served.failure(), {
    code: 'EBB_HOST',
    message: 'disk full',
    origin: 'save.row (rows 11–20)',
    position: 'm.star:5:13',
  });
});

test('a handler that returns LATER answers through its Answer, a value or a failure, in the order it calls it', async (t) => {
  const w = runWorker(
    `const seen = [];
     for (const [name, delay] of [['a', 30], ['bad', 10], ['c', 0]])
       client.submit('http', { name, delay }, (o) => seen.push(o.ok ? o.value : o.error.message));
     client.waitUntil(() => seen.length === 3);
     client.call('report', seen);`,
    () => ({
      db: () => 0,
      http: ({ name, delay }, _id, answer) => {
        setTimeout(
          () => (name === 'bad' ? answer.fail(new Error('refused')) : answer.ok(name.toUpperCase())),
          delay,
        );
        return LATER;
      },
      store: () => null,
    }),
  );
  t.is((await w.exited).code, 0);
  t.deepEqual(w.reports, [['C', 'refused', 'A']]);
  await w.served.idle();
  t.pass('every request answered through its Answer counts as answered');
});

test('a failed request crosses as an error value with its code', async (t) => {
  const w = runWorker(
    `let caught;
     try { client.call('db', { n: -1, delay: 0 }); } catch (e) { caught = [e.name, e.code, e.message]; }
     client.call('report', caught);`,
    () => ({
      db: ({ n }) => {
        if (n < 0) throw new Error('negative');
        return n;
      },
      http: () => '',
      store: () => null,
    }),
  );
  t.is((await w.exited).code, 0);
  t.deepEqual(w.reports, [['HostCallError', 'EBB_HOST', 'negative']]);
});

test('a worker that crashes while requests are in flight leaves the main thread able to finish', async (t) => {
  let answered = 0;
  const w = runWorker(
    `client.submit('http', { name: 'x', delay: 50 });
     client.submit('db', { n: 1, delay: 50 });
     client.postNow();
     throw new Error('boom in the worker');`,
    () => ({
      db: async ({ n }) => (await sleep(50), answered++, n),
      http: async ({ name }) => (await sleep(50), answered++, name),
      store: () => null,
    }),
  );
  const exit = await w.exited;
  t.is(exit.code, 1);
  t.regex(String(exit.error?.message), /boom in the worker/);
  await w.served.idle();
  t.is(answered, 2, 'the requests already received were handled; their replies went nowhere, without error');
  w.port.close();
});

test('stop makes a waiting script throw StoppedError', async (t) => {
  const w = runWorker(
    // The stop may come while the report's reply is still on its way (the test stops once the
    // report arrived): the call waiting for it throws StoppedError too.
    `const id = client.submit('http', { name: 'never', delay: 5000 });
     try { client.call('report', 'waiting'); client.wait(id); } catch (e) { client.finalCall('report', e.name); }`,
    () => ({
      db: () => 0,
      http: async ({ name, delay }) => (await sleep(delay), name),
      store: () => null,
    }),
  );
  while (w.reports.length === 0) await sleep(5);
  w.served.stop();
  t.is((await w.exited).code, 0);
  t.deepEqual(w.reports, ['waiting', 'StoppedError']);
});

test('replies are held until the waiting worker has as many as it needs: one wake-up for many responses', async (t) => {
  const w = runWorker(
    `let done = 0;
     for (let i = 0; i < 40; i++) client.submit('http', { name: 'r' + i, delay: 1 + (i % 7) }, () => done++);
     let looks = 0;
     // Wait until at most 8 are left, as the http module does at its run-ahead mark.
     client.waitUntil(() => (looks++, 40 - done <= 8), false, () => 40 - done - 8);
     const first = looks;
     client.waitUntil(() => done === 40, false, () => 40 - done);
     client.call('report', { done, first, looks });`,
    () => ({ db: () => 0, http: async ({ name, delay }) => (await sleep(delay), name), store: () => null }),
  );
  const { code } = await w.exited;
  t.is(code, 0);
  const r = w.reports[0] as { done: number; first: number; looks: number };
  t.is(r.done, 40);
  // Without holding, every event-loop turn's replies woke the worker (up to 32 looks here).
  t.true(r.first <= 3, `the worker looked ${r.first} times before 32 responses were in`);
});

test('a reply held while the worker ran is posted as soon as it waits for it', async (t) => {
  const w = runWorker(
    `const id = client.submit('http', { name: 'early', delay: 1 });
     client.postNow();
     const until = Date.now() + 50;
     while (Date.now() < until) {} // busy: the reply arrives and is held meanwhile
     const t0 = Date.now();
     const v = client.wait(id);
     client.call('report', { v, waited: Date.now() - t0 });`,
    () => ({ db: () => 0, http: async ({ name, delay }) => (await sleep(delay), name), store: () => null }),
    // The safety net far away (it is 250 ms in a run): only the worker's asking can end the wait soon.
    60_000,
  );
  const { code } = await w.exited;
  t.is(code, 0);
  const r = w.reports[0] as { v: string; waited: number };
  t.is(r.v, 'early');
  // The waiting worker asks for what is held: it must not wait for the main thread's safety net.
  t.true(r.waited < 30_000, `waited ${r.waited} ms for a reply that was already there`);
});

test('a buffer handed with its request moves with it, also when that request fills the outbox and posts it at once', async (t) => {
  // 64 requests fill the outbox (channel.ts OUTBOX_MAX): the 64th is posted by its own submit.
  // The outbox is also posted when it is 2 ms old (OUTBOX_MS): on a loaded machine the loop may
  // be preempted that long, and an earlier post moves the mark. Such a run must still show each
  // request's buffer moving with it, in order (a prefix of the requests); the run without one,
  // within a few tries, must show the 64th posting the 64.
  const want = Array.from({ length: 70 }, (_x, i) => i < 64);
  for (let attempt = 1; ; attempt++) {
    const w = runWorker(
      `const bodies = [];
       for (let i = 0; i < 70; i++) bodies.push(new Uint8Array(8192).fill(i));
       for (let i = 0; i < 70; i++)
         client.submit('http', { name: 'r' + i, delay: 0, body: bodies[i] }, undefined, false, bodies[i].buffer);
       const posted = bodies.map((b) => b.byteLength === 0);
       client.postNow();
       client.call('report', { posted, after: bodies.map((b) => b.byteLength === 0) });`,
      () => ({ db: () => 0, http: async ({ name }) => name, store: () => null }),
    );
    t.is((await w.exited).code, 0);
    const { posted, after } = w.reports[0] as { posted: boolean[]; after: boolean[] };
    t.true(
      after.every((d) => d),
      'every buffer moved once its request was posted',
    );
    const moved = posted.filter((p) => p).length;
    t.deepEqual(
      posted,
      Array.from({ length: 70 }, (_x, i) => i < moved),
      'buffers move with their requests, in order',
    );
    if (moved === 64) {
      t.deepEqual(
        posted,
        want,
        'the 64 posted by the 64th submit took their buffers along (its own too); the rest wait',
      );
      return;
    }
    if (attempt === 5) {
      t.fail(`the 64th submit never posted the outbox alone in 5 tries (moved: ${moved})`);
      return;
    }
  }
});
