// A state folder's idempotency secret provided up front (state/ebb.idempotency-secret written
// before the first run, as docs/examples/github-actions-shards.yml does from a repository
// secret): workers that share no folder (a CI job, a volume each) and are given the same file
// key with the same secret, and ebb leaves the file as it was; a shard file that already keys
// with a secret of its own keeps it; a file that is not 64 lowercase hex digits stops the run
// before anything is sent, naming the file. The GitHub Actions example writes the file before
// `ebb run`, from a secret, owner-only.

import test from 'ava';
import { readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { projectKey, Store } from '../lib/store/index.js';
import { ebb, makeProject, REPO } from './helpers/project.js';
import { startSink, type Sink } from './helpers/sink.js';

/** The secret a user made once (`openssl rand -hex 32`) and gives every worker. */
const PROVIDED = 'a3'.repeat(32);

const project = (sink: Sink) =>
  makeProject({
    'models/sync/items.star': [
      '# @kind: tracked',
      '# @unique_key: id',
      `for row in query("SELECT range AS id FROM range(20)"):`,
      `    http.post("${sink.url}/items", json={"id": row.id})`,
      '    save.row(row)',
    ].join('\n'),
  });

function provide(root: string, text: string): string {
  mkdirSync(join(root, 'state'), { recursive: true });
  const file = join(root, 'state', 'ebb.idempotency-secret');
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

async function keyOf(root: string, file: string): Promise<string> {
  const store = await Store.open({ path: join(root, 'state', file), root });
  try {
    return Buffer.from(await projectKey(store)).toString('hex');
  } finally {
    store.close();
  }
}

test('workers with folders of their own, given the same secret file, key with it; the file is left as it was', async (t) => {
  const sink = await startSink();
  t.teardown(() => sink.close());
  // Two CI jobs: each checks out the project in a folder of its own and runs its shard.
  const jobs = [project(sink), project(sink)];
  const files = jobs.map((root) => provide(root, `${PROVIDED}\n`));
  const runs = await Promise.all(jobs.map((cwd, i) => ebb(['run', '--shard', `${i}/2`, '--quiet'], { cwd })));
  for (const r of runs) t.is(r.code, 0, r.stderr);
  t.is(sink.delivered.length, 20);
  t.is(await keyOf(jobs[0]!, 'ebb.shard-0-of-2.duckdb'), PROVIDED);
  t.is(await keyOf(jobs[1]!, 'ebb.shard-1-of-2.duckdb'), PROVIDED);
  for (const file of files) {
    t.is(readFileSync(file, 'utf8'), `${PROVIDED}\n`);
    t.is(statSync(file).mode & 0o777, 0o600);
  }
  // The same row under the same secret carries the same Idempotency-Key from either worker.
  const other = project(sink);
  provide(other, `${PROVIDED}\n`);
  const before = sink.requests.length;
  t.is((await ebb(['run', '--shard', '0/2', '--quiet'], { cwd: other })).code, 0);
  const keyFor = (from: number, to: number) =>
    new Map(
      sink.requests.slice(from, to).map((r) => [(r.json as { id: number }).id, r.headers['idempotency-key']]),
    );
  const first = keyFor(0, before);
  const again = keyFor(before, sink.requests.length);
  t.true(again.size > 0);
  for (const [id, key] of again) t.is(key, first.get(id), `row ${id}`);
});

test('a shard file that already keys with its own secret keeps it; a malformed file stops the run before sending', async (t) => {
  const sink = await startSink();
  t.teardown(() => sink.close());
  const root = project(sink);
  t.is((await ebb(['run', '--shard', '0/2', '--quiet'], { cwd: root })).code, 0);
  const own = await keyOf(root, 'ebb.shard-0-of-2.duckdb');
  t.regex(own, /^[0-9a-f]{64}$/);
  // Provided later: the file's first run is past, its rows were keyed with its own secret.
  provide(root, `${PROVIDED}\n`);
  t.is((await ebb(['run', '--shard', '0/2', '--quiet'], { cwd: root })).code, 0);
  t.is(await keyOf(root, 'ebb.shard-0-of-2.duckdb'), own);

  const fresh = project(sink);
  provide(fresh, 'not-a-secret\n');
  const before = sink.requests.length;
  const r = await ebb(['run', '--shard', '1/2', '--json'], { cwd: fresh });
  t.is(r.code, 1, r.stderr);
  t.regex(r.stderr + r.stdout, /ebb\.idempotency-secret is not an idempotency secret \(64 hex digits\)/);
  t.is(sink.requests.length, before);
});

test('the GitHub Actions example writes the secret file from a secret, owner-only, before ebb run', (t) => {
  const workflow = parse(readFileSync(join(REPO, 'docs/examples/github-actions-shards.yml'), 'utf8')) as {
    jobs: { sync: { steps: Array<Record<string, unknown>> } };
  };
  const steps = workflow.jobs.sync.steps;
  const run = (s: Record<string, unknown>) => String(s['run'] ?? '');
  const write = steps.findIndex((s) => run(s).includes('state/ebb.idempotency-secret'));
  const sync = steps.findIndex((s) => /\bebb run\b/.test(run(s)));
  t.true(write >= 0 && write < sync, 'the file is written before ebb run');
  const step = steps[write]!;
  t.regex(run(step), /umask 077/);
  const env = (step['env'] ?? {}) as Record<string, string>;
  t.true(
    Object.values(env).some((v) => /\$\{\{ secrets\.\w+ \}\}/.test(v)),
    'from a repository secret',
  );
  // The secret file is not a cache entry: only the shard's own state file is.
  for (const s of steps)
    t.false(String((s['with'] as Record<string, unknown> | undefined)?.['path'] ?? '').includes('secret'));
});
