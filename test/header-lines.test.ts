/**
 * A response's headers kept as the lines they came in (lib/send/header-lines.ts): one slice of
 * the socket's bytes when undici's pieces are one block of it, lines joined from the pieces
 * otherwise, both read back as the same object (lower-case names, blanks trimmed, a repeated
 * header joined with ", "); a reply crosses to the worker with them as one string.
 */
import test from 'ava';
import { headerLines, headerLinesValue, headerOf, parseHeaderLines } from '../lib/send/header-lines.js';
import { CODE } from '../lib/error-codes.js';
import { failed, success } from '../lib/send/outcome.js';
import { packReply, unpackReply } from '../lib/runtime/http-reply.js';

/** The pieces undici hands over for `block`: views of one buffer, at each name and value. */
function pieces(block: string): Buffer[] {
  const buf = Buffer.from(`HTTP/1.1 200 OK\r\n${block}\r\n\r\nbody`, 'latin1');
  const out: Buffer[] = [];
  const re = /([^\r\n:]+):[ \t]*([^\r\n]*?)[ \t]*(?=\r\n)/g;
  const text = buf.toString('latin1');
  re.lastIndex = text.indexOf('\r\n') + 2;
  for (let m = re.exec(text); m !== null && m.index < text.indexOf('\r\n\r\n'); m = re.exec(text)) {
    const name = m.index;
    const value = text.indexOf(m[2]!, name + m[1]!.length + 1);
    out.push(buf.subarray(name, name + m[1]!.length), buf.subarray(value, value + m[2]!.length));
  }
  return out;
}

const BLOCK =
  'Content-Type: text/plain\r\nX-A:  b \r\nSet-Cookie: a=1\r\nset-cookie:b=2\r\nDate: Sun, 06 Dec 2026 09:00:00 GMT';
const PARSED = {
  'content-type': 'text/plain',
  'x-a': 'b',
  'set-cookie': 'a=1, b=2',
  date: 'Sun, 06 Dec 2026 09:00:00 GMT',
};

test('pieces that are one block of their buffer give the block itself, read back as the headers', (t) => {
  const raw = pieces(BLOCK);
  t.is(raw.length, 10);
  t.is(headerLines(raw), BLOCK);
  t.deepEqual(parseHeaderLines(headerLines(raw)), PARSED);
});

test('pieces of different buffers, or with other bytes between them, are joined as lines instead', (t) => {
  const copies = pieces(BLOCK).map((b) => Buffer.from(b));
  const joined =
    'Content-Type: text/plain\r\nX-A: b\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nDate: Sun, 06 Dec 2026 09:00:00 GMT';
  t.is(headerLines(copies), joined);
  t.deepEqual(parseHeaderLines(joined), PARSED);
  // A header left out (undici merged it into another piece): the block would show it.
  const raw = pieces(BLOCK);
  const skipping = [...raw.slice(0, 2), ...raw.slice(4)];
  t.is(
    headerLines(skipping),
    'Content-Type: text/plain\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nDate: Sun, 06 Dec 2026 09:00:00 GMT',
  );
  t.is(headerLines([]), '');
});

test('parseHeaderLines: a value keeps its colons, a line without a name is skipped, __proto__ is not a header', (t) => {
  const h = parseHeaderLines(
    'Location: http://h:8080/x\r\n: nameless\r\nnocolon\r\n__proto__: x\r\nX-Empty:',
  );
  t.deepEqual(h, { location: 'http://h:8080/x', 'x-empty': '' });
  t.is(Object.getPrototypeOf(h), Object.prototype);
  t.deepEqual(parseHeaderLines(''), {});
});

test('a success whose response kept its lines crosses to the worker as one string and reads back the same', (t) => {
  const body = new Uint8Array(Buffer.from('{"ok":true}'));
  const outcome = success({ status: 201, headers: {}, headerLines: BLOCK, body }, 2);
  t.deepEqual(outcome.headers, PARSED);
  const wire = packReply(outcome);
  t.deepEqual(wire, [201, 2, 0, '{"ok":true}', BLOCK]);
  const reply = unpackReply(structuredClone(wire));
  t.deepEqual(
    [reply.ok, reply.status, reply.attempts, reply.truncated, reply.body, { ...reply.headers }],
    [true, 201, 2, undefined, '{"ok":true}', PARSED],
  );
  const cut = unpackReply(
    packReply(success({ status: 200, headers: {}, headerLines: '', body, truncated: true }, 1)),
  );
  t.is(cut.truncated, true);
  t.deepEqual({ ...cut.headers }, {});
});

test('a failure whose response kept its lines crosses as one flat array with its error, its headers read back the same', (t) => {
  const body = new Uint8Array(Buffer.from('{"error":"no"}'));
  const error = { code: CODE.EBB_HTTP_STATUS, message: 'POST http://h/x answered 500' };
  const outcome = failed(error, { status: 500, headers: {}, headerLines: BLOCK, body }, 2);
  t.deepEqual(outcome.headers, PARSED);
  const wire = packReply(outcome);
  t.deepEqual(wire, [500, 2, 2, '{"error":"no"}', CODE.EBB_HTTP_STATUS, error.message, BLOCK]);
  const reply = unpackReply(structuredClone(wire));
  t.deepEqual(
    [reply.ok, reply.status, reply.attempts, reply.truncated, reply.body, reply.error, { ...reply.headers }],
    [false, 500, 2, undefined, '{"error":"no"}', error, PARSED],
  );
  const cut = unpackReply(
    packReply(failed(error, { status: 503, headers: {}, headerLines: '', body, truncated: true }, 6)),
  );
  t.deepEqual([cut.ok, cut.truncated, cut.error, { ...cut.headers }], [false, true, error, {}]);
});

test('one header read from the lines is what parsing them all gives: case, blanks, repeats, CRLF or LF, a colon in the value', (t) => {
  const texts = [
    BLOCK,
    BLOCK.replaceAll('\r\n', '\n'),
    'Retry-After:  120 \r\nretry-after: 5',
    'X-Time: 12:30:01\r\nNo-Colon-Line\r\n: empty name\r\nRETRY-AFTER:\t7\t',
    '',
  ];
  for (const text of texts) {
    const all = parseHeaderLines(text);
    for (const name of ['retry-after', 'set-cookie', 'x-a', 'x-time', 'date', 'absent', 'content-type'])
      t.is(headerLinesValue(text, name), all[name], `${name} of ${JSON.stringify(text)}`);
  }
});

test('headerOf reads one header of a response kept as lines without parsing the rest, and of any other response', (t) => {
  const kept = success(
    { status: 503, headers: {}, headerLines: 'Retry-After: 3\r\nX-A: b', body: new Uint8Array() },
    1,
  );
  t.is(headerOf(kept, 'retry-after'), '3');
  t.is(headerOf(kept, 'x-a'), 'b');
  t.is(headerOf({ headers: { 'retry-after': '9' } }, 'retry-after'), '9');
  t.is(headerOf({ headers: {} }, 'retry-after'), undefined);
});
