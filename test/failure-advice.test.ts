// What a failed delivery's message says about the first failed request: the request without
// its query string, what happened, the attempts, and advice for that kind of failure. The same
// messages through the CLI are in test/error-tour.test.ts.

import test from 'ava';
import type { EbbCode } from '../lib/error-codes.js';
import { advice, describeFailure, failureCode, type FailedRequest } from '../lib/runtime/failure-advice.js';

const failed = (
  url: string,
  status: number | null,
  code: EbbCode,
  message: string,
  attempts = 1,
): FailedRequest => ({
  req: { method: 'POST', url, headers: {}, timeoutMs: 30_000 },
  outcome: { ok: false, status, headers: {}, body: new Uint8Array(0), attempts, error: { code, message } },
});

test('a status error names the path once, never the query string, and the attempts', (t) => {
  const f = failed(
    'https://api.example.com/v1/contacts?api_key=k',
    401,
    'EBB_HTTP_STATUS',
    'POST https://api.example.com answered 401: bad token',
    1,
  );
  t.is(describeFailure(f), 'POST https://api.example.com/v1/contacts: answered 401: bad token (1 attempt)');
  t.is(failureCode(f), 'EBB_HTTP_STATUS');
  t.regex(advice(f), /^the API refused the credentials: check the token or key/);
  t.regex(advice({ ...f, outcome: { ...f.outcome, status: 403 } }), /refused the credentials/);
});

test('network failures: refused, host not found, others, and timeouts each get their own advice', (t) => {
  const refused = failed(
    'http://127.0.0.1:9/x',
    null,
    'EBB_HTTP_NETWORK',
    'connection refused by http://127.0.0.1:9',
    6,
  );
  t.is(
    describeFailure(refused),
    'POST http://127.0.0.1:9/x: connection refused by http://127.0.0.1:9 (after 6 attempts)',
  );
  t.is(advice(refused), 'is the API running, on that host and port? check the URL');
  const dns = failed(
    'http://nowhere.invalid/x',
    null,
    'EBB_HTTP_NETWORK',
    'host not found: http://nowhere.invalid (DNS lookup failed)',
  );
  t.is(advice(dns), 'check the host name in the URL (it does not resolve) and the network');
  const reset = failed('http://h/x', null, 'EBB_HTTP_NETWORK', 'connection reset by http://h');
  t.is(advice(reset), 'check that the API is reachable from here, and the URL');
  const slow = failed('http://h/x', null, 'EBB_HTTP_TIMEOUT', 'no answer');
  t.is(advice(slow), 'the API did not answer within @timeout (30s): raise @timeout, or check the API');
  t.is(failureCode(slow), 'EBB_HTTP_TIMEOUT');
});

test('other statuses: 404, 429, 4xx and 5xx', (t) => {
  const at = (status: number) =>
    advice(failed('http://h/x', status, 'EBB_HTTP_STATUS', `POST http://h answered ${status}`));
  t.is(at(404), 'check the URL and its path');
  t.is(at(429), 'the API kept asking to slow down: lower @rate_limit');
  t.is(
    at(400),
    "the API refused the request: its answer above says why; fix the data or the model's request",
  );
  t.is(at(503), 'the API failed on its side, after the retries: try again later, or raise @retries');
});
