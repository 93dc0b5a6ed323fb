// UndiciTransport against real servers on 127.0.0.1: one attempt per call, bodies and
// headers as the contract says, errors that name the origin, keep-alive reuse.

import test from 'ava';
import { UndiciTransport, type HttpRequest } from '../lib/send/index.js';
import { closedPort, reply, startSink } from './helpers/sink.js';

const signal = new AbortController().signal;
const get = (url: string, timeoutMs = 30_000): HttpRequest => ({
  method: 'GET',
  url,
  headers: {},
  timeoutMs,
});

test('a POST carries method, path, query, headers and body; the answer has lower-case headers and repeated ones joined', async (t) => {
  const sink = await startSink((req, res) => {
    res.setHeader('Set-Cookie', ['a=1', 'b=2']);
    res.setHeader('X-Echo-Length', String(req.body.length));
    reply(res, 201, `got ${req.body}`);
  });
  const transport = new UndiciTransport();
  try {
    const res = await transport.request(
      {
        method: 'POST',
        url: `${sink.origin}/items?x=1#ignored`,
        headers: { 'content-type': 'application/json', 'x-custom': 'v' },
        body: new TextEncoder().encode('{"id":7}'),
        timeoutMs: 5000,
      },
      signal,
    );
    t.is(res.status, 201);
    t.is(Buffer.from(res.body).toString(), 'got {"id":7}');
    t.is(res.headers['set-cookie'], 'a=1, b=2');
    t.is(res.headers['x-echo-length'], '8');
    t.is(res.headers['content-type'], 'text/plain');
    t.true(res.headerLines!.includes('X-Echo-Length: 8\r\n'), 'the headers kept as they came');
    t.is(res.truncated, undefined);
    const [rec] = sink.requests;
    t.is(rec?.method, 'POST');
    t.is(rec?.url, '/items?x=1');
    t.is(rec?.headers['x-custom'], 'v');
    t.is(rec?.headers['content-type'], 'application/json');
  } finally {
    await transport.close();
    await sink.close();
  }
});

test('non-2xx answers resolve (the sender decides), empty bodies are empty', async (t) => {
  const sink = await startSink((req, res) =>
    reply(res, req.url === '/e' ? 204 : 503, req.url === '/e' ? '' : 'busy'),
  );
  const transport = new UndiciTransport();
  try {
    const a = await transport.request(get(`${sink.origin}/x`), signal);
    t.is(a.status, 503);
    t.is(Buffer.from(a.body).toString(), 'busy');
    const b = await transport.request(get(`${sink.origin}/e`), signal);
    t.is(b.status, 204);
    t.is(b.body.length, 0);
  } finally {
    await transport.close();
    await sink.close();
  }
});

test('a body longer than the cap is cut at the cap and marked truncated, and the socket is reused', async (t) => {
  const sink = await startSink((req, res) => reply(res, 200, 'x'.repeat(req.url === '/big' ? 300_000 : 10)));
  const transport = new UndiciTransport({ maxResponseBytes: 1000 });
  try {
    const res = await transport.request(get(`${sink.origin}/big`), signal);
    t.is(res.body.length, 1000);
    t.true(res.truncated);
    for (let i = 0; i < 20; i++) {
      const small = await transport.request(get(`${sink.origin}/small`), signal);
      t.is(small.body.length, 10);
    }
    t.true(sink.connections() <= 2, `${sink.connections()} sockets for 21 sequential requests`);
  } finally {
    await transport.close();
    await sink.close();
  }
});

test('a connection refused is EBB_HTTP_NETWORK naming the origin', async (t) => {
  const port = await closedPort();
  const transport = new UndiciTransport();
  try {
    const err = await t.throwsAsync(transport.request(get(`http://127.0.0.1:${port}/x`), signal));
    t.is((err as { code?: string }).code, 'EBB_HTTP_NETWORK');
    t.is(err?.message, `connection refused by http://127.0.0.1:${port}`);
  } finally {
    await transport.close();
  }
});

test('a socket destroyed by the server is EBB_HTTP_NETWORK naming the origin', async (t) => {
  const sink = await startSink((_req, res) => {
    res.socket?.destroy();
  });
  const transport = new UndiciTransport();
  try {
    const err = await t.throwsAsync(transport.request(get(`${sink.origin}/x`), signal));
    t.is((err as { code?: string }).code, 'EBB_HTTP_NETWORK');
    t.true(err!.message.includes(sink.origin), err!.message);
  } finally {
    await transport.close();
    await sink.close();
  }
});

test('no answer within the timeout is EBB_HTTP_TIMEOUT naming the timeout', async (t) => {
  const sink = await startSink(() => {
    /* never answers */
  });
  const transport = new UndiciTransport();
  try {
    const err = await t.throwsAsync(transport.request(get(`${sink.origin}/slow`, 300), signal));
    t.is((err as { code?: string }).code, 'EBB_HTTP_TIMEOUT');
    t.is(
      err?.message,
      `no complete response from ${sink.origin} within 300 ms (raise @timeout if the API is slow)`,
    );
  } finally {
    await transport.close();
    await sink.close();
  }
});

test('an aborted signal ends the attempt with EBB_SEND_STOPPED or the SendError given as reason', async (t) => {
  const sink = await startSink(() => {
    /* never answers */
  });
  const transport = new UndiciTransport();
  try {
    const ac = new AbortController();
    const pending = transport.request(get(`${sink.origin}/x`), ac.signal);
    while (sink.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    const err = await t.throwsAsync(pending);
    t.is((err as { code?: string }).code, 'EBB_SEND_STOPPED');
    const already = AbortSignal.abort();
    await t.throwsAsync(transport.request(get(`${sink.origin}/y`), already), { message: /was not sent/ });
  } finally {
    await transport.close();
    await sink.close();
  }
});

test('a bad URL rejects with EBB_HTTP_BAD_URL; after close() requests are stopped', async (t) => {
  const transport = new UndiciTransport();
  const err = await t.throwsAsync(transport.request(get('mailto:x@example.com'), signal));
  t.is((err as { code?: string }).code, 'EBB_HTTP_BAD_URL');
  await transport.close();
  const after = await t.throwsAsync(transport.request(get('http://127.0.0.1:9/'), signal));
  t.is((after as { code?: string }).code, 'EBB_SEND_STOPPED');
});

test('keep-alive: 100 sequential requests to one origin reuse a socket or two, in one pool', async (t) => {
  const sink = await startSink((_req, res) => reply(res, 200, 'ok'));
  const transport = new UndiciTransport();
  try {
    for (let i = 0; i < 100; i++) {
      const res = await transport.request(get(`${sink.origin}/n/${i}`), signal);
      t.is(res.status, 200);
    }
    t.is(sink.requests.length, 100);
    // undici may open a second socket when the next request is dispatched in the same tick
    // as the previous response ends; never one per request.
    t.true(sink.connections() <= 2, `${sink.connections()} sockets for 100 sequential requests`);
    t.deepEqual(transport.origins, [sink.origin]);
  } finally {
    await transport.close();
    await sink.close();
  }
});

test('connections bounds the sockets of an origin: 30 requests at once over 3, each answered', async (t) => {
  const sink = await startSink(() => ({ status: 200, delayMs: 5 }));
  const transport = new UndiciTransport({ connections: 3 });
  try {
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => transport.request(get(`${sink.origin}/n/${i}`), signal)),
    );
    t.deepEqual(
      answers.map((r) => r.status),
      Array.from({ length: 30 }, () => 200),
    );
    t.is(sink.connections(), 3);
  } finally {
    await transport.close();
    await sink.close();
  }
});

test('a body that trickles in past the timeout times out, though no single silence is that long', async (t) => {
  const sink = await startSink((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    let n = 0;
    const tick = setInterval(() => {
      if (res.destroyed || n++ > 60) {
        clearInterval(tick);
        res.end();
        return;
      }
      res.write('x');
    }, 100);
    res.on('close', () => clearInterval(tick));
  });
  const transport = new UndiciTransport();
  try {
    const err = await t.throwsAsync(transport.request(get(`${sink.origin}/trickle`, 1500), signal));
    t.is((err as { code?: string }).code, 'EBB_HTTP_TIMEOUT');
    t.regex(err!.message, /within 1500 ms/);
  } finally {
    await transport.close();
    await sink.close();
  }
});

test('an unread request keeps no headers of a 2xx, its body all the same; any other answer keeps them', async (t) => {
  const sink = await startSink((req, res) => {
    res.setHeader('Retry-After', '1');
    reply(res, req.url === '/bad' ? 503 : 200, 'body kept');
  });
  const transport = new UndiciTransport();
  try {
    const ok = await transport.request({ ...get(`${sink.origin}/ok`), unread: true }, signal);
    t.is(ok.status, 200);
    t.deepEqual(ok.headers, {});
    t.is(Buffer.from(ok.body).toString(), 'body kept', 'the request log still takes the body');
    const bad = await transport.request({ ...get(`${sink.origin}/bad`), unread: true }, signal);
    t.is(bad.status, 503);
    t.is(bad.headers['retry-after'], '1', 'a retry reads them');
    const read = await transport.request(get(`${sink.origin}/ok`), signal);
    t.is(read.headers['retry-after'], '1');
  } finally {
    await transport.close();
    await sink.close();
  }
});
