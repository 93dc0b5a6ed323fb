// bench/send batches: a model posting batches of 500 rows (save.rows) over 1M rows, against
// the hand-written DuckDB → JSON → undici script, same sink, same run; ratio ebb / peer and
// the peak RSS of both (target: ebb ≥ 0.5× the peer, below 1 GiB). Needs `npm run build`.
// BENCH_BATCH_ROWS and BENCH_ROUNDS override the sizes.

import { machine } from '../lib.mjs';
import { itemsSource, prepareProject, runners, startSink } from './common.mjs';

const ROWS = Number(process.env.BENCH_BATCH_ROWS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BATCH = 500;
const INFLIGHT = 16;
const REQUESTS = Math.ceil(ROWS / BATCH);

const sink = await startSink();
const project = prepareProject(
  `send-batch-${ROWS}`,
  {
    'models/src/items.sql': itemsSource(ROWS),
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
  },
  ['src.items'],
);

const { runEbb, runPeer } = runners(sink, project, {
  path: '/batch',
  batch: BATCH,
  inflight: INFLIGHT,
  requests: REQUESTS,
});

let bestEbb = { ms: Infinity, maxRssKiB: 0 };
let bestPeer = { ms: Infinity, maxRssKiB: 0 };
let peakEbb = 0;
for (let i = 0; i < ROUNDS; i++) {
  const order = i % 2 === 0 ? [runEbb, runPeer] : [runPeer, runEbb];
  for (const f of order) {
    const r = await f();
    if (f === runEbb) {
      peakEbb = Math.max(peakEbb, r.maxRssKiB ?? 0);
      if (r.ms < bestEbb.ms) bestEbb = r;
    } else if (r.ms < bestPeer.ms) bestPeer = r;
  }
}
sink.stop();
const mib = (k) => (k ? `${(k / 1024).toFixed(0)} MiB` : 'n/a');
const ebbRate = ROWS / (bestEbb.ms / 1000);
const peerRate = ROWS / (bestPeer.ms / 1000);
console.log(
  `batches: ${ROWS.toLocaleString('en-US')} rows in POSTs of ${BATCH}, ${INFLIGHT} in flight (${machine()})`,
);
console.log(
  `  ebb run (whole process)        ${ebbRate.toFixed(0)} rows/s   (${(bestEbb.ms / 1000).toFixed(2)} s, peak RSS ${mib(peakEbb)})`,
);
console.log(
  `  hand-written DuckDB → undici   ${peerRate.toFixed(0)} rows/s   (${(bestPeer.ms / 1000).toFixed(2)} s, peak RSS ${mib(bestPeer.maxRssKiB)})`,
);
console.log(
  `  ratio ebb / peer               ${(ebbRate / peerRate).toFixed(2)}×   (target ≥ 0.9×, issue 19 §5; peak RSS < 1 GiB: ${peakEbb > 0 && peakEbb < 1024 * 1024 ? 'yes' : 'NO'})`,
);
