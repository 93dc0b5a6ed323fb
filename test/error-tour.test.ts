// The error tour: each class of user mistake, made in a small temp project and met through
// the CLI (`ebb validate --json` / `ebb run --json`), pins the message a user reads — the file,
// the line where it applies, what went wrong, what to do — and the EBB_… code a tool reads.
// Many of these are also tested where they are made; this file is the one place that holds
// them all. Four processes in all: one project collects the mistakes found by validate, one
// the cycle, one every mistake met while running (each model fails on its own), one the
// tracked script that acknowledges nothing (a warning, exit 0). Requests go only to
// 127.0.0.1 and to a `.invalid` name (which never resolves), with no retries.

import test from 'ava';
import { createServer } from 'node:net';
import { ebb, makeProject, ndjson, type ProcessResult } from './helpers/project.js';
import { startSink, type Sink } from './helpers/sink.js';
import { withStore } from './helpers/store.js';

/** The API token of the 401 case: it must appear nowhere ebb writes. */
const TOKEN = 'tok-tour-7f3a9c51e2';
const ITEMS =
  "-- @kind: table\nSELECT range AS id, 'user' || range || '@example.com' AS email FROM range(2)\n";
const TRACKED = '# @kind: tracked\n# @unique_key: id\n';

/** A port nothing listens on: one a server just had, closed. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** An API that refuses every token with a 401, echoing the token it got as some APIs do. */
async function refusingApi(): Promise<Sink> {
  return startSink((r) => ({
    status: 401,
    body: JSON.stringify({
      error: `invalid token ${String(r.headers['authorization'] ?? '').replace(/^Bearer /, '')}`,
    }),
  }));
}

interface Ran {
  readonly root: string;
  readonly r: ProcessResult;
  /** The model's line of `run --json`. */
  readonly model: (name: string) => Record<string, unknown>;
}

async function runJson(root: string, args: readonly string[] = []): Promise<Ran> {
  const r = await ebb(['run', '--json', ...args], { cwd: root });
  const lines = ndjson(r.stdout);
  return {
    root,
    r,
    model: (name) =>
      lines.find((l) => l['model'] === name) ?? { missing: name, stdout: r.stdout, stderr: r.stderr },
  };
}

// ── Mistakes `ebb validate` finds before anything runs ──────────────────────────────────────

const validated = (async () => {
  const root = makeProject({
    'models/src/items.sql': ITEMS,
    'models/sync/typo.star':
      '# @kind: tracked\n# @uniqe_key: id\nfor row in query("SELECT * FROM src.items"):\n    save.row(row)\n',
    'models/sync/nokey.star':
      '# @kind: tracked\nfor row in query("SELECT * FROM src.items"):\n    save.row(row)\n',
  });
  const r = await ebb(['validate', '--json'], { cwd: root });
  const report = JSON.parse(r.stdout) as { problems: Array<Record<string, unknown>> };
  return { r, problems: report.problems };
})();

test('a misspelt directive: file and line, the directive, "did you mean", the known ones; EBB_DIRECTIVE', async (t) => {
  const { r, problems } = await validated;
  t.is(r.code, 1);
  const p = problems.find((x) => x['file'] === 'models/sync/typo.star');
  t.like(p, { code: 'EBB_DIRECTIVE', line: 2 });
  t.regex(
    String(p?.['message']),
    /^unknown directive @uniqe_key; did you mean @unique_key\? \(known: @kind, @unique_key, /,
  );
  t.true(
    r.stderr.includes('models/sync/typo.star:2: unknown directive @uniqe_key; did you mean @unique_key?'),
    r.stderr,
  );
});

test('a tracked model without @unique_key: file and line of @kind, and the directive to add; EBB_DIRECTIVE', async (t) => {
  const { r, problems } = await validated;
  const p = problems.find((x) => x['file'] === 'models/sync/nokey.star');
  t.like(p, { code: 'EBB_DIRECTIVE', line: 1 });
  t.is(
    p?.['message'],
    '@kind: tracked needs @unique_key (the column or columns that identify a row), e.g. # @unique_key: id',
  );
  t.true(r.stderr.includes('models/sync/nokey.star:1: @kind: tracked needs @unique_key'), r.stderr);
});

// ── A cycle ────────────────────────────────────────────────────────────────────────────────

test('a cycle: the path of the cycle, its files and what to remove; EBB_CYCLE, nothing runs', async (t) => {
  const root = makeProject({
    'models/mart/a.sql': '-- @kind: view\nSELECT * FROM mart.b\n',
    'models/mart/b.sql': '-- @kind: view\nSELECT * FROM mart.a\n',
  });
  const r = await ebb(['run', '--json'], { cwd: root });
  t.is(r.code, 1);
  const message =
    'dependency cycle: mart.a → mart.b → mart.a (→ reads from; files: models/mart/a.sql, models/mart/b.sql); remove one of these references to break it';
  t.deepEqual(JSON.parse(r.stdout), { error: message, code: 'EBB_CYCLE' });
  t.is(r.stderr, `error: ${message}\n`);
});

// ── Mistakes met while running: one project, each model fails on its own ──────────────────────

const ran = (async () => {
  const api = await refusingApi();
  const port = await closedPort();
  const root = makeProject({
    '.env': `CRM_TOKEN=${TOKEN}\n`,
    'models/src/items.sql': ITEMS,
    'models/src/misspelt.sql': '-- @kind: table\nSELECT id,\n  emial\nFROM src.items\n',
    'models/src/dups.sql': "-- @kind: table\nSELECT * FROM (VALUES (1, 'a'), (1, 'b'), (2, 'c')) t(id, v)\n",
    'models/src/nulls.sql': "-- @kind: table\nSELECT * FROM (VALUES (1, 'a'), (NULL, 'b')) t(id, v)\n",
    'models/sync/query.star':
      TRACKED + 'for row in query("SELECT id, emial FROM src.items"):\n    save.row(row)\n',
    'models/sync/syntax.star': TRACKED + 'for row in query("SELECT * FROM src.items"):\n    x = 1 +* 2\n',
    'models/sync/secret.star':
      TRACKED +
      'token = env.get("CRM_API_KEY")\nfor row in query("SELECT * FROM src.items"):\n    save.row(row)\n',
    'models/sync/refused.star':
      TRACKED +
      '# @retries: 0\n' +
      `for row in query("SELECT * FROM src.items"):\n    http.post("http://127.0.0.1:${port}/contacts", json=row)\n    save.row(row)\n`,
    'models/sync/dns.star':
      TRACKED +
      '# @retries: 0\n# @timeout: 5s\n' +
      'for row in query("SELECT * FROM src.items"):\n    http.post("http://crm.ebb-tour.invalid/contacts", json=row)\n    save.row(row)\n',
    'models/sync/auth.star':
      TRACKED +
      '# @retries: 0\nheaders = {"Authorization": "Bearer " + env.get("CRM_TOKEN")}\n' +
      `for row in query("SELECT * FROM src.items"):\n    http.post("${api.url}/contacts", json=row, headers=headers)\n    save.row(row)\n`,
    'models/sync/dups.star': TRACKED + 'for row in query("SELECT * FROM src.dups"):\n    save.row(row)\n',
    'models/sync/nulls.star': TRACKED + 'for row in query("SELECT * FROM src.nulls"):\n    save.row(row)\n',
    'models/sync/loads.star':
      TRACKED +
      'load("destinations/crm.star", "upsert")\nfor row in query("SELECT * FROM src.items"):\n    upsert(row)\n',
  });
  try {
    return { ...(await runJson(root)), api };
  } finally {
    await api.close();
  }
})();

test('a syntax error in a .star model: file:line:col and what the parser wanted; EBB_STAR_SYNTAX', async (t) => {
  const { r, model } = await ran;
  t.is(r.code, 1);
  t.like(model('sync.syntax'), {
    status: 'error',
    code: 'EBB_STAR_SYNTAX',
    error: "models/sync/syntax.star:4:13: got '*', want primary expression",
  });
  t.true(
    r.stderr.includes("      models/sync/syntax.star:4:13: got '*', want primary expression\n"),
    r.stderr,
  );
});

test("an SQL error: the file and the line of the SQL, DuckDB's message and its suggestion; EBB_SQL_BIND", async (t) => {
  const { r, model } = await ran;
  const m = model('src.misspelt');
  t.like(m, { status: 'error', code: 'EBB_SQL_BIND' });
  t.is(
    m['error'],
    'models/src/misspelt.sql:3: Binder Error: Referenced column "emial" not found in FROM clause!\nCandidate bindings: "email"',
  );
  t.true(
    r.stderr.includes('      models/src/misspelt.sql:3: Binder Error: Referenced column "emial" not found'),
    r.stderr,
  );
});

test("an SQL error in a .star model's query(): file:line:col of the call, DuckDB's message and suggestion; EBB_SQL_BIND", async (t) => {
  const { model } = await ran;
  const m = model('sync.query');
  t.like(m, { status: 'error', code: 'EBB_SQL_BIND', saved: 0 });
  t.true(
    String(m['error']).startsWith(
      'models/sync/query.star:3:17: query: Binder Error: Referenced column "emial" not found in FROM clause!\nCandidate bindings: "email"\n',
    ),
    String(m['error']),
  );
});

test('a missing env secret: file:line, where ebb looked, and the two ways out; EBB_ENV_MISSING', async (t) => {
  const { root, model } = await ran;
  const m = model('sync.secret');
  t.like(m, { status: 'error', code: 'EBB_ENV_MISSING', saved: 0, unsaved: 2 });
  t.true(
    String(m['error']).startsWith(
      `models/sync/secret.star:3:16: env.get: CRM_API_KEY is not set (ebb looked in the environment and ${root}/.env); ` +
        'set it there, or write env.get("CRM_API_KEY", None) if the model can do without it\n',
    ),
    String(m['error']),
  );
});

test('an API that refuses connections (a port just closed): the request, what happened, what to check; EBB_HTTP_NETWORK', async (t) => {
  const { r, model } = await ran;
  const m = model('sync.refused');
  t.like(m, { status: 'ok', warning_code: 'EBB_HTTP_NETWORK', saved: 0, failed: 2 });
  t.regex(
    String(m['warning']),
    /^models\/sync\/refused\.star: 2 rows failed to deliver \(not acknowledged; sent again next run\); the first: POST http:\/\/127\.0\.0\.1:\d+\/contacts \(at models\/sync\/refused\.star:\d+:\d+\): connection refused by http:\/\/127\.0\.0\.1:\d+ \(1 attempt\); is the API running, on that host and port\? check the URL; see ebb status sync\.refused$/,
  );
  t.true(r.stderr.includes(`      warning: ${String(m['warning'])}\n`));
});

test('an API whose host name does not resolve: the request, "host not found", what to check; EBB_HTTP_NETWORK', async (t) => {
  const { model } = await ran;
  const m = model('sync.dns');
  t.like(m, { status: 'ok', warning_code: 'EBB_HTTP_NETWORK', saved: 0, failed: 2 });
  // The request's line: the header's lines, two directives, the for line, then http.post.
  const line = TRACKED.split('\n').length + 3;
  t.is(
    m['warning'],
    `models/sync/dns.star: 2 rows failed to deliver (not acknowledged; sent again next run); the first: POST http://crm.ebb-tour.invalid/contacts (at models/sync/dns.star:${line}:14): ` +
      'host not found: http://crm.ebb-tour.invalid (DNS lookup failed) (1 attempt); check the host name in the URL (it does not resolve) and the network; see ebb status sync.dns',
  );
});

test('a 401: says to check the credentials and never prints the token (stdout, stderr, _ebb tables); EBB_HTTP_STATUS', async (t) => {
  const { root, r, model, api } = await ran;
  t.is(api.requests[0]?.headers['authorization'], `Bearer ${TOKEN}`, 'the token was sent');
  const m = model('sync.auth');
  t.like(m, { status: 'ok', warning_code: 'EBB_HTTP_STATUS', saved: 0, failed: 2 });
  t.regex(
    String(m['warning']),
    /^models\/sync\/auth\.star: 2 rows failed to deliver \(not acknowledged; sent again next run\); the first: POST http:\/\/127\.0\.0\.1:\d+\/contacts \(at models\/sync\/auth\.star:\d+:\d+\): answered 401: \{"error":"invalid token \*\*\*"\} \(1 attempt\); the API refused the credentials: check the token or key the model sends \(the value env\.get\(\) reads from the environment or \.env\) and its permissions; see ebb status sync\.auth$/,
  );
  t.false(r.stdout.includes(TOKEN));
  t.false(r.stderr.includes(TOKEN));
  const stored = await withStore(root, async (s) => {
    const tables = await s.queryJson(
      "SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_schema IN ('_ebb', 'sync')",
    );
    const texts: string[] = [];
    for (const { t: name } of tables) {
      for (const row of await s.queryJson(`SELECT * FROM ${String(name)}`)) texts.push(JSON.stringify(row));
    }
    return { tables: tables.length, text: texts.join('\n') };
  });
  t.true(stored.tables >= 3, 'the _ebb tables were read');
  t.true(stored.text.includes('invalid token ***'), 'the failure is recorded, redacted');
  t.false(stored.text.includes(TOKEN));
});

test('a key twice in a tracked query: file:line of query(), the key, how many times, what to do; EBB_DUPLICATE_KEY', async (t) => {
  const { model } = await ran;
  const m = model('sync.dups');
  t.like(m, { status: 'error', code: 'EBB_DUPLICATE_KEY', saved: 0 });
  t.true(
    String(m['error']).startsWith(
      'models/sync/dups.star:3:17: query: query() returned key (id=1) 2 times; each @unique_key must appear once (deduplicate it in the SQL)\n',
    ),
    String(m['error']),
  );
});

test('a NULL key in a tracked query: file:line of query(), the key, that every row needs a full key and how to leave them out; EBB_NULL_KEY', async (t) => {
  const { model } = await ran;
  const m = model('sync.nulls');
  t.like(m, { status: 'error', code: 'EBB_NULL_KEY', saved: 0 });
  t.true(
    String(m['error']).startsWith(
      'models/sync/nulls.star:3:17: query: query() returned a row whose @unique_key (id=null) has a NULL part; every row needs a full key (leave such rows out: WHERE id IS NOT NULL)\n',
    ),
    String(m['error']),
  );
});

test('load() of a missing file: file:line of the load, the path, where paths start, what to do; EBB_LOAD_MISSING', async (t) => {
  const { root, model } = await ran;
  const m = model('sync.loads');
  t.like(m, { status: 'error', code: 'EBB_LOAD_MISSING' });
  t.true(
    String(m['error']).startsWith(
      `models/sync/loads.star:3:1: cannot load destinations/crm.star: no such file: destinations/crm.star (load() paths start at the project root, ${root}); create the file or correct the path\n`,
    ),
    String(m['error']),
  );
});

// ── A warning, not an error ─────────────────────────────────────────────────────────────────

test('a tracked script that never saves a row: exit 0, a warning that everything is sent again next run; EBB_NOTHING_ACKNOWLEDGED', async (t) => {
  const sink = await startSink();
  t.teardown(() => sink.close());
  const root = makeProject({
    'models/src/items.sql': ITEMS,
    'models/sync/contacts.star':
      TRACKED +
      `for row in query("SELECT * FROM src.items"):\n    http.post("${sink.url}/contacts", json=row)\n`,
  });
  const { r, model } = await runJson(root, ['--quiet']);
  t.is(r.code, 0, r.stderr);
  t.is(sink.requests.length, 2);
  const warning =
    'models/sync/contacts.star: nothing was acknowledged: the script called no save.row or save.delete, so all 2 rows will be sent again next run; ' +
    'call save.row(row) once a row is delivered (and save.delete(row) for a handled deletion)';
  t.like(model('sync.contacts'), {
    status: 'ok',
    saved: 0,
    unsaved: 2,
    warning,
    warning_code: 'EBB_NOTHING_ACKNOWLEDGED',
  });
  t.true(r.stderr.includes(`\n      warning: ${warning}\n`), r.stderr);
});
