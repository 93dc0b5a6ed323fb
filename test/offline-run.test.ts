// `ebb run --offline FILE` on a project with pending changes, against a real node:http sink:
// the NDJSON holds exactly the requests the real run then makes (same order, same bodies, same
// idempotency keys), nothing reaches the sink, the state file's bytes are unchanged, and a
// real run afterwards still sends everything.

import test from 'ava';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { makeProject, tempDir } from './helpers/project.js';
import { runProject } from './helpers/run.js';

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly key: string | undefined;
  readonly body: unknown;
}

async function recordingSink(): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const key = req.headers['idempotency-key'];
      seen.push({
        method: req.method!,
        path: req.url!,
        key: Array.isArray(key) ? key[0] : key,
        body: body === '' ? undefined : JSON.parse(body),
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function users(n: number, change: (id: number) => string | undefined = () => undefined): string {
  const lines = ['id,email,plan'];
  for (let id = 1; id <= n; id++) {
    const email = change(id);
    if (email !== 'deleted') lines.push(`${id},${email ?? `u${id}@x.org`},${id % 3 === 0 ? 'pro' : 'free'}`);
  }
  return lines.join('\n') + '\n';
}

function md5(path: string): string {
  return existsSync(path) ? createHash('md5').update(readFileSync(path)).digest('hex') : 'absent';
}

const run = (root: string, args: { offline?: string; responses?: string } = {}) =>
  runProject(root, { json: false, env: {}, ...args });

test('--offline records exactly what the real run then sends, sends nothing, and leaves the state file unchanged', async (t) => {
  const sink = await recordingSink();
  try {
    const root = makeProject({
      'models/src/users.sql': `SELECT * FROM read_csv('extracts/users.csv')\n`,
      // One request in flight at a time, so the sink sees the real run's requests in issue order.
      'models/sync/users.star': `# @kind: tracked
# @unique_key: id
# @concurrency: 1
for row in query("SELECT id, email, plan FROM src.users"):
    http.post("${sink.url}/users", json={"id": row.id, "email": row.email, "plan": row.plan})
    save.row(row)
for row in deleted():
    http.delete("${sink.url}/users/" + str(row.id))
    save.delete(row)
`,
      'extracts/users.csv': users(40),
    });
    const initial = await run(root);
    t.is(initial.code, 0, initial.err);
    t.is(sink.seen.length, 40);
    sink.seen.length = 0;

    // Pending: 4 changed, 3 new, 2 removed.
    const changed = new Map([
      [5, 'five@x.org'],
      [12, 'deleted'],
      [17, 'seventeen@x.org'],
      [20, 'deleted'],
      [33, 'x33@x.org'],
      [40, 'forty@x.org'],
    ]);
    writeFileSync(
      join(root, 'extracts/users.csv'),
      users(43, (id) => changed.get(id)),
    );
    const state = join(root, 'state', 'ebb.duckdb');
    const before = [md5(state), md5(`${state}.wal`)];

    const file = join(tempDir(), 'out.ndjson');
    const offline = await run(root, { offline: file });
    t.is(offline.code, 0, offline.err);
    t.regex(
      offline.err,
      /Offline: 9 requests recorded to .*out\.ndjson; nothing was sent and the state is unchanged/,
    );
    t.deepEqual(sink.seen, [], 'nothing reached the sink');
    t.deepEqual([md5(state), md5(`${state}.wal`)], before, 'the state file is byte-for-byte the same');

    // A second offline run records the same requests again: nothing was acknowledged.
    const file2 = join(tempDir(), 'again.ndjson');
    t.is((await run(root, { offline: file2 })).code, 0);
    t.is(readFileSync(file2, 'utf8'), readFileSync(file, 'utf8'));

    const real = await run(root);
    t.is(real.code, 0, real.err);
    const recorded = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map(
        (l) =>
          JSON.parse(l) as {
            method: string;
            url: string;
            headers: Record<string, string>;
            body?: unknown;
          },
      );
    t.deepEqual(
      recorded.map((r) => ({
        method: r.method,
        path: new URL(r.url).pathname,
        key: r.headers['idempotency-key'],
        body: r.body,
      })),
      sink.seen,
    );
    t.deepEqual(
      sink.seen.map((s) => `${s.method} ${s.path} ${(s.body as { id?: number } | undefined)?.id ?? ''}`),
      [
        'POST /users 5',
        'POST /users 17',
        'POST /users 33',
        'POST /users 40',
        'POST /users 41',
        'POST /users 42',
        'POST /users 43',
        'DELETE /users/12 ',
        'DELETE /users/20 ',
      ],
    );
    sink.seen.length = 0;
    t.is((await run(root)).code, 0);
    t.deepEqual(sink.seen, [], 'the real run acknowledged everything');
  } finally {
    await sink.close();
  }
});

test('--offline with --responses answers from the file: a 409 fails its row as a real run would; the state is untouched', async (t) => {
  const root = makeProject({
    'models/sync/users.star': `# @kind: tracked
# @unique_key: id
# @retries: 0
for row in query("SELECT range AS id FROM range(1, 4)"):
    http.post("http://api.test/users", json=row)
    save.row(row)
`,
    'responses.json': JSON.stringify([{ json: { id: 2 }, status: 409, body: { error: 'exists' } }]),
  });
  const state = join(root, 'state', 'ebb.duckdb');
  const file = join(tempDir(), 'out.ndjson');
  const r = await run(root, { offline: file, responses: 'responses.json' });
  t.is(r.code, 3, r.err);
  t.regex(r.err, /saved 2, failed 1/);
  t.is(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '').length,
    3,
  );
  t.false(existsSync(state), 'a state that did not exist still does not');
  const bad = await run(root, { offline: file, responses: 'nope.json' });
  t.is(bad.code, 1);
  t.regex(bad.err, /nope\.json: cannot be read/);
});
