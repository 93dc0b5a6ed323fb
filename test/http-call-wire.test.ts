// A script's request as it crosses to the main thread (lib/runtime/http-call-wire.ts): a flat
// array, its json= body a byte string; what the main thread unpacks is the request the script
// built, byte for byte, with the save that rode along.

import test from 'ava';
import { attachAck, hasAck, packCall, unpackCall } from '../lib/runtime/http-call-wire.js';
import { idempotencyKey, initIdempotency } from '../lib/send/index.js';

const utf8 = (s: string) => Buffer.from(s, 'utf8');
/** The interpreter's string of some UTF-8 text: a character per byte. */
const byteString = (s: string) => utf8(s).toString('latin1');

test('a request with a byte-string body crosses as an array and unpacks to its exact bytes, headers and position', (t) => {
  const text = '{"name":"Zoë 日本 \\" \\\\ %"}';
  const wire = packCall({
    method: 'POST',
    url: 'http://h/x?a=1',
    headers: { 'content-type': 'application/json', 'idempotency-key': 'k' },
    body: byteString(text),
    timeoutMs: 1234,
    at: 'models/a.star:3:5',
  });
  t.true(Array.isArray(wire));
  t.false(
    wire.some((v) => typeof v === 'object' && v !== null && !Array.isArray(v)),
    'no object inside',
  );
  const call = unpackCall(structuredClone(wire));
  t.is(call.method, 'POST');
  t.is(call.url, 'http://h/x?a=1');
  t.deepEqual(call.headers, { 'content-type': 'application/json', 'idempotency-key': 'k' });
  t.deepEqual(Buffer.from(call.body!), utf8(text));
  t.is(call.timeoutMs, 1234);
  t.is(call.at, 'models/a.star:3:5');
  t.is(call.ack, undefined);
});

test('a bytes body, no body, and a save attached while in the outbox', (t) => {
  const bytes = new Uint8Array([0, 255, 128, 10]);
  const withBytes = unpackCall(
    packCall({ method: 'PUT', url: 'http://h/', headers: {}, body: bytes, timeoutMs: 1 }),
  );
  t.deepEqual([...withBytes.body!], [0, 255, 128, 10]);
  t.is(withBytes.at, undefined);
  const wire = packCall({ method: 'GET', url: 'http://h/', headers: {}, timeoutMs: 1 });
  t.false(hasAck(wire));
  attachAck(wire, { runs: [7, 2], deleted: true, at: 'm.star:9:1' });
  t.true(hasAck(wire));
  const call = unpackCall(wire);
  t.is(call.body, undefined);
  t.deepEqual(call.ack, { runs: [7, 2], deleted: true, at: 'm.star:9:1' });
  attachAck(wire, { runs: [1, 1], deleted: false });
  t.deepEqual(unpackCall(wire).ack, { runs: [1, 1], deleted: false });
});

test('a request the script dropped, its save riding with it, is unread on the main thread; without either it is not', (t) => {
  const call = { method: 'POST', url: 'http://h/', headers: { a: 'b' }, body: 'x', timeoutMs: 1 };
  const ack = { runs: [4, 4], deleted: false };
  const dropped = packCall(call, 'm.star:1:10', true);
  t.false(unpackCall(structuredClone(dropped)).unread, 'dropped, but a later save may still read it');
  attachAck(dropped, ack);
  const unread = unpackCall(structuredClone(dropped));
  t.true(unread.unread);
  t.deepEqual(unread.headers, { a: 'b' }, 'the headers still follow the flag');
  t.deepEqual(unread.ack, ack);
  for (const kept of [packCall(call, 'm.star:1:10'), packCall(call, 'm.star:1:10', false)]) {
    attachAck(kept, ack);
    t.false(unpackCall(kept).unread, 'kept by the script');
  }
});

test('the Idempotency-Key of a byte-string body is the key of its bytes', async (t) => {
  await initIdempotency();
  const secret = new Uint8Array(32).fill(7);
  const text = '{"pin":"0042","name":"Zoë 日本"}';
  t.is(
    idempotencyKey(secret, 'm', 'POST', 'http://h/x', byteString(text)),
    idempotencyKey(secret, 'm', 'POST', 'http://h/x', utf8(text)),
  );
  t.not(
    idempotencyKey(secret, 'm', 'POST', 'http://h/x', byteString(text)),
    idempotencyKey(secret, 'm', 'POST', 'http://h/x', text),
    'a JavaScript string of the text is not its bytes',
  );
});
