/**
 * The HubSpot simulator behaves as HubSpot's CRM v3 batch API is documented to (see
 * test/simulators/hubspot.ts for the sources), so a library test can trust what it answers.
 */
import test from 'ava';
import {
  HUBSPOT_BATCH_MAX,
  HUBSPOT_PUBLISHED_RATE,
  type HubSpotOptions,
  startHubSpot,
} from './simulators/hubspot.js';

const TOKEN = 'pat-na1-test';

async function sim(t: { teardown(fn: () => Promise<void>): void }, options: Partial<HubSpotOptions> = {}) {
  const s = await startHubSpot({ token: TOKEN, ...options });
  t.teardown(() => s.close());
  return s;
}

function post(url: string, body: unknown, token = TOKEN): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const input = (email: string, trace: string, props: Record<string, unknown> = {}) => ({
  idProperty: 'email',
  id: email,
  objectWriteTraceId: trace,
  properties: { email, ...props },
});

test('an upsert where every input succeeds answers 200 with one result per input, and holds the records', async (t) => {
  const s = await sim(t);
  const res = await post(`${s.url}/crm/v3/objects/contacts/batch/upsert`, {
    inputs: [input('a@x.io', '0', { plan: 'pro', firstname: null }), input('b@x.io', '1', { plan: 7 })],
  });
  t.is(res.status, 200);
  const body = (await res.json()) as {
    status: string;
    results: { objectWriteTraceId: string; new: boolean }[];
  };
  t.is(body.status, 'COMPLETE');
  t.deepEqual(
    body.results.map((r) => [r.objectWriteTraceId, r.new]),
    [
      ['0', true],
      ['1', true],
    ],
  );
  t.deepEqual(s.records('contacts').get('a@x.io')?.properties, { email: 'a@x.io', plan: 'pro' });
  t.deepEqual(s.records('contacts').get('b@x.io')?.properties, { email: 'b@x.io', plan: '7' });
  const again = await post(`${s.url}/crm/v3/objects/contacts/batch/upsert`, {
    inputs: [input('a@x.io', '0', { plan: 'free' })],
  });
  const second = (await again.json()) as { results: { new: boolean }[] };
  t.false(second.results[0]!.new, 'the second upsert of a key updates the record');
  t.is(s.records('contacts').get('a@x.io')?.properties['plan'], 'free');
  t.is(s.records('contacts').size, 2);
});

test('some invalid inputs make a 207 with results for the others and one error each naming its trace id', async (t) => {
  const s = await sim(t, { invalid: (i) => !String(i.id).includes('@') });
  const res = await post(`${s.url}/crm/v3/objects/contacts/batch/upsert`, {
    inputs: [input('a@x.io', '0'), input('broken', '1'), input('c@x.io', '2')],
  });
  t.is(res.status, 207);
  const body = (await res.json()) as {
    results: { objectWriteTraceId: string }[];
    numErrors: number;
    errors: { category: string; message: string; context: { objectWriteTraceId: string[] } }[];
  };
  t.deepEqual(
    body.results.map((r) => r.objectWriteTraceId),
    ['0', '2'],
  );
  t.is(body.numErrors, 1);
  t.is(body.errors[0]!.category, 'VALIDATION_ERROR');
  t.deepEqual(body.errors[0]!.context, { objectWriteTraceId: ['1'] });
  t.regex(body.errors[0]!.message, /^Property values were not valid: .*Email address broken is invalid/);
  t.deepEqual([...s.records('contacts').keys()], ['a@x.io', 'c@x.io']);
});

test('more than 100 inputs are refused whole with a 400 VALIDATION_ERROR, and nothing is stored', async (t) => {
  const s = await sim(t);
  const inputs = Array.from({ length: HUBSPOT_BATCH_MAX + 1 }, (_, i) => input(`u${i}@x.io`, String(i)));
  const res = await post(`${s.url}/crm/v3/objects/contacts/batch/upsert`, { inputs });
  t.is(res.status, 400);
  const body = (await res.json()) as { status: string; category: string; message: string };
  t.is(body.status, 'error');
  t.is(body.category, 'VALIDATION_ERROR');
  t.regex(body.message, /101 .*100/);
  t.is(s.records('contacts').size, 0);
  const ok = await post(`${s.url}/crm/v3/objects/contacts/batch/upsert`, { inputs: inputs.slice(0, 100) });
  t.is(ok.status, 200, 'exactly 100 inputs are accepted');
});

test('a wrong or missing token gets 401 INVALID_AUTHENTICATION and changes nothing', async (t) => {
  const s = await sim(t);
  const res = await post(
    `${s.url}/crm/v3/objects/contacts/batch/upsert`,
    { inputs: [input('a@x.io', '0')] },
    'nope',
  );
  t.is(res.status, 401);
  const body = (await res.json()) as { category: string; correlationId: string };
  t.is(body.category, 'INVALID_AUTHENTICATION');
  t.regex(body.correlationId, /^[0-9a-f-]{36}$/);
  const bare = await fetch(`${s.url}/crm/v3/objects/contacts/batch/upsert`, { method: 'POST', body: '{}' });
  t.is(bare.status, 401);
  t.is(s.records('contacts').size, 0);
});

test('past the configured rate, 429 RATE_LIMIT with the X-HubSpot-RateLimit headers', async (t) => {
  const s = await sim(t, { rate: { limit: 2, windowMs: 60_000 } });
  const url = `${s.url}/crm/v3/objects/contacts/batch/upsert`;
  const first = await post(url, { inputs: [input('a@x.io', '0')] });
  t.is(first.headers.get('x-hubspot-ratelimit-remaining'), '1');
  await post(url, { inputs: [input('b@x.io', '0')] });
  const third = await post(url, { inputs: [input('c@x.io', '0')] });
  t.is(third.status, 429);
  t.is(third.headers.get('x-hubspot-ratelimit-max'), '2');
  t.is(third.headers.get('x-hubspot-ratelimit-remaining'), '0');
  t.is(third.headers.get('x-hubspot-ratelimit-interval-milliseconds'), '60000');
  const body = (await third.json()) as { errorType: string; policyName: string };
  t.is(body.errorType, 'RATE_LIMIT');
  t.is(body.policyName, 'TEN_SECONDLY_ROLLING');
  t.deepEqual([...s.records('contacts').keys()], ['a@x.io', 'b@x.io']);
});

test('archive by idProperty removes exactly the named records and answers 204', async (t) => {
  const s = await sim(t);
  await post(`${s.url}/crm/v3/objects/contacts/batch/upsert`, {
    inputs: [input('a@x.io', '0'), input('b@x.io', '1'), input('c@x.io', '2')],
  });
  const res = await post(`${s.url}/crm/v3/objects/contacts/batch/archive?idProperty=email`, {
    inputs: [{ id: 'a@x.io' }, { id: 'c@x.io' }, { id: 'unknown@x.io' }],
  });
  t.is(res.status, 204);
  t.deepEqual([...s.records('contacts').keys()], ['b@x.io']);
  const byHsId = await post(`${s.url}/crm/v3/objects/contacts/batch/archive`, {
    inputs: [{ id: s.records('contacts').get('b@x.io')!.hsId }],
  });
  t.is(byHsId.status, 204);
  t.is(s.records('contacts').size, 0);
});

test('object types are kept apart, and latency delays the answer', async (t) => {
  const s = await sim(t, { latencyMs: 30 });
  const started = process.hrtime.bigint();
  await post(`${s.url}/crm/v3/objects/deals/batch/upsert`, {
    inputs: [{ idProperty: 'deal_ref', id: 'D1', properties: { amount: '10' } }],
  });
  t.true(process.hrtime.bigint() - started >= 25_000_000n, 'the answer waited for the injected latency');
  t.is(s.records('contacts').size, 0);
  t.deepEqual(s.records('deals').get('D1')?.properties, { amount: '10', deal_ref: 'D1' });
});

test('at the published rate the window is rolling: 100 requests pass, the 101st within 10 s is refused', async (t) => {
  const s = await sim(t, { rate: HUBSPOT_PUBLISHED_RATE });
  const url = `${s.url}/crm/v3/objects/contacts/batch/upsert`;
  const statuses: number[] = [];
  for (let i = 0; i < 101; i++)
    statuses.push((await post(url, { inputs: [input(`u${i}@x.io`, '0')] })).status);
  t.deepEqual(statuses.slice(0, 100), Array(100).fill(200));
  t.is(statuses[100], 429);
  t.is(s.records('contacts').size, 100);
});
