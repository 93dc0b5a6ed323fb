// The parts runStarModel is made of, each on its own (no worker, no DuckDB): the host-error
// mapping, the page prefetcher, and the outlets' refusal of the other kind's operations.

import test from 'ava';
import { HostCallError, SerialLane } from '../lib/runtime/channel.js';
import { HostErrors } from '../lib/runtime/host-errors.js';
import { packBareReply, packReply, toHttpReply, unpackReply } from '../lib/runtime/http-reply.js';
import { refused } from '../lib/runtime/outlet.js';
import { Prefetcher } from '../lib/runtime/prefetcher.js';
import type { PageWant } from '../lib/runtime/protocol.js';
import type { RowsPage } from '../lib/runtime/rows-page.js';
import { Redactor } from '../lib/runtime/secrets.js';

test('a host failure reaches the script with its code, without the SQL echo or a secret', (t) => {
  const errors = new HostErrors(new Redactor(['s3cret-token']));
  const syntax = errors.toError(new Error('Parser Error: syntax error at or near "FORM"'), 'cursor.open');
  t.is(syntax.code, 'EBB_SQL_SYNTAX');
  t.is(errors.toError(new Error('Binder Error: column "x" not found'), 'tracked.open').code, 'EBB_SQL_BIND');
  t.is(
    errors.toError(new HostCallError({ code: 'EBB_NULL_KEY', message: 'k' }), 'tracked.open').code,
    'EBB_NULL_KEY',
  );
  t.is(errors.toError(Object.assign(new Error('x'), { code: 'EBB_OAUTH' }), 'http').code, 'EBB_OAUTH');
  // A code that is not ebb's (a Node error's ENOENT) is never passed on as the model's code.
  t.is(errors.toError(Object.assign(new Error('x'), { code: 'ENOENT' }), 'http').code, 'EBB_HOST');
  const stored = errors.toError(new Error('bad value s3cret-token'), 'sink.rows');
  t.is(stored.code, 'EBB_HOST');
  t.true(stored.message.startsWith('storing saved rows failed: bad value '), stored.message);
  t.false(stored.message.includes('s3cret-token'));
});

test('the code of the host call that ended the script is the last failure its error names, unless only EBB_HOST', (t) => {
  const errors = new HostErrors(new Redactor());
  errors.toError(new Error('Binder Error: table t does not exist'), 'cursor.open');
  const host = errors.toError(new Error('disk full'), 'cursor.open');
  t.is(errors.codeFor('models/x.star:3:7: query: Binder Error: table t does not exist'), 'EBB_SQL_BIND');
  t.is(errors.codeFor(`query: ${host.message}`), undefined);
  t.is(errors.codeFor('something else'), undefined);
});

test('the prefetcher reads the next page while the script works, and drops it when the script asks for another', async (t) => {
  const asked: string[] = [];
  const page = (first: number, count: number): RowsPage => ({ columns: ['id'], first, count, data: [] });
  const fetch = async (after: number, limit: number, want: PageWant) => {
    asked.push(`${after}+${limit}${want.values ? ' values' : ''}`);
    return page(after + 1, after < 20 ? limit : 3);
  };
  const pager = new Prefetcher(new SerialLane(), fetch);
  const want = { values: false, rows: false };
  t.is((await pager.page(0, 10, want)).first, 1);
  t.deepEqual(asked, ['0+10', '10+10'], 'a full page: the next one is read ahead');
  t.is((await pager.page(10, 10, want)).first, 11);
  t.deepEqual(asked, ['0+10', '10+10', '20+10'], 'the page read ahead is handed out, the next one read');
  const other = await pager.page(20, 10, { values: true, rows: false });
  t.is(other.count, 3);
  t.deepEqual(
    asked,
    ['0+10', '10+10', '20+10', '20+10 values'],
    'asked with values: read again; a short page ends it',
  );
});

test('a hint that the script reads row texts reads the page ahead again with them at once, and that page serves the script', async (t) => {
  const asked: string[] = [];
  const fetch = async (after: number, limit: number, want: PageWant) => {
    asked.push(`${after}+${limit}${want.values ? ' values' : ''}${want.rows ? ' rows' : ''}`);
    return { columns: ['id'], first: after + 1, count: limit, data: [] } as RowsPage;
  };
  const pager = new Prefetcher(new SerialLane(), fetch);
  await pager.page(0, 10, { values: false, rows: false });
  t.deepEqual(asked, ['0+10', '10+10']);
  // The script encodes a row of the first page as JSON (tracked.rows): the next page is read again now.
  pager.hint({ values: false, rows: true });
  pager.hint({ values: false, rows: true });
  await new Promise((r) => setTimeout(r, 0));
  t.deepEqual(asked, ['0+10', '10+10', '10+10 rows'], 'read again once, before the script asks for it');
  await pager.page(10, 10, { values: false, rows: true });
  t.deepEqual(asked, ['0+10', '10+10', '10+10 rows', '20+10 rows'], 'the page read again is handed out');
  // A page read ahead with more than asked for serves the script too.
  await pager.page(20, 10, { values: false, rows: false });
  t.deepEqual(asked, ['0+10', '10+10', '10+10 rows', '20+10 rows', '30+10']);
});

test("an outlet refuses the other kind's operations with an error naming them", (t) => {
  t.throws(refused('sink.rows', 'tracked'), { message: 'sink.rows: not an operation of a tracked model' });
});

test('an HTTP outcome crosses to the worker packed and comes back as its reply: headers, truncation, a body not UTF-8, failures', (t) => {
  const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
  const outcomes = [
    {
      ok: true,
      status: 201,
      headers: { 'content-type': 'application/json', 'x-a': 'b, c' },
      body: bytes('{"ok":true}'),
      attempts: 2,
    },
    { ok: true, status: 200, headers: {}, body: bytes('h\xc3\xa9'), attempts: 1, truncated: true },
    { ok: true, status: 204, headers: { 'x-n': '1' }, body: bytes('\xff'), attempts: 1 },
    {
      ok: false,
      status: 500,
      headers: { 'content-type': 'text/plain' },
      body: bytes('no'),
      attempts: 2,
      error: { code: 'EBB_HTTP_STATUS' as const, message: 'POST http://h answered 500' },
    },
    {
      ok: false,
      status: 502,
      headers: {},
      body: bytes('x'.repeat(10)),
      attempts: 6,
      truncated: true,
      error: { code: 'EBB_HTTP_STATUS' as const, message: 'POST http://h answered 502' },
    },
    {
      ok: false,
      status: null,
      headers: {},
      body: bytes(''),
      attempts: 3,
      error: { code: 'EBB_HTTP_NETWORK' as const, message: 'connect ECONNREFUSED' },
    },
  ];
  for (const o of outcomes) {
    const wire = packReply(o);
    // Every reply crosses as one flat array, a failure's too (no object of headers or error to clone).
    t.true(Array.isArray(wire));
    t.deepEqual(unpackReply(structuredClone(wire)), toHttpReply(o));
  }
  // A success carrying an error, or a failure without one, is no outcome the Sender makes: it
  // crosses as its reply object, whole.
  const odd = { ok: false, status: 500, headers: {}, body: bytes(''), attempts: 1 };
  t.false(Array.isArray(packReply(odd)));
  t.deepEqual(unpackReply(structuredClone(packReply(odd))), toHttpReply(odd));
  t.is(unpackReply(packReply(outcomes[2]!)).body, '\xef\xbf\xbd', 'invalid UTF-8 becomes U+FFFD, as bytes');
  t.is(unpackReply(packReply(outcomes[1]!)).truncated, true);
  t.is(unpackReply(packReply(outcomes[0]!)).truncated, undefined);
  // A bare reply (a request whose response the script dropped) carries the outcome alone: its
  // status, attempts, cut and error cross, and reading its body or headers is a bug.
  for (const o of outcomes) {
    const wire = packBareReply(o);
    // A success that was not cut crosses as one number (no object to clone); the rest as a list.
    t.is(typeof wire === 'number', o.ok && o.truncated !== true, JSON.stringify(wire));
    t.deepEqual(
      (Array.isArray(wire) ? wire : [wire]).filter((v) => typeof v === 'string'),
      o.error === undefined ? [] : [o.error.code, o.error.message],
      'neither body nor headers cross',
    );
    const r = unpackReply(structuredClone(wire));
    const { body: _b, headers: _h, ...rest } = toHttpReply(o);
    t.deepEqual(
      { ok: r.ok, status: r.status, attempts: r.attempts, truncated: r.truncated, error: r.error },
      {
        truncated: undefined,
        error: undefined,
        ...rest,
      },
    );
    t.throws(() => r.body, { message: /^internal: the body of a response the script dropped was read/ });
    t.throws(() => r.headers, {
      message: /^internal: the headers of a response the script dropped were read/,
    });
  }
  t.false(Array.isArray(packBareReply(odd)));
});
