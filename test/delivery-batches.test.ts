// How Delivery batches acknowledgements (with a recording AckStore and a fake sender, no DuckDB): rows in
// whole row groups (ROW_GROUP), which DuckDB writes past the WAL; once a request was sent, also
// whenever the waiting acks depend on UNDURABLE_REQUESTS requests (the documented crash window).

import test from 'ava';
import { SerialLane } from '../lib/runtime/channel.js';
import { Delivery, type AckStore } from '../lib/runtime/delivery.js';
import { SeqRuns } from '../lib/detect/seq-runs.js';
import {
  FLUSH_FAILED_ROWS,
  FLUSH_REQUESTS,
  MESSAGE_ROWS,
  ROW_GROUP,
  UNDURABLE_REQUESTS,
} from '../lib/runtime/protocol.js';

function setup() {
  const commits: number[][] = [];
  const acks: AckStore = {
    ack: async (rows: SeqRuns) => void commits.push([...rows]),
    ackDeleted: async () => undefined,
    record: async () => undefined,
  };
  const sender = {
    send: async () => ({ ok: true, status: 200, headers: {}, body: new Uint8Array(0), attempts: 1 }),
  };
  const lane = new SerialLane();
  const delivery = new Delivery({ sender: sender as never, lane, acks, onFatal: () => undefined });
  const ack = (from: number, n: number) => {
    for (let s = from; s < from + n; s += MESSAGE_ROWS)
      delivery.ack(
        SeqRuns.of(Array.from({ length: Math.min(MESSAGE_ROWS, from + n - s) }, (_x, i) => s + i)),
        false,
        [],
      );
  };
  return { commits, delivery, lane, ack };
}

test('before any request, acknowledgements are committed in exact row groups', async (t) => {
  const { commits, delivery, lane, ack } = setup();
  ack(1, ROW_GROUP + 7_000);
  await lane.idle();
  t.deepEqual(
    commits.map((c) => [c[0], c.length]),
    [[1, ROW_GROUP]],
    'one row group, the rest still waiting',
  );
  ack(ROW_GROUP + 7_001, ROW_GROUP);
  await lane.idle();
  t.deepEqual(
    commits.map((c) => [c[0], c.length]),
    [
      [1, ROW_GROUP],
      [ROW_GROUP + 1, ROW_GROUP],
    ],
  );
  await delivery.drain();
  t.deepEqual(
    commits.map((c) => c.length),
    [ROW_GROUP, ROW_GROUP, 7_000],
    'the rest at the end',
  );
  delivery.close();
});

const GET = { method: 'GET', url: 'http://127.0.0.1:1/', headers: {}, timeoutMs: 1000 };

test('once the model sent a request, acknowledgements are committed when they depend on FLUSH_REQUESTS requests', async (t) => {
  const { commits, delivery, lane, ack } = setup();
  const settle = async () => {
    await new Promise((r) => setTimeout(r, 10));
    await lane.idle();
  };
  const HALF = FLUSH_REQUESTS;
  ack(1, 3_000);
  void delivery.send(1, GET);
  delivery.ack(SeqRuns.of([3_001]), false, [1]);
  await settle();
  t.deepEqual(
    commits.map((c) => c.length),
    [3_001],
    'the rows waiting before the first request go with its first ack',
  );
  // The seed loop: one request per row, each save depending on its request.
  for (let i = 2; i <= HALF; i++) {
    void delivery.send(i, GET);
    delivery.ack(SeqRuns.of([3_000 + i]), false, [i]);
  }
  await settle();
  t.is(commits.length, 1, 'one request short of a batch');
  void delivery.send(HALF + 1, GET);
  delivery.ack(SeqRuns.of([3_000 + HALF + 1]), false, [HALF + 1]);
  await settle();
  t.deepEqual(
    commits.map((c) => c.length),
    [3_001, HALF],
  );
  await delivery.drain();
  t.is(commits.length, 2);
  delivery.close();
});

test('new requests wait while the acknowledgements of UNDURABLE_REQUESTS requests are not committed (the crash window)', async (t) => {
  let release!: () => void;
  const blocked = new Promise<void>((r) => (release = r));
  const commits: number[] = [];
  // The first commit hangs until released: a slow disk.
  const acks: AckStore = {
    ack: async (rows: SeqRuns) => (
      commits.length === 0 ? await blocked : undefined, void commits.push(rows.size)
    ),
    ackDeleted: async () => undefined,
    record: async () => undefined,
  };
  let sent = 0;
  const sender = {
    send: async () => (sent++, { ok: true, status: 200, headers: {}, body: new Uint8Array(0), attempts: 1 }),
  };
  const delivery = new Delivery({
    sender: sender as never,
    lane: new SerialLane(),
    acks,
    onFatal: () => undefined,
  });
  const outcomes: Array<Promise<unknown>> = [];
  for (let i = 1; i <= UNDURABLE_REQUESTS + 10; i++) {
    outcomes.push(delivery.send(i, GET));
    delivery.ack(SeqRuns.of([i]), false, [i]);
    await new Promise((r) => setImmediate(r));
  }
  t.is(
    sent,
    UNDURABLE_REQUESTS,
    'sending stops once UNDURABLE_REQUESTS requests wait for durable acknowledgements',
  );
  release();
  await Promise.all(outcomes);
  t.is(sent, UNDURABLE_REQUESTS + 10);
  await delivery.drain();
  t.is(
    commits.reduce((a, b) => a + b, 0),
    UNDURABLE_REQUESTS + 10,
  );
  delivery.close();
});

test('requests of many rows each: acknowledgements are committed in exact row groups', async (t) => {
  const { commits, delivery, lane } = setup();
  const PER = 500;
  const REQUESTS = Math.ceil((ROW_GROUP * 2 + 1_000) / PER);
  for (let r = 0; r < REQUESTS; r++) {
    void delivery.send(r + 1, GET);
    delivery.ack(SeqRuns.of(Array.from({ length: PER }, (_x, i) => r * PER + i + 1)), false, [r + 1]);
  }
  await new Promise((r) => setTimeout(r, 10));
  await lane.idle();
  t.deepEqual(
    commits.map((c) => [c[0], c.length]),
    [
      [1, ROW_GROUP],
      [ROW_GROUP + 1, ROW_GROUP],
    ],
    'two row groups; the rest waits',
  );
  t.true(REQUESTS < UNDURABLE_REQUESTS, 'fewer requests than a batch of them');
  await delivery.drain();
  t.deepEqual(
    commits.map((c) => c.length),
    [ROW_GROUP, ROW_GROUP, REQUESTS * PER - 2 * ROW_GROUP],
  );
  delivery.close();
});

/** An AckStore that keeps the rows of each commit and of each failure recorded. */
function recordingAcks() {
  const commits: number[][] = [];
  const failed: number[][] = [];
  const acks: AckStore = {
    ack: async (rows: SeqRuns) => void commits.push([...rows]),
    ackDeleted: async () => undefined,
    record: async (f) => void failed.push(...f.map((x) => [...x.seqs])),
  };
  return { commits, failed, acks };
}

test('an ack held for several requests is decided when the last one ends, in any order: acknowledged only if all got a 2xx', async (t) => {
  const { commits, failed, acks } = recordingAcks();
  // A sender whose requests end when the test says, with the status it says.
  const ends = new Map<string, (status: number) => void>();
  const sender = {
    send: (req: { url: string }) =>
      new Promise((resolve) =>
        ends.set(req.url, (status) =>
          resolve({
            ok: status < 300,
            status,
            headers: {},
            body: new Uint8Array(0),
            attempts: 1,
            ...(status < 300 ? {} : { error: { code: 'EBB_HTTP_STATUS', message: `status ${status}` } }),
          }),
        ),
      ),
  };
  const lane = new SerialLane();
  const delivery = new Delivery({ sender: sender as never, lane, acks, onFatal: () => undefined });
  const post = (id: number) =>
    void delivery.send(id, { ...GET, method: 'POST', url: `http://127.0.0.1:1/${id}` });
  for (const id of [1, 2, 3, 4, 5]) post(id);
  delivery.ack(SeqRuns.of([10]), false, [1, 2]);
  delivery.ack(SeqRuns.of([11]), false, [3, 4]);
  delivery.ack(SeqRuns.of([12]), false, [5]);
  const end = async (url: number, status: number) => {
    ends.get(`http://127.0.0.1:1/${url}`)!(status);
    await new Promise((r) => setImmediate(r));
  };
  await end(2, 200);
  await end(4, 500);
  await end(5, 200);
  t.is(delivery.uncommittedRows, 1, 'only row 12 is decided: 10 and 11 wait for requests 1 and 3');
  await end(3, 200);
  await end(1, 201);
  t.is(delivery.failedRows, 1, 'row 11: its request 4 failed, although 3 ended in 2xx after it');
  await delivery.drain();
  t.deepEqual(commits.flat().sort(), [10, 12]);
  t.deepEqual(failed, [[11]]);
  delivery.close();
});

test('a save that came with its request (HttpCall.ack) is decided with its outcome: acknowledged on a 2xx, a failure otherwise', async (t) => {
  const commits: number[][] = [];
  const failed: Array<{ seqs: number[]; url: string }> = [];
  const acks: AckStore = {
    ack: async (rows: SeqRuns) => void commits.push([...rows]),
    ackDeleted: async () => undefined,
    record: async (f) => void failed.push(...f.map((x) => ({ seqs: [...x.seqs], url: x.url }))),
  };
  const sender = {
    send: async (req: { url: string }) => {
      const status = req.url.endsWith('/2') ? 500 : 200;
      return {
        ok: status < 300,
        status,
        headers: {},
        body: new Uint8Array(0),
        attempts: 1,
        ...(status < 300 ? {} : { error: { code: 'EBB_HTTP_STATUS', message: 'status 500' } }),
      };
    },
  };
  const lane = new SerialLane();
  const delivery = new Delivery({ sender: sender as never, lane, acks, onFatal: () => undefined });
  for (const id of [1, 2, 3]) {
    const ack = {
      runs: SeqRuns.of([100 + id]).pairs,
      deleted: false,
      ...(id === 1 ? { at: 'm.star:3:5' } : {}),
    };
    void delivery.send(id, { ...GET, method: 'POST', url: `http://127.0.0.1:1/${id}`, ack });
  }
  await delivery.drain();
  t.deepEqual(commits.flat().sort(), [101, 103]);
  t.deepEqual(failed, [{ seqs: [102], url: 'http://127.0.0.1:1/2' }]);
  t.is(delivery.failedRows, 1);
  delivery.close();
});

test('a sender that ends a request at once in submit (its breaker open): the rows riding with it and those acked after it are failures, the others acknowledged, and send resolves to map(outcome)', async (t) => {
  const { commits, failed, acks } = recordingAcks();
  const outcome = (status: number) => ({
    ok: status < 300,
    status,
    headers: {},
    body: new Uint8Array(0),
    attempts: status < 300 ? 1 : 0,
    ...(status < 300 ? {} : { error: { code: 'EBB_HTTP_STATUS', message: `status ${status}` } }),
  });
  const sender = {
    send: () => Promise.reject(new Error('submit is used when the sender has it')),
    // Request 2 ends before submit returns; the others in a later turn.
    submit: (req: { url: string }, done: (o: unknown) => void) => {
      if (req.url.endsWith('/2')) done(outcome(503));
      else setImmediate(() => done(outcome(200)));
    },
  };
  const lane = new SerialLane();
  const delivery = new Delivery({ sender: sender as never, lane, acks, onFatal: () => undefined });
  const mapped: Array<Promise<string>> = [];
  for (const id of [1, 2, 3]) {
    const ack = { runs: SeqRuns.of([100 + id]).pairs, deleted: false };
    mapped.push(
      delivery.send(
        id,
        { ...GET, method: 'POST', url: `http://127.0.0.1:1/${id}`, ack },
        (o) => `${id}:${o.status}`,
      ),
    );
  }
  void delivery.send(4, { ...GET, method: 'POST', url: 'http://127.0.0.1:1/2' });
  delivery.ack(SeqRuns.of([104]), false, [4]);
  t.deepEqual(await Promise.all(mapped), ['1:200', '2:503', '3:200']);
  await delivery.drain();
  t.deepEqual(commits.flat().sort(), [101, 103]);
  t.deepEqual(failed.sort(), [[102], [104]]);
  t.is(delivery.failedRows, 2);
  delivery.close();
});

/** A Delivery whose sender answers 500 to URLs ending in 3 (10 % of ids: the bench's partial failure). */
/** failingSender answers the requests whose URL `fails` picks with `failure`, the others with a 2xx. */
function failingSender(
  fails: (url: string) => boolean,
  failure: { status: number | null; attempts: number; error: { code: string; message: string } },
) {
  return {
    send: async (req: { url: string }) =>
      fails(req.url)
        ? { ok: false, headers: {}, body: new Uint8Array(0), ...failure }
        : { ok: true, status: 200, headers: {}, body: new Uint8Array(0), attempts: 1 },
  };
}

function partiallyFailing() {
  const commits: number[] = [];
  const records: number[][] = [];
  const acks: AckStore = {
    ack: async (rows: SeqRuns) => void commits.push(rows.size),
    ackDeleted: async () => undefined,
    record: async (f) => void records.push(f.flatMap((x) => [...x.seqs])),
  };
  const sender = failingSender((url) => url.endsWith('3'), {
    status: 500,
    attempts: 2,
    error: { code: 'EBB_HTTP_STATUS', message: 'answered 500' },
  });
  const lane = new SerialLane();
  const delivery = new Delivery({ sender: sender as never, lane, acks, onFatal: () => undefined });
  const settle = async () => {
    await new Promise((r) => setTimeout(r, 10));
    await lane.idle();
  };
  // The seed loop: one POST per row, its save riding with it.
  const post = (id: number) =>
    void delivery.send(id, {
      ...GET,
      method: 'POST',
      url: `http://127.0.0.1:1/${id}`,
      ack: { runs: SeqRuns.of([id]).pairs, deleted: false },
    });
  return { commits, records, delivery, settle, post };
}

test('failed acks are recorded at the end, not with every commit of acks (a record is several statements)', async (t) => {
  const { commits, records, delivery, settle, post } = partiallyFailing();
  // Enough successes for two commits of acks, with 10 % failing among them.
  const n = Math.ceil((FLUSH_REQUESTS * 2) / 0.9) + 10;
  for (let id = 1; id <= n; id++) post(id);
  while (delivery.requestsDone < n) await settle();
  await settle();
  t.true(commits.length >= 2, 'acks were committed while the run went on');
  t.deepEqual(records, [], 'the failed acks wait');
  await delivery.drain();
  t.is(records.length, 1, 'recorded at the end, in one batch');
  t.is(records[0]!.length, Math.floor((n + 7) / 10));
  t.true(records[0]!.every((s) => s % 10 === 3));
  t.is(delivery.failedRows, records[0]!.length);
  delivery.close();
});

test('FLUSH_FAILED_ROWS failed rows waiting are recorded without waiting for the end (their memory)', async (t) => {
  const { records, delivery, settle, post } = partiallyFailing();
  for (let i = 0; i < FLUSH_FAILED_ROWS + 5; i++) post(10 * i + 3);
  while (delivery.failedRows < FLUSH_FAILED_ROWS + 5) await settle();
  await settle();
  t.deepEqual(
    records.map((r) => r.length),
    [FLUSH_FAILED_ROWS],
  );
  await delivery.drain();
  t.deepEqual(
    records.map((r) => r.length),
    [FLUSH_FAILED_ROWS, 5],
    'the rest at the end',
  );
  delivery.close();
});

test('failed rows are counted as rows, not saves: two failed batch saves of 3,000 rows are recorded before the end', async (t) => {
  const { records, delivery, settle } = partiallyFailing();
  const batch = (id: number, from: number) => {
    void delivery.send(id, { ...GET, method: 'POST', url: `http://127.0.0.1:1/${id}` });
    delivery.ack(SeqRuns.of(Array.from({ length: 3_000 }, (_x, i) => from + i)), false, [id]);
  };
  batch(13, 1);
  while (delivery.failedRows < 3_000) await settle();
  await settle();
  t.deepEqual(records, [], 'one failed save of 3,000 rows waits');
  batch(23, 3_001);
  while (delivery.failedRows < 6_000) await settle();
  await settle();
  t.deepEqual(
    records.map((r) => r.length),
    [6_000],
    'with 6,000 failed rows waiting they are recorded, two saves short of FLUSH_FAILED_ROWS saves',
  );
  await delivery.drain();
  t.is(records.length, 1, 'nothing left for the end');
  delivery.close();
});

test("a failed request is kept for the run's messages without its bodies or headers", async (t) => {
  // The request's body a view of a larger buffer (as of the worker's message), the response's too.
  const message = new Uint8Array(64 * 1024);
  const sender = {
    send: async () => ({
      ok: false,
      status: 500,
      headers: { 'content-type': 'application/json' },
      headerLines: 'Content-Type: application/json',
      body: new Uint8Array(32 * 1024).subarray(0, 14),
      attempts: 2,
      truncated: true,
      error: { code: 'EBB_HTTP_STATUS', message: 'POST http://127.0.0.1:1 answered 500: {"error":"no"}' },
    }),
  };
  const acks: AckStore = {
    ack: async () => undefined,
    ackDeleted: async () => undefined,
    record: async () => undefined,
  };
  const delivery = new Delivery({
    sender: sender as never,
    lane: new SerialLane(),
    acks,
    onFatal: () => undefined,
  });
  const req = {
    ...GET,
    method: 'POST',
    url: 'http://127.0.0.1:1/items/3',
    headers: { 'content-type': 'application/json' },
    body: message.subarray(0, 20),
    at: 'm.star:7:5',
    ack: { runs: SeqRuns.of([3]).pairs, deleted: false },
  };
  const outcome = await delivery.send(1, req);
  t.is(outcome.body.byteLength, 14, 'the script gets the whole outcome');
  await delivery.drain();
  const f = delivery.failure(1)!;
  t.like(f.req, { method: 'POST', url: 'http://127.0.0.1:1/items/3', at: 'm.star:7:5', timeoutMs: 1000 });
  t.like(f.outcome, { ok: false, status: 500, attempts: 2, error: { code: 'EBB_HTTP_STATUS' } });
  t.is(f.req.body, undefined, "the request's body (a view of its message) is not kept");
  t.is(f.outcome.body.byteLength, 0, "nor the response's");
  t.deepEqual(f.outcome.headers, {});
  t.is(f.outcome.headerLines, undefined, 'nor its header lines');
  t.true(f.outcome.truncated);
  t.deepEqual(delivery.firstFailure, f);
  delivery.close();
});

test('drain waits for every request in flight, decides their acks, and throws what a map threw', async (t) => {
  const { commits, delivery, lane } = setup();
  const bad = delivery.send(1, GET, () => {
    throw new Error('map broke');
  });
  const good = delivery.send(2, GET, (o) => o.status);
  delivery.ack(SeqRuns.of([1, 2]), false, [2]);
  t.is(delivery.inFlight, 2);
  await t.throwsAsync(delivery.drain(), { message: 'map broke' });
  t.is(delivery.inFlight, 0);
  await t.throwsAsync(bad, { message: 'map broke' });
  t.is(await good, 200);
  await lane.idle();
  t.deepEqual(commits, [], 'drain stopped before committing');
  delivery.close();
});

test("a commit that fails stops the model once: stopped is EBB_STORE at the batch's first save, and a breaker that opens later neither replaces it nor stops the model again", async (t) => {
  const acks: AckStore = {
    ack: async () => {
      throw new Error('disk full');
    },
    ackDeleted: async () => undefined,
    record: async () => undefined,
  };
  const sender = failingSender((url) => url.endsWith('/2'), {
    status: null,
    attempts: 0,
    error: { code: 'EBB_HTTP_CIRCUIT_OPEN', message: 'the breaker is open' },
  });
  const lane = new SerialLane();
  const fatal: unknown[] = [];
  const delivery = new Delivery({ sender: sender as never, lane, acks, onFatal: (e) => void fatal.push(e) });
  await delivery.send(1, { ...GET, url: 'http://127.0.0.1:1/1' });
  delivery.ack(SeqRuns.of([5]), false, [1], 'm.star:4:3');
  delivery.ack(SeqRuns.of([6]), false, [1], 'm.star:9:3');
  t.is(delivery.uncommittedRows, 2);
  delivery.flush();
  await lane.idle();
  await new Promise((r) => setImmediate(r));
  const stored = {
    code: 'EBB_STORE',
    message: 'storing acknowledgements failed: disk full',
    origin: 'save.row',
    position: 'm.star:4:3',
  };
  t.deepEqual(fatal, [stored]);
  t.deepEqual(delivery.stopped, stored);
  t.is(delivery.uncommittedRows, 0, 'the commit is over, although it failed');
  await delivery.send(2, { ...GET, url: 'http://127.0.0.1:1/2' });
  await delivery.drain();
  t.deepEqual(fatal, [stored], 'the breaker did not stop the model a second time');
  t.deepEqual(delivery.stopped, stored);
  delivery.close();
});

test("failed rows are recorded beside the acknowledgements' commit, not after it; a record that fails stops the model as EBB_STORE", async (t) => {
  const events: string[] = [];
  let endCommit!: () => void;
  const acks: AckStore = {
    ack: (rows: SeqRuns) =>
      new Promise<void>((resolve) => {
        events.push(`ack ${[...rows].join(',')} starts`);
        endCommit = () => {
          events.push('ack ends');
          resolve();
        };
      }),
    ackDeleted: async () => undefined,
    record: async (f) => {
      events.push(`record ${f.flatMap((x) => [...x.seqs]).join(',')}`);
      throw new Error('disk full');
    },
  };
  const sender = failingSender((url) => url.endsWith('/2'), {
    status: 500,
    attempts: 1,
    error: { code: 'EBB_HTTP_STATUS', message: 'status 500' },
  });
  const lane = new SerialLane();
  const fatal: unknown[] = [];
  const delivery = new Delivery({ sender: sender as never, lane, acks, onFatal: (e) => void fatal.push(e) });
  await delivery.send(1, { ...GET, method: 'POST', url: 'http://127.0.0.1:1/1' });
  await delivery.send(2, { ...GET, method: 'POST', url: 'http://127.0.0.1:1/2' });
  delivery.ack(SeqRuns.of([5]), false, [1], 'm.star:4:3');
  delivery.ack(SeqRuns.of([6]), false, [2], 'm.star:4:3');
  const drained = delivery.drain();
  await new Promise((r) => setImmediate(r));
  t.deepEqual([...events].sort(), ['ack 5 starts', 'record 6'], 'the record did not wait for the commit');
  t.deepEqual(fatal, [
    {
      code: 'EBB_STORE',
      message: 'recording failed rows failed: disk full',
      origin: 'save.row',
      position: 'm.star:4:3',
    },
  ]);
  let over = false;
  void drained.then(() => (over = true));
  await new Promise((r) => setImmediate(r));
  t.false(over, 'drain waits for the commit as well');
  endCommit();
  await drained;
  t.is(events.at(-1), 'ack ends');
  delivery.close();
});

test('once the script sent its last request, the failed rows known are recorded and the acks decided committed while its last requests are in flight', async (t) => {
  const records: number[][] = [];
  const commits: number[][] = [];
  const acks: AckStore = {
    ack: async (rows) => void commits.push([...rows]),
    ackDeleted: async () => undefined,
    record: async (f) => void records.push(f.flatMap((x) => [...x.seqs])),
  };
  let endLast!: () => void;
  const failure = {
    ok: false,
    status: 500,
    headers: {},
    body: new Uint8Array(0),
    attempts: 2,
    error: { code: 'EBB_HTTP_STATUS', message: 'answered 500' },
  };
  const sender = {
    send: (req: { url: string }) =>
      req.url.endsWith('/1')
        ? Promise.resolve(failure)
        : new Promise((resolve) => (endLast = () => resolve(failure))),
  };
  const lane = new SerialLane();
  const delivery = new Delivery({ sender: sender as never, lane, acks, onFatal: () => undefined });
  void delivery.send(1, { ...GET, method: 'POST', url: 'http://127.0.0.1:1/1' });
  void delivery.send(2, { ...GET, method: 'POST', url: 'http://127.0.0.1:1/2' });
  delivery.ack(SeqRuns.of([10]), false, [1]);
  delivery.ack(SeqRuns.of([11]), false, [2]);
  // Saves that need no request are acknowledged at once: they wait for a commit (FLUSH_MS).
  delivery.ack(SeqRuns.of([20, 21]), false, []);
  await new Promise((r) => setImmediate(r));
  t.deepEqual(records, [], 'one failed row waits for more (FLUSH_FAILED_ROWS) while the script runs');
  t.deepEqual(commits, [], 'the acks decided wait for more');
  delivery.lastRequestSent();
  await new Promise((r) => setImmediate(r));
  t.deepEqual(records, [[10]], 'recorded while request 2 is in flight');
  t.deepEqual(commits, [[20, 21]], 'committed while request 2 is in flight');
  delivery.lastRequestSent();
  await new Promise((r) => setImmediate(r));
  t.deepEqual(records, [[10]], 'nothing waits: nothing recorded');
  t.deepEqual(commits, [[20, 21]], 'nothing waits: nothing committed');
  endLast();
  await delivery.drain();
  t.deepEqual(records, [[10], [11]]);
  t.is(delivery.failedRows, 2);
  delivery.close();
});
