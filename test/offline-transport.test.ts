// The offline recorder and its responses, without DuckDB or a network: what a record holds,
// the order lines are written in, retries, redaction, and how responses.json is matched and
// validated.

import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  RecordingTransport,
  Responses,
  ResponsesFileError,
  globToRegExp,
  loadResponses,
  parseResponses,
  type RequestRecord,
} from '../lib/send/offline/index.js';
import type { HttpRequest } from '../lib/send/index.js';
import { Redactor } from '../lib/runtime/secrets.js';
import { tempDir, writeFiles } from './helpers/project.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const signal = new AbortController().signal;

function post(url: string, json: unknown, headers: Record<string, string> = {}): HttpRequest {
  return {
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', 'content-length': '99', ...headers },
    body: enc.encode(JSON.stringify(json)),
    timeoutMs: 30_000,
  };
}

function lines(file: string): RequestRecord[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as RequestRecord);
}

test('a request becomes one NDJSON line: sorted headers without content-length, a JSON body as JSON', async (t) => {
  const file = join(tempDir(), 'requests.ndjson');
  const rec = new RecordingTransport({ file });
  const res = await rec.request(
    post(
      'http://api.test/users?x=1',
      { id: 1, email: 'a@x.org' },
      { 'idempotency-key': 'k1', accept: '*/*' },
    ),
    signal,
  );
  await rec.close();
  t.is(res.status, 200);
  t.deepEqual(JSON.parse(dec.decode(res.body)), {});
  t.is(res.headers['content-type'], 'application/json');
  const text = readFileSync(file, 'utf8');
  t.is(
    text,
    '{"method":"POST","url":"http://api.test/users?x=1","headers":{"accept":"*/*","content-type":"application/json","idempotency-key":"k1"},"body":{"id":1,"email":"a@x.org"}}\n',
  );
});

test('bodies that are not JSON are text, bytes that are not UTF-8 are base64, no body leaves body out', async (t) => {
  const seen: RequestRecord[] = [];
  const rec = new RecordingTransport({ onRecord: (r) => seen.push(r) });
  await rec.request(
    {
      method: 'POST',
      url: 'http://a.test/f',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: enc.encode('a=1&b=2'),
      timeoutMs: 1,
    },
    signal,
  );
  await rec.request(
    {
      method: 'PUT',
      url: 'http://a.test/b',
      headers: {},
      body: new Uint8Array([0xff, 0xfe, 0x00]),
      timeoutMs: 1,
    },
    signal,
  );
  await rec.request({ method: 'GET', url: 'http://a.test/g', headers: {}, timeoutMs: 1 }, signal);
  await rec.request(
    {
      method: 'POST',
      url: 'http://a.test/j',
      headers: { 'content-type': 'application/json' },
      body: enc.encode('{not json'),
      timeoutMs: 1,
    },
    signal,
  );
  t.deepEqual(seen, [
    {
      method: 'POST',
      url: 'http://a.test/f',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=1&b=2',
    },
    { method: 'PUT', url: 'http://a.test/b', headers: {}, body_base64: '//4A' },
    { method: 'GET', url: 'http://a.test/g', headers: {} },
    {
      method: 'POST',
      url: 'http://a.test/j',
      headers: { 'content-type': 'application/json' },
      body: '{not json',
    },
  ]);
});

test('lines are in the order requests were issued, not the order they complete', async (t) => {
  const file = join(tempDir(), 'r.ndjson');
  const rec = new RecordingTransport({ file });
  // Ten requests in flight at once; their promises settle in whatever order.
  const pending = Array.from({ length: 10 }, (_, i) =>
    rec.request(post('http://api.test/u', { id: i }), signal),
  );
  await Promise.all(pending.reverse());
  await rec.close();
  t.deepEqual(
    lines(file).map((r) => (r.body as { id: number }).id),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  t.is(rec.count, 10);
});

test('a retry (the same request object again) is not a new line; a new request with the same content is', async (t) => {
  const responses = new Responses(
    parseResponses(
      JSON.stringify([
        { url: 'http://api.test/u', json: { id: 2 }, status: 500, times: 2 },
        { url: 'http://api.test/u', json: { id: 3 }, status: 429, headers: { 'retry-after': '1' }, times: 1 },
      ]),
      'responses.json',
    ),
  );
  const seen: number[] = [];
  const rec = new RecordingTransport({
    responses,
    onRecord: (r) => seen.push((r.body as { id: number }).id),
  });
  const statuses: number[] = [];
  const send = async (req: HttpRequest) => statuses.push((await rec.request(req, signal)).status);
  const [one, two, three] = [1, 2, 3].map((id) => post('http://api.test/u', { id }));
  await send(one!);
  await send(two!); // 500
  await send(three!); // 429
  await send(two!); // retry: 500
  await send(three!); // retry: 200
  await send(two!); // retry: 200
  await send(post('http://api.test/u', { id: 2 })); // the script posts the same row again
  t.deepEqual(statuses, [200, 500, 429, 500, 200, 200, 200]);
  t.deepEqual(seen, [1, 2, 3, 2]);
});

test('secrets are redacted from the URL, headers, Basic credentials and body strings; the idempotency key of a request holding one too, others stay', async (t) => {
  const redactor = new Redactor(['s3cr3t-token', 'hunter22']);
  const seen: RequestRecord[] = [];
  const rec = new RecordingTransport({ redact: (s) => redactor.redact(s), onRecord: (r) => seen.push(r) });
  const basic = Buffer.from('bob:hunter22').toString('base64');
  await rec.request(
    post(
      'http://api.test/u?key=s3cr3t-token',
      { token: 's3cr3t-token', nested: [{ pw: 'x hunter22 y' }], n: 1 },
      {
        authorization: 'Bearer s3cr3t-token',
        'x-basic': `Basic ${basic}`,
        'idempotency-key': 'abc123',
      },
    ),
    signal,
  );
  await rec.request(
    { method: 'GET', url: 'http://api.test/me', headers: { authorization: `Basic ${basic}` }, timeoutMs: 1 },
    signal,
  );
  const [first, second] = seen;
  t.is(first!.url, 'http://api.test/u?key=***');
  t.is(first!.headers['authorization'], 'Bearer ***');
  // A hash of a URL and body that hold a secret: redacted like the secret.
  t.is(first!.headers['idempotency-key'], '***');
  t.deepEqual(first!.body, { token: '***', nested: [{ pw: 'x *** y' }], n: 1 });
  t.is(second!.headers['authorization'], `Basic ${Buffer.from('bob:***').toString('base64')}`);
  t.false(JSON.stringify(seen).includes('s3cr3t-token'));
  t.false(JSON.stringify(seen).includes('hunter22'));
  await rec.request(post('http://api.test/u', { n: 2 }, { 'idempotency-key': 'def456' }), signal);
  t.is(seen[2]!.headers['idempotency-key'], 'def456');
});

test('a closed recorder refuses requests, and an aborted signal is refused before recording', async (t) => {
  const seen: RequestRecord[] = [];
  const rec = new RecordingTransport({ onRecord: (r) => seen.push(r) });
  const ctl = new AbortController();
  ctl.abort();
  await t.throwsAsync(rec.request(post('http://a.test/x', {}), ctl.signal), { message: /aborted/ });
  await rec.close();
  const err = await t.throwsAsync(rec.request(post('http://a.test/x', {}), signal));
  t.is((err as { code?: string }).code, 'EBB_OFFLINE_CLOSED');
  t.is(seen.length, 0);
});

test('responses: first match wins, by method, URL glob, URL regex and JSON fields; the rest get 200 {}', (t) => {
  const r = new Responses(
    parseResponses(
      JSON.stringify([
        { method: 'delete', url: 'http://api.test/users/*', status: 404, body: 'gone' },
        {
          method: 'POST',
          url_regex: '^http://api\\.test/users\\?page=\\d+$',
          status: 201,
          body: { created: true },
        },
        {
          url: 'http://api.test/users',
          json: { id: 7, tags: ['a'] },
          status: 409,
          headers: { 'X-Why': 'dup' },
        },
        { url: 'http://api.test/users', status: 202 },
      ]),
      'responses.json',
    ),
  );
  const ask = (method: string, url: string, body?: RequestRecord['body']) =>
    r.answer(body === undefined ? { method, url } : { method, url, body });
  const gone = ask('DELETE', 'http://api.test/users/3?force=1');
  t.is(gone.status, 404);
  t.is(dec.decode(gone.body), 'gone');
  t.is(gone.headers['content-type'], undefined);
  t.is(ask('GET', 'http://api.test/users/3').status, 200);
  const created = ask('POST', 'http://api.test/users?page=12');
  t.is(created.status, 201);
  t.is(created.headers['content-type'], 'application/json');
  t.deepEqual(JSON.parse(dec.decode(created.body)), { created: true });
  t.is(ask('POST', 'http://api.test/users?page=x').status, 200);
  const conflict = ask('POST', 'http://api.test/users', { id: 7, email: 'e', tags: ['a'] });
  t.is(conflict.status, 409);
  t.is(conflict.headers['x-why'], 'dup');
  t.deepEqual(JSON.parse(dec.decode(conflict.body)), {});
  t.is(ask('POST', 'http://api.test/users', { id: 7, tags: ['a', 'b'] }).status, 202);
  t.is(ask('POST', 'http://api.test/users', { id: 8 }).status, 202);
  t.is(ask('POST', 'http://api.test/users/').status, 200);
});

test('responses: times limits how many attempts an entry answers, then later entries match', (t) => {
  const r = new Responses(
    parseResponses('[{"url": "*", "status": 500, "times": 2}, {"url": "*", "status": 201}]', 'r.json'),
  );
  t.deepEqual(
    [1, 2, 3, 4].map(() => r.answer({ method: 'GET', url: 'http://x.test/' }).status),
    [500, 500, 201, 201],
  );
});

test('a URL glob has * as its only wildcard and matches the whole URL', (t) => {
  const g = globToRegExp('http://api.test/users?id=*');
  t.true(g.test('http://api.test/users?id=5'));
  t.false(g.test('http://api.test/usersXid=5'));
  t.false(g.test('https://api.test/users?id=5'));
  t.true(globToRegExp('*/users/*').test('http://a.test/v1/users/9/x'));
  t.false(globToRegExp('http://a.test/users').test('http://a.test/users/1'));
});

test('responses files are validated with messages naming the file and the entry', (t) => {
  const bad = (text: string) =>
    t.throws(() => parseResponses(text, 'tests/t/01_a/responses.json'), { instanceOf: ResponsesFileError })!
      .message;
  t.regex(
    bad('[{"url": "x", "status": 500,}]'),
    /^tests\/t\/01_a\/responses\.json: is not valid JSON: .*line 1 column 29/,
  );
  t.regex(bad('{"status": 500}'), /responses\.json: must hold a JSON array/);
  t.regex(bad('[{"status": 200}, {"url": "x"}]'), /responses\.json: entry 2: "status" is missing/);
  t.regex(bad('[{"status": 700}]'), /entry 1: "status" must be an integer from 100 to 599, not 700/);
  t.regex(bad('[{"status": 200, "staus": 1}]'), /entry 1: unknown field "staus"/);
  t.regex(bad('[{"status": 200, "methd": "GET"}]'), /unknown field "methd" \(did you mean "method"\?\)/);
  t.regex(bad('[{"status": 200, "url": "a", "url_regex": "b"}]'), /not both/);
  t.regex(bad('[{"status": 200, "url_regex": "("}]'), /"url_regex" is not a valid regular expression/);
  t.regex(bad('[{"status": 200, "times": 0}]'), /"times" must be a positive integer, not 0/);
  t.regex(bad('[{"status": 200, "headers": {"a": []}}]'), /header "a" must be a string/);
  t.regex(bad('[{"status": 200, "method": 5}]'), /"method" must be a method name/);
  t.is(t.throws(() => parseResponses('[1]', 'r.json'))!.message, 'r.json: entry 1: must be an object');
});

test('loadResponses reads a file and names it when it is missing', (t) => {
  const dir = tempDir();
  writeFiles(dir, { 'responses.json': '[{"method": "GET", "status": 204}]' });
  const r = loadResponses(join(dir, 'responses.json'));
  t.is(r.answer({ method: 'GET', url: 'http://a.test/' }).status, 204);
  const err = t.throws(() => loadResponses(join(dir, 'nope.json')), { instanceOf: ResponsesFileError });
  t.is(err!.code, 'EBB_OFFLINE_RESPONSES');
  t.regex(err!.message, /nope\.json: cannot be read/);
});
