// bench/send partial failure: the seed loop (one POST per row, @concurrency 32, @retries 1)
// against a sink that answers 500 to 10 % of the rows (the keys with id % 10 == 3, spread over
// the key order, on every attempt), beside the same sync against the same sink answering every
// row 201, same run. Prints rows/s of both (rows handled: delivered + failed) and the ratio
// (target ≥ 0.8×: rows that keep failing must not hold back the others, nor open the breaker).
// Needs `npm run build` (uses dist/bin/ebb.js). BENCH_PARTIAL_ROWS and BENCH_ROUNDS override
// the sizes, BENCH_PARTIAL_RETRIES the retries (with 0 nothing waits to retry: the cost of
// recording the failures alone).

import { spawnSync } from 'node:child_process';
import { EBB, machine } from '../lib.mjs';
import { prepareProject, startSink } from './common.mjs';

const ROWS = Number(process.env.BENCH_PARTIAL_ROWS ?? 50_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const INFLIGHT = 32;
const RETRIES = Number(process.env.BENCH_PARTIAL_RETRIES ?? 1);
const FAILING = Math.floor(ROWS / 10) + (ROWS % 10 > 3 ? 1 : 0);

const sink = await startSink();
const project = prepareProject(
  `send-partial-${ROWS}`,
  {
    'models/src/items.sql': `-- @kind: table\nSELECT range AS id, 'name ' || range AS name, 'user' || range || '@example.com' AS email FROM range(${ROWS})`,
    'models/sync/items.star': `# @kind: tracked
# @unique_key: id
# @concurrency: ${INFLIGHT}
# @retries: ${RETRIES}
url = env.get("SINK") + "/items/"
for row in query("SELECT id, name, email FROM src.items ORDER BY id"):
    http.post(url + str(row.id), json=row)
    save.row(row)
`,
  },
  ['src.items'],
);

/** One `ebb run` on a fresh state: its time and the requests the sink saw (checked). */
async function runEbb(failing) {
  project.fresh();
  await sink.ask(failing ? 'fail 10' : 'fail 0');
  await sink.ask('reset');
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [EBB, 'run', 'sync.items', '--project', project.dir, '--json'], {
    encoding: 'utf8',
    env: { ...process.env, SINK: sink.url },
    maxBuffer: 1 << 26,
  });
  const ms = performance.now() - t0;
  const result = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))
    .find((l) => l.model === 'sync.items');
  const want = failing
    ? { code: 3, saved: ROWS - FAILING, failed: FAILING }
    : { code: 0, saved: ROWS, failed: 0 };
  if (r.status !== want.code || result?.saved !== want.saved || (result?.failed ?? 0) !== want.failed) {
    throw new Error(
      `ebb run (${failing ? '10 % failing' : 'healthy'}) exited ${r.status}: ${JSON.stringify(result)}\n${r.stderr.slice(-2000)}`,
    );
  }
  const requests = Number(await sink.ask('count'));
  const expected = ROWS + (failing ? FAILING * RETRIES : 0);
  if (requests !== expected) throw new Error(`the sink saw ${requests} requests, expected ${expected}`);
  return ms;
}

let bestHealthy = Infinity;
let bestFailing = Infinity;
for (let i = 0; i < ROUNDS; i++) {
  const order = i % 2 === 0 ? [false, true] : [true, false];
  for (const failing of order) {
    const ms = await runEbb(failing);
    if (failing) bestFailing = Math.min(bestFailing, ms);
    else bestHealthy = Math.min(bestHealthy, ms);
  }
}
sink.stop();
const healthy = ROWS / (bestHealthy / 1000);
const failing = ROWS / (bestFailing / 1000);
console.log(
  `partial failure: ${ROWS.toLocaleString('en-US')} rows, one POST each, ${INFLIGHT} in flight, @retries ${RETRIES} (${machine()})`,
);
console.log(
  `  healthy sink                   ${healthy.toFixed(0)} rows/s   (${(bestHealthy / 1000).toFixed(2)} s)`,
);
console.log(
  `  10 % of rows answering 500     ${failing.toFixed(0)} rows/s   (${(bestFailing / 1000).toFixed(2)} s)`,
);
console.log(`  ratio failing / healthy        ${(failing / healthy).toFixed(2)}×   (target ≥ 0.8×)`);
