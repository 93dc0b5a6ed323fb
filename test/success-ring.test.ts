/**
 * The request log's ring of successes (lib/runtime/success-ring.ts): the newest N, oldest first,
 * every field as given, bodies copied (short ones into the ring's bytes, longer ones on their
 * own) and cut at the maximum, a body later overwritten in its source unchanged.
 */
import test from 'ava';
import { SuccessRing } from '../lib/runtime/success-ring.js';

const bytes = (s: string) => Buffer.from(s, 'latin1');
const text = (b: { bytes: Uint8Array } | null) =>
  b === null ? null : Buffer.from(b.bytes).toString('latin1');

function add(ring: SuccessRing, i: number, request?: Uint8Array, response?: Uint8Array, truncated = false) {
  ring.add(
    {
      at: 1000 + i,
      method: i % 2 ? 'PUT' : 'POST',
      url: `http://h/${i}`,
      status: 200 + i,
      attempt: 1 + (i % 3),
      latencyMs: i / 2,
    },
    request,
    response,
    truncated,
  );
}

test('the ring gives back the newest successes, oldest first, every field as added', (t) => {
  const ring = new SuccessRing(3, 4096);
  for (let i = 0; i < 5; i++) add(ring, i, bytes(`req ${i}`), bytes(`res ${i}`));
  const got = ring.take();
  t.deepEqual(
    got.map((s) => [
      s.at,
      s.method,
      s.url,
      s.status,
      s.attempt,
      s.latencyMs,
      text(s.request),
      text(s.response),
    ]),
    [
      [1002, 'POST', 'http://h/2', 202, 3, 1, 'req 2', 'res 2'],
      [1003, 'PUT', 'http://h/3', 203, 1, 1.5, 'req 3', 'res 3'],
      [1004, 'POST', 'http://h/4', 204, 2, 2, 'req 4', 'res 4'],
    ],
  );
  t.deepEqual(ring.take(), [], 'take empties it');
  add(ring, 9);
  t.deepEqual(
    ring.take().map((s) => [s.at, s.request, s.response]),
    [[1009, null, null]],
    'no body is null',
  );
});

test('bodies are copies, cut at the maximum (cut marked), short or long, truncated responses marked', (t) => {
  const ring = new SuccessRing(4, 1000);
  const source = bytes('a'.repeat(100));
  add(ring, 0, source, bytes('b'.repeat(300)));
  const long = bytes('d'.repeat(2500));
  add(ring, 1, bytes('c'.repeat(1000)), long);
  add(ring, 2, new Uint8Array(0), bytes('{"ok":true}'), true);
  source.fill(0x7a); // the socket's buffer reused: what was kept does not change
  long.fill(0x7a); // a long body's first bytes too (a Buffer's slice would be a view of it)
  const got = ring.take();
  t.deepEqual(
    got.map((s) => [text(s.request), s.request!.cut, s.response!.bytes.length, s.response!.cut]),
    [
      ['a'.repeat(100), false, 300, false],
      ['c'.repeat(1000), false, 1000, true],
      ['', false, 11, true],
    ],
  );
  t.is(text(got[1]!.response), 'd'.repeat(1000));
  t.is(got[1]!.response!.bytes.buffer.byteLength, 1000, 'its own bytes, not the whole body kept alive');
});

test('a slot reused by a newer success shows the newer one only (a long body replaced by a short one)', (t) => {
  const ring = new SuccessRing(1, 4096);
  add(ring, 0, bytes('x'.repeat(3000)), bytes('y'.repeat(3000)));
  add(ring, 1, bytes('short'), undefined);
  const [s] = ring.take();
  t.is(text(s!.request), 'short');
  t.is(s!.response, null);
});
