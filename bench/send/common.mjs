// Shared by the bench/send benchmarks: a local sink in a child process (so it does not share
// an event loop with the client under test), projects with a source table built once, and
// fresh copies of their state for each timed run.

import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE, EBB, REPO } from '../lib.mjs';

/**
 * The state schema of this build: a prepared state of an older one would be upgraded at the
 * start of every timed run (a user's state is upgraded once), so it is built again.
 */
const { SCHEMA_VERSION } = await import(join(REPO, 'dist', 'lib', 'store', 'state', 'migrations.js'));

const SINK = `
const http = require('node:http');
let n = 0, rows = 0;
const times = [];
const record = process.argv[1] === 'times';
// After the command "fail P", requests whose last path segment is an id with id % 100 < P
// (P = 10: id % 10 == 3, spread over the keys) are answered 500, on every attempt.
let failPercent = 0;
const fails = (url) => {
  if (failPercent === 0) return false;
  const id = Number(url.slice(url.lastIndexOf('/') + 1));
  return failPercent === 10 ? id % 10 === 3 : id % 100 < failPercent;
};
const server = http.createServer((req, res) => {
  let size = 0;
  req.on('data', (c) => { size += c.length; });
  req.on('end', () => {
    n++;
    if (record) times.push(performance.timeOrigin + performance.now());
    if (fails(req.url)) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":"no"}');
      return;
    }
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
process.stdin.on('data', (d) => {
  const cmd = d.toString().trim();
  if (cmd === 'reset') { n = 0; times.length = 0; process.stdout.write('ok\\n'); }
  else if (cmd.startsWith('fail ')) { failPercent = Number(cmd.slice(5)); process.stdout.write('ok\\n'); }
  else if (cmd === 'times') process.stdout.write(JSON.stringify(times) + '\\n');
  else process.stdout.write(n + '\\n');
});
`;

/** startSink starts the sink process; ask() sends a command and reads one line back. */
export async function startSink(mode = 'count') {
  const child = spawn(process.execPath, ['-e', SINK, mode], { stdio: ['pipe', 'pipe', 'inherit'] });
  let buffer = '';
  const waiters = [];
  child.stdout.on('data', (d) => {
    buffer += d.toString();
    let i;
    while ((i = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      waiters.shift()?.(line);
    }
  });
  const next = () => new Promise((resolve) => waiters.push(resolve));
  const port = Number(await next());
  return {
    url: `http://127.0.0.1:${port}`,
    ask: (cmd) => {
      const p = next();
      child.stdin.write(cmd + '\n');
      return p;
    },
    stop: () => child.kill(),
  };
}

/** Makes the project secret of the state argv[1] (project argv[2]) with this build's store. */
const KEY_SCRIPT = `
const { Store, projectKey } = await import(${JSON.stringify(join(REPO, 'dist', 'lib', 'store', 'index.js'))});
const store = await Store.open({ path: process.argv[1], root: process.argv[2] });
try { await projectKey(store); } finally { store.close(); }
`;

/** The stamp of a prepared state: its schema, and that it holds the project secret. */
const PREPARED = `${SCHEMA_VERSION}+key`;

/** prepareProject writes a project with `files` and builds its source tables once per state schema; returns its paths. */
export function prepareProject(name, files, build) {
  const dir = join(CACHE, name);
  const state = join(dir, 'state', 'ebb.duckdb');
  const ready = join(dir, 'prepared.duckdb');
  const stamp = join(dir, 'prepared.schema');
  const current = existsSync(ready) && existsSync(stamp) && readFileSync(stamp, 'utf8') === PREPARED;
  if (!current) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'models'), { recursive: true });
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const r = spawnSync(process.execPath, [EBB, 'run', ...build, '--project', dir], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`building the source failed:\n${r.stderr}`);
    // A user's state has its project secret from its first sending run on: made here, the timed
    // runs do not each pay its first write (a transaction on the way to the first request).
    const key = spawnSync(process.execPath, ['--input-type=module', '-e', KEY_SCRIPT, state, dir], {
      encoding: 'utf8',
    });
    if (key.status !== 0) throw new Error(`making the project secret failed:\n${key.stderr}`);
    copyFileSync(state, ready);
    writeFileSync(stamp, PREPARED);
  } else {
    for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  }
  return {
    dir,
    state,
    /** fresh puts back the state as it was before any sync, for a timed run. */
    fresh() {
      rmSync(`${state}.wal`, { force: true });
      copyFileSync(ready, state);
    },
  };
}

/**
 * timed runs a whole process and returns { ms, maxRssKiB, cpuMs }: peak RSS and CPU time (user +
 * system, every thread) from /usr/bin/time, null without it. `node` are options for node itself.
 */
export function timed(args, env = {}, node = []) {
  const useTime = existsSync('/usr/bin/time');
  const cmd = useTime ? '/usr/bin/time' : process.execPath;
  const argv = useTime
    ? ['-f', '__RSS %M __CPU %U %S', process.execPath, ...node, ...args]
    : [...node, ...args];
  const t0 = performance.now();
  const r = spawnSync(cmd, argv, { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}:\n${r.stderr.slice(-3000)}`);
  const m = /__RSS (\d+) __CPU ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return {
    ms,
    maxRssKiB: m ? Number(m[1]) : null,
    cpuMs: m ? (Number(m[2]) + Number(m[3])) * 1000 : null,
    stdout: r.stdout,
    stderr: r.stderr,
  };
}

/**
 * runners gives the two timed runs of a send bench on a fresh copy of the state each time:
 * `ebb run sync.items`, and the peer posting batches of `batch` rows to `path` with `inflight`
 * in flight. Each checks that the sink got `requests` requests.
 */
export function runners(sink, project, { path, batch, inflight, requests }) {
  const check = async (who, r) => {
    const n = Number(await sink.ask('count'));
    if (n !== requests) throw new Error(`${who} sent ${n} requests, expected ${requests}\n${r.stderr ?? ''}`);
    return r;
  };
  return {
    async runEbb() {
      project.fresh();
      await sink.ask('reset');
      return check('ebb', timed([EBB, 'run', 'sync.items', '--project', project.dir], { SINK: sink.url }));
    },
    /** `node`: options for the peer's node (cpu-cost.mjs loads a burner with them). */
    async runPeer(node = [], env = {}) {
      project.fresh();
      await sink.ask('reset');
      return check(
        'the peer',
        timed(
          [
            join(import.meta.dirname, 'peer.mjs'),
            project.state,
            `${sink.url}${path}`,
            String(batch),
            String(inflight),
          ],
          env,
          node,
        ),
      );
    },
  };
}

/** itemsSource is the send benches' source model: `rows` rows of id, name, email, amount. */
export function itemsSource(rows) {
  return `-- @kind: table\nSELECT range AS id, 'name ' || range AS name, 'user' || range || '@example.com' AS email, (range % 1000) / 10 AS amount FROM range(${rows})`;
}

/**
 * seedBench is the seed loop's bench (seed.mjs, cpu-cost.mjs): the sink, the project (`rows` rows
 * of src.items, sync.items posting each as JSON with @concurrency `inflight`) and its runners.
 */
export async function seedBench(rows, inflight) {
  const sink = await startSink();
  const project = prepareProject(
    `send-seed-${rows}`,
    {
      'models/src/items.sql': itemsSource(rows),
      'models/sync/items.star': `# @kind: tracked
# @unique_key: id
# @concurrency: ${inflight}
url = env.get("SINK") + "/items"
for row in query("SELECT id, name, email, amount FROM src.items ORDER BY id"):
    http.post(url, json=row)
    save.row(row)
`,
    },
    ['src.items'],
  );
  return { sink, ...runners(sink, project, { path: '/items', batch: 1, inflight, requests: rows }) };
}
