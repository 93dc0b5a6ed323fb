// bench/scale shards: the batched sync of bench/send/batch.mjs (1M rows, POSTs of 500 rows, 16
// in flight, no rate limit) as 1 process, and as 2 key shards in parallel (`ebb run --shard 0/2`
// and `--shard 1/2`, each on its own state file), against one local sink in a child process.
// Prints each one's rows/s (the whole wall time, from the first process's start to the last
// one's end) and the ratio (target: 2 shards ≥ 1.6× one process on 2 cores; DESIGN §8). Each
// round starts from the same prepared source table and no delivered rows; rounds alternate the
// order; the best of each is kept. Needs `npm run build`. Run:
//   node --import tsx bench/scale/shards.ts
// BENCH_SHARD_ROWS (default 1,000,000) and BENCH_ROUNDS (default 3) change the sizes.

import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCHEMA_VERSION } from '../../lib/store/state/migrations.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const EBB = join(REPO, 'dist', 'bin', 'ebb.js');
const ROWS = Number(process.env['BENCH_SHARD_ROWS'] ?? 1_000_000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const BATCH = 500;
const INFLIGHT = 16;

/** The sink: a child process answering 201 to every POST and counting them (its own event loop). */
const SINK = `
const http = require('node:http');
let n = 0;
const server = http.createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => { n++; res.writeHead(201, { 'content-type': 'application/json' }); res.end('{"ok":true}'); });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
process.stdin.on('data', (d) => {
  if (d.toString().trim() === 'reset') n = 0;
  process.stdout.write(n + '\\n');
});
`;

interface Sink {
  readonly url: string;
  ask(cmd: 'reset' | 'count'): Promise<number>;
  stop(): void;
}

async function startSink(): Promise<Sink> {
  const child = spawn(process.execPath, ['-e', SINK], { stdio: ['pipe', 'pipe', 'inherit'] });
  let buffer = '';
  const waiters: Array<(line: string) => void> = [];
  child.stdout.on('data', (d: Buffer) => {
    buffer += d.toString();
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      waiters.shift()?.(line);
    }
  });
  const next = () => new Promise<string>((resolve) => waiters.push(resolve));
  const port = Number(await next());
  return {
    url: `http://127.0.0.1:${port}`,
    ask: async (cmd) => {
      const reply = next();
      child.stdin.write(cmd + '\n');
      return Number(await reply);
    },
    stop: () => child.kill(),
  };
}

/** The project, with its source table built once into prepared.duckdb (a state with no delivered rows). */
function prepare(): { dir: string; state: string; ready: string } {
  const dir = join(REPO, 'bench', '.cache', `scale-shards-${ROWS}`);
  const state = join(dir, 'state');
  const ready = join(dir, 'prepared.duckdb');
  const files: Record<string, string> = {
    'models/src/items.sql': `-- @kind: table\nSELECT range AS id, 'name ' || range AS name, 'user' || range || '@example.com' AS email, (range % 1000) / 10 AS amount FROM range(${ROWS})`,
    'models/sync/items.star': `# @kind: tracked
# @unique_key: id
# @concurrency: ${INFLIGHT}
url = env.get("SINK") + "/batch"
batch = []
for row in query("SELECT id, name, email, amount FROM src.items ORDER BY id"):
    batch.append(row)
    if len(batch) == ${BATCH}:
        http.post(url, json={"inputs": batch})
        save.rows(batch)
        batch = []
if batch:
    http.post(url, json={"inputs": batch})
    save.rows(batch)
`,
  };
  // Built again for a new state schema: an older prepared state would be upgraded in every timed run.
  const stamp = join(dir, 'prepared.schema');
  if (!existsSync(ready) || !existsSync(stamp) || readFileSync(stamp, 'utf8') !== String(SCHEMA_VERSION)) {
    rmSync(dir, { recursive: true, force: true });
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const r = spawnSync(process.execPath, [EBB, 'run', 'src.items', '--project', dir], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`building the source failed:\n${r.stderr}`);
    copyFileSync(join(state, 'ebb.duckdb'), ready);
    writeFileSync(stamp, String(SCHEMA_VERSION));
  }
  return { dir, state, ready };
}

/** fresh empties the state folder and puts the prepared state at each of `names`. */
function fresh(state: string, ready: string, names: readonly string[]): void {
  for (const f of readdirSync(state)) rmSync(join(state, f), { force: true });
  for (const n of names) copyFileSync(ready, join(state, n));
}

/** runAll starts the `ebb run` processes at once and gives the wall time until the last one ends. */
async function runAll(dir: string, sink: Sink, shardArgs: ReadonlyArray<readonly string[]>): Promise<number> {
  await sink.ask('reset');
  const t0 = performance.now();
  await Promise.all(
    shardArgs.map(
      (extra) =>
        new Promise<void>((resolve, reject) => {
          const child = spawn(
            process.execPath,
            [EBB, 'run', 'sync.items', '--quiet', '--project', dir, ...extra],
            {
              env: { ...process.env, SINK: sink.url },
              stdio: ['ignore', 'ignore', 'pipe'],
            },
          );
          let err = '';
          child.stderr.on('data', (d: Buffer) => (err += d.toString()));
          child.on('exit', (code) =>
            code === 0 ? resolve() : reject(new Error(`ebb run ${extra.join(' ')} exited ${code}:\n${err}`)),
          );
        }),
    ),
  );
  const ms = performance.now() - t0;
  // Each process sends its rows in batches of BATCH: one short batch per process at most.
  const requests = await sink.ask('count');
  const least = Math.ceil(ROWS / BATCH);
  if (requests < least || requests > least + shardArgs.length - 1)
    throw new Error(
      `the sink got ${requests} requests, expected ${least} to ${least + shardArgs.length - 1}`,
    );
  return ms;
}

const { dir, state, ready } = prepare();
const sink = await startSink();
const one = async () => {
  fresh(state, ready, ['ebb.duckdb']);
  return runAll(dir, sink, [[]]);
};
const two = async () => {
  fresh(state, ready, ['ebb.shard-0-of-2.duckdb', 'ebb.shard-1-of-2.duckdb']);
  return runAll(dir, sink, [
    ['--shard', '0/2'],
    ['--shard', '1/2'],
  ]);
};
let bestOne = Infinity;
let bestTwo = Infinity;
for (let i = 0; i < ROUNDS; i++) {
  for (const f of i % 2 === 0 ? [one, two] : [two, one]) {
    const ms = await f();
    if (f === one) bestOne = Math.min(bestOne, ms);
    else bestTwo = Math.min(bestTwo, ms);
  }
}
sink.stop();
const rate = (ms: number) => ROWS / (ms / 1000);
console.log(
  `shards: ${ROWS.toLocaleString('en-US')} rows in POSTs of ${BATCH}, ${INFLIGHT} in flight, best of ${ROUNDS} ` +
    `(${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)})`,
);
console.log(
  `  1 process                 ${rate(bestOne).toFixed(0)} rows/s   (${(bestOne / 1000).toFixed(2)} s)`,
);
console.log(
  `  2 shards in parallel      ${rate(bestTwo).toFixed(0)} rows/s   (${(bestTwo / 1000).toFixed(2)} s)`,
);
console.log(`  ratio 2 shards / 1        ${(bestOne / bestTwo).toFixed(2)}×   (target ≥ 1.6×)`);
