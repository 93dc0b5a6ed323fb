/**
 * The shipped destination libraries (lib/catalog/*.star) before the runtime can run them: each
 * parses and resolves with the names a model sees plus `outcome` (the per-record outcome module
 * of issue 18 §1, not in the runtime yet), loads with its environment and exports its functions
 * and documented defaults; and the outcome functions of the batch APIs map real answers of the
 * simulators (test/simulators/) to the right outcome per row. The host modules here are
 * stand-ins for the runtime's (env, http, save, query, outcome): the answers are real.
 */
import test from 'ava';
import { DuckDBInstance } from '@duckdb/node-api';
import { createHmac } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODEL_FILE_OPTIONS, MODEL_GLOBALS } from '../lib/runtime/protocol.js';
import {
  Builtin,
  HostValue,
  None,
  Thread,
  type Value,
  call,
  checkFile,
  execFile,
  json,
  makeModule,
  makeStruct,
  structBuiltin,
  toJS,
  toStarlark,
  typeName,
  universe,
  unpackArgs,
} from '../lib/starlark/index.js';
import { startBraze } from './simulators/braze.js';
import { startCustomerIo } from './simulators/customerio.js';
import { startHubSpot } from './simulators/hubspot.js';
import { startIntercom } from './simulators/intercom.js';
import { startMailchimp } from './simulators/mailchimp.js';
import { startSalesforce } from './simulators/salesforce.js';
import { startWebhook } from './simulators/webhook.js';

const CATALOG = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'lib', 'catalog');
const FILES = readdirSync(CATALOG)
  .filter((f) => f.endsWith('.star'))
  .sort();

const ENV: Record<string, string> = {
  HUBSPOT_TOKEN: 'pat',
  SALESFORCE_INSTANCE_URL: 'https://example.my.salesforce.com',
  SALESFORCE_ACCESS_TOKEN: 'tok',
  BRAZE_BASE_URL: 'https://rest.iad-01.braze.com',
  BRAZE_API_KEY: 'k',
  MAILCHIMP_API_KEY: 'abc-us6',
  INTERCOM_TOKEN: 't',
  SEGMENT_WRITE_KEY: 'w',
  CUSTOMERIO_SITE_ID: 's',
  CUSTOMERIO_API_KEY: 'k',
  WEBHOOK_URL: 'https://example.com/hook',
  WEBHOOK_SECRET: 'whsec',
  SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/X',
};

const unused = (name: string) =>
  new Builtin(name, () => {
    throw new Error(`${name} is not available while a library loads`);
  });

/** The stand-in of the outcome module: accepted, rejected(message), failed(message). */
const outcomeModule = makeModule('outcome', {
  accepted: makeStruct({ kind: toStarlark('accepted') }),
  rejected: new Builtin('outcome.rejected', (_t, _f, args, kwargs) => {
    const [message] = unpackArgs('outcome.rejected', args, kwargs, 'message');
    return makeStruct({ kind: toStarlark('rejected'), message: message! });
  }),
  failed: new Builtin('outcome.failed', (_t, _f, args, kwargs) => {
    const [message] = unpackArgs('outcome.failed', args, kwargs, 'message');
    return makeStruct({ kind: toStarlark('failed'), message: message! });
  }),
});

function predeclared(): Record<string, Value> {
  return {
    env: makeModule('env', {
      get: new Builtin('env.get', (_t, _f, args, kwargs) => {
        const [name, dflt] = unpackArgs('env.get', args, kwargs, 'name', 'default?', 'secret?');
        const v = ENV[toJS(name!) as string];
        if (v !== undefined) return toStarlark(v);
        if (dflt !== undefined) return dflt;
        throw new Error(`env.get: ${String(toJS(name!))} is not set`);
      }),
    }),
    http: makeModule('http', { post: unused('http.post'), patch: unused('http.patch') }),
    save: makeModule('save', {
      rows: unused('save.rows'),
      row: unused('save.row'),
      delete: unused('save.delete'),
    }),
    query: unused('query'),
    deleted: unused('deleted'),
    outcome: outcomeModule,
    oauth: makeModule('oauth', {
      client_credentials: unused('oauth.client_credentials'),
      jwt_bearer: unused('oauth.jwt_bearer'),
    }),
    json,
    struct: structBuiltin,
  };
}

function load(file: string): { thread: Thread; globals: Map<string, Value> } {
  const thread = new Thread({ name: file, print: () => {} });
  const globals = execFile(
    thread,
    file,
    readFileSync(join(CATALOG, file), 'utf8'),
    predeclared(),
    MODEL_FILE_OPTIONS,
  );
  return { thread, globals };
}

/** A response as the outcome functions read it: status_code, ok, text, json(). */
class Answer extends HostValue {
  readonly status: number;
  readonly body: string;
  constructor(status: number, body: string) {
    super();
    this.status = status;
    this.body = body;
  }
  type(): string {
    return 'response';
  }
  override attr(name: string): Value | undefined {
    if (name === 'status_code') return toStarlark(this.status);
    if (name === 'ok') return this.status >= 200 && this.status < 300;
    if (name === 'text') return toStarlark(this.body);
    if (name === 'json') return new Builtin('json', () => toStarlark(JSON.parse(this.body)));
    return undefined;
  }
}

async function answer(res: Response): Promise<Answer> {
  return new Answer(res.status, await res.text());
}

/** outcomes calls a library's outcome function and returns [kind, message?] per row. */
function outcomes(
  lib: { thread: Thread; globals: Map<string, Value> },
  fn: Value,
  response: Answer,
  rows: unknown,
) {
  const result = call(lib.thread, fn, [response, toStarlark(rows)]);
  if (result === None) return null;
  return (toJS(result) as Map<string, unknown>[]).map((m) =>
    m.get('message') === undefined ? [m.get('kind')] : [m.get('kind'), m.get('message')],
  );
}

test('every catalog library parses and resolves with the names a model sees, plus outcome', (t) => {
  t.deepEqual(FILES, [
    'braze.star',
    'customerio.star',
    'hubspot.star',
    'intercom.star',
    'mailchimp.star',
    'salesforce.star',
    'segment.star',
    'slack.star',
    'webhook.star',
  ]);
  for (const f of FILES) {
    const source = readFileSync(join(CATALOG, f), 'utf8');
    t.notThrows(() => checkFile(f, source, [...MODEL_GLOBALS, 'outcome'], MODEL_FILE_OPTIONS), f);
    t.regex(source, /^# /, `${f} opens with its header comment`);
    t.regex(source, /# (Docs|Sources)/, `${f} cites its sources`);
  }
});

test('each library loads and exports a struct of its functions with its default rate and concurrency', (t) => {
  const expected: Record<string, string[]> = {
    'braze.star': ['braze', 'track_users', 'delete_users'],
    'customerio.star': ['customerio', 'identify', 'delete'],
    'hubspot.star': ['hubspot', 'upsert', 'archive'],
    'intercom.star': ['intercom', 'upsert_contacts', 'archive_contacts'],
    'mailchimp.star': ['mailchimp', 'upsert_members', 'archive_members'],
    'salesforce.star': ['salesforce', 'upsert', 'delete'],
    'segment.star': ['segment', 'identify', 'track'],
    'slack.star': ['slack', 'post', 'post_rows'],
    'webhook.star': ['webhook', 'send'],
  };
  for (const f of FILES) {
    const [name, ...fns] = expected[f]!;
    const lib = load(f);
    const exported = lib.globals.get(name!)!;
    const field = (n: string) => call(lib.thread, universe.get('getattr')!, [exported, toStarlark(n)]);
    t.is(typeName(exported), 'struct', f);
    for (const fn of fns) t.is(typeName(field(fn)), 'function', `${f}: ${name}.${fn}`);
    const rate = field('rate_limit');
    t.true(rate === None || /^\d+\/\d+s$/.test(toJS(rate) as string), `${f}: rate_limit`);
    t.true((toJS(field('concurrency')) as number) >= 1, `${f}: concurrency`);
  }
});

test('hubspot: a 207 maps by objectWriteTraceId; a 400 for the whole batch is left to the default rule', async (t) => {
  const s = await startHubSpot({ token: 'pat', invalid: (i) => !String(i.id).includes('@') });
  t.teardown(() => s.close());
  const lib = load('hubspot.star');
  const fn = call(lib.thread, lib.globals.get('_outcomes_by_trace')!, [toStarlark('email')]);
  const rows = [{ email: 'a@x.io' }, { email: 'broken' }, { email: 'c@x.io' }];
  const inputs = rows.map((r, i) => ({
    idProperty: 'email',
    id: r.email,
    properties: {},
    objectWriteTraceId: `ebb:${i}`,
  }));
  const post = (body: unknown) =>
    fetch(`${s.url}/crm/v3/objects/contacts/batch/upsert`, {
      method: 'POST',
      headers: { authorization: 'Bearer pat', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  t.deepEqual(outcomes(lib, fn, await answer(await post({ inputs })), rows), [
    ['accepted'],
    [
      'rejected',
      'Property values were not valid: [{"isValid":false,"message":"Email address broken is invalid","error":"INVALID_EMAIL","name":"email"}]',
    ],
    ['accepted'],
  ]);
  const tooMany = Array.from({ length: 101 }, (_, i) => ({ ...inputs[0], objectWriteTraceId: `ebb:${i}` }));
  t.is(outcomes(lib, fn, await answer(await post({ inputs: tooMany })), rows), null);
  // An error whose context names the id value instead of the trace id still finds its row.
  const byId = new Answer(
    207,
    JSON.stringify({ results: [], errors: [{ message: 'duplicate', context: { ids: ['c@x.io'] } }] }),
  );
  t.deepEqual(outcomes(lib, fn, byId, rows.slice(2)), [['rejected', 'duplicate']]);
});

test('salesforce: results map by position; a record that failed is rejected with its status code', async (t) => {
  const s = await startSalesforce({
    clientId: 'c',
    clientSecret: 's',
    invalid: (r) => !String(r['Email']).includes('@'),
  });
  t.teardown(() => s.close());
  const lib = load('salesforce.star');
  const rows = [
    { Ext__c: '1', Email: 'a@x.io' },
    { Ext__c: '2', Email: 'broken' },
  ];
  const res = await fetch(`${s.url}/services/data/v61.0/composite/sobjects/Contact/Ext__c`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${s.issueToken()}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      allOrNone: false,
      records: rows.map((r) => ({ attributes: { type: 'Contact' }, ...r })),
    }),
  });
  t.deepEqual(outcomes(lib, lib.globals.get('_upsert_outcome')!, await answer(res), rows), [
    ['accepted'],
    ['rejected', 'INVALID_EMAIL_ADDRESS: Email: invalid email address: broken'],
  ]);
  s.expireTokens();
  const expired = await fetch(`${s.url}/services/data/v61.0/composite/sobjects/Contact/Ext__c`, {
    method: 'PATCH',
    body: '{}',
  });
  t.is(outcomes(lib, lib.globals.get('_upsert_outcome')!, await answer(expired), rows), null);
});

test('braze: non-fatal errors map by index in attributes', async (t) => {
  const s = await startBraze({ apiKey: 'k', invalid: (a) => !String(a['email']).includes('@') });
  t.teardown(() => s.close());
  const lib = load('braze.star');
  const rows = [
    { external_id: '1', email: 'a@x.io' },
    { external_id: '2', email: 'broken' },
    { external_id: '3', email: 'c@x.io' },
  ];
  const res = await fetch(`${s.url}/users/track`, {
    method: 'POST',
    headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
    body: JSON.stringify({ attributes: rows }),
  });
  t.deepEqual(outcomes(lib, lib.globals.get('_track_outcome')!, await answer(res), rows), [
    ['accepted'],
    ['rejected', "'email' is not a valid email address: 'broken'"],
    ['accepted'],
  ]);
});

test('mailchimp: errors map by email address, case-insensitively', async (t) => {
  const s = await startMailchimp({
    apiKey: 'abc-us6',
    lists: ['L'],
    invalid: (m) => !String(m['email_address']).includes('@'),
  });
  t.teardown(() => s.close());
  const lib = load('mailchimp.star');
  const rows = [{ email: 'A@x.io' }, { email: 'broken' }];
  const res = await fetch(`${s.url}/3.0/lists/L`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from('ebb:abc-us6').toString('base64')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({
      members: rows.map((r) => ({ email_address: r.email, status: 'subscribed' })),
      update_existing: true,
    }),
  });
  t.deepEqual(outcomes(lib, lib.globals.get('_batch_outcome')!, await answer(res), rows), [
    ['accepted'],
    ['rejected', 'broken looks fake or invalid, please enter a real email address. (ERROR_GENERIC)'],
  ]);
});

test("intercom and customer.io: a refused contact or person is rejected with the API's own message", async (t) => {
  const intercom = await startIntercom({ token: 't', invalid: (c) => !String(c['email']).includes('@') });
  t.teardown(() => intercom.close());
  const ic = load('intercom.star');
  const bad = await fetch(`${intercom.url}/contacts`, {
    method: 'POST',
    headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
    body: JSON.stringify({ role: 'user', external_id: '1', email: 'broken' }),
  });
  t.deepEqual(outcomes(ic, ic.globals.get('_write_outcome')!, await answer(bad), [{ external_id: '1' }]), [
    ['rejected', 'parameter_invalid: Invalid email: broken'],
  ]);
  const cio = await startCustomerIo({
    siteId: 's',
    apiKey: 'k',
    invalid: (a) => !String(a['email']).includes('@'),
  });
  t.teardown(() => cio.close());
  const lib = load('customerio.star');
  const refused = await fetch(`${cio.url}/api/v1/customers/1`, {
    method: 'PUT',
    headers: {
      authorization: `Basic ${Buffer.from('s:k').toString('base64')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ email: 'broken' }),
  });
  t.deepEqual(outcomes(lib, lib.globals.get('_identify_outcome')!, await answer(refused), [{ id: '1' }]), [
    ['rejected', 'Invalid email address: broken'],
  ]);
  t.is(outcomes(lib, lib.globals.get('_identify_outcome')!, new Answer(200, '{}'), [{ id: '1' }]), null);
});

test('webhook: the HMAC-SHA256 the library asks DuckDB for is the signature a receiver verifies', async (t) => {
  const recorded: { sql: string; params: unknown[] }[] = [];
  const lib = (() => {
    const thread = new Thread({ name: 'webhook.star', print: () => {} });
    const names = predeclared();
    names['query'] = new Builtin('query', (_t, _f, args) => {
      recorded.push({ sql: toJS(args[0]!) as string, params: args.slice(1).map((a) => toJS(a)) });
      return toStarlark([makeStruct({ h: toStarlark('recorded') })]);
    });
    const source = readFileSync(join(CATALOG, 'webhook.star'), 'utf8');
    return { thread, globals: execFile(thread, 'webhook.star', source, names, MODEL_FILE_OPTIONS) };
  })();
  const text = JSON.stringify({ type: 'customers.upserted', data: [{ id: 1, email: 'é@x.io' }] });
  call(lib.thread, lib.globals.get('_signature')!, [toStarlark(text)]);
  t.is(recorded.length, 1);
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  t.teardown(() => db.closeSync());
  const read = await db.runAndReadAll(
    recorded[0]!.sql.replace(/\?/g, (_m, i: number) => `$${recorded[0]!.sql.slice(0, i).split('?').length}`),
    recorded[0]!.params as string[],
  );
  const hex = String(read.getRows()[0]![0]);
  t.is(hex, createHmac('sha256', ENV['WEBHOOK_SECRET']!).update(text).digest('hex'));
  const receiver = await startWebhook({ secret: ENV['WEBHOOK_SECRET']! });
  t.teardown(() => receiver.close());
  const res = await fetch(receiver.url, {
    method: 'POST',
    headers: { 'x-signature-256': `sha256=${hex}` },
    body: text,
  });
  t.is(res.status, 200);
  t.is(receiver.deliveries.length, 1);
});

/** A query row as the runtime gives it: columns by name and in dir(). */
class Row extends HostValue {
  readonly cols: Record<string, unknown>;
  constructor(cols: Record<string, unknown>) {
    super();
    this.cols = cols;
  }
  type(): string {
    return 'row';
  }
  override attrNames(): string[] {
    return Object.keys(this.cols).sort();
  }
  override attr(name: string): Value | undefined {
    return name in this.cols ? toStarlark(this.cols[name]) : undefined;
  }
  override get(key: Value): Value | undefined {
    return toStarlark(this.cols[toJS(key) as string]);
  }
}

/** plain turns toJS's Maps into objects, for JSON. */
function plain(v: unknown): unknown {
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, plain(x)]));
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

test('hubspot.upsert and archive, replayed against the simulator: batches of 100, string properties, outcomes per row', async (t) => {
  const s = await startHubSpot({ token: 'pat', invalid: (i) => !String(i.id).includes('@') });
  t.teardown(() => s.close());
  const sent: { url: string; body: unknown; params: unknown }[] = [];
  const saves: { kind: string; rows: Value; outcome?: Value }[] = [];
  const names = predeclared();
  names['http'] = makeModule('http', {
    post: new Builtin('http.post', (_t, _f, args, kwargs) => {
      const kw = new Map(kwargs);
      sent.push({
        url: toJS(args[0]!) as string,
        body: plain(toJS(kw.get('json')!)),
        params: plain(toJS(kw.get('params') ?? None)),
      });
      return new Answer(204, '');
    }),
  });
  names['save'] = makeModule('save', {
    rows: new Builtin('save.rows', (_t, _f, args, kwargs) => {
      saves.push({ kind: 'rows', rows: args[0]!, outcome: new Map(kwargs).get('outcome')! });
      return None;
    }),
    delete: new Builtin('save.delete', (_t, _f, args) => {
      saves.push({ kind: 'delete', rows: args[0]! });
      return None;
    }),
  });
  const thread = new Thread({ name: 'model', print: () => {} });
  const globals = execFile(
    thread,
    'hubspot.star',
    readFileSync(join(CATALOG, 'hubspot.star'), 'utf8'),
    names,
    MODEL_FILE_OPTIONS,
  );
  const hubspot = globals.get('hubspot')!;
  const fn = (n: string) => call(thread, universe.get('getattr')!, [hubspot, toStarlark(n)]);
  const source = Array.from({ length: 250 }, (_, i) => ({
    email: i % 100 === 7 ? `broken${i}` : `u${i}@x.io`,
    firstname: i % 2 ? null : `F${i}`,
    seats: i,
    active: i % 3 === 0,
  }));
  call(
    thread,
    fn('upsert'),
    [toStarlark('contacts'), toStarlark(source.map((r) => new Row(r)))],
    [['id_property', toStarlark('email')]],
  );
  t.deepEqual(
    sent.map((r) => (r.body as { inputs: unknown[] }).inputs.length),
    [100, 100, 50],
  );
  t.deepEqual((sent[0]!.body as { inputs: unknown[] }).inputs[0], {
    idProperty: 'email',
    id: 'u0@x.io',
    properties: { active: 'true', firstname: 'F0', seats: '0' },
    objectWriteTraceId: 'ebb:0',
  });
  t.deepEqual(
    (sent[0]!.body as { inputs: { properties: object }[] }).inputs[1]!.properties,
    { active: 'false', seats: '1' },
    'NULL is left out',
  );
  const verdicts: unknown[][] = [];
  for (const [i, req] of sent.entries()) {
    const res = await fetch(s.url + new URL(req.url).pathname, {
      method: 'POST',
      headers: { authorization: 'Bearer pat', 'content-type': 'application/json' },
      body: JSON.stringify(req.body),
    });
    verdicts.push(
      ...(outcomes({ thread, globals }, saves[i]!.outcome!, await answer(res), saves[i]!.rows) ?? []),
    );
  }
  const rejected = verdicts.flatMap((v, i) => (v[0] === 'rejected' ? [source[i]!.email] : []));
  t.deepEqual(rejected, ['broken7', 'broken107', 'broken207']);
  t.is(verdicts.filter((v) => v[0] === 'accepted').length, 247);
  t.deepEqual(
    [...s.records('contacts').keys()].sort(),
    source
      .filter((r) => r.email.includes('@'))
      .map((r) => r.email)
      .sort(),
    'the simulator holds the source minus the rejected rows',
  );

  sent.length = 0;
  const gone = source.slice(0, 3).map((r) => new Row(r));
  call(
    thread,
    fn('archive'),
    [toStarlark('contacts'), toStarlark(gone)],
    [['id_property', toStarlark('email')]],
  );
  t.deepEqual(sent, [
    {
      url: 'https://api.hubapi.com/crm/v3/objects/contacts/batch/archive',
      body: { inputs: [{ id: 'u0@x.io' }, { id: 'u1@x.io' }, { id: 'u2@x.io' }] },
      params: { idProperty: 'email' },
    },
  ]);
  const deletes = saves.filter((x) => x.kind === 'delete');
  t.is(deletes.length, 1, 'the batch is one save (acknowledged by the runtime once HubSpot took it)');
  t.is(typeName(deletes[0]!.rows), 'list');
  const res = await fetch(`${s.url}/crm/v3/objects/contacts/batch/archive?idProperty=email`, {
    method: 'POST',
    headers: { authorization: 'Bearer pat', 'content-type': 'application/json' },
    body: JSON.stringify(sent[0]!.body),
  });
  t.is(res.status, 204);
  t.false(s.records('contacts').has('u0@x.io'));
  t.is(s.records('contacts').size, 244);
});
