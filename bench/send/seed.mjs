// bench/send seed loop: one POST per row, 100k changed rows, @concurrency 32, `ebb run` as a
// whole process against the hand-written peer (DuckDB → JSON → undici, 32 in flight), same
// local sink, same run. Prints rows/s of both and the ratio ebb / peer (best of ROUNDS,
// alternating order). Needs `npm run build` (uses dist/bin/ebb.js).
// BENCH_SEED_ROWS and BENCH_ROUNDS override the sizes.

import { machine } from '../lib.mjs';
import { seedBench } from './common.mjs';

const ROWS = Number(process.env.BENCH_SEED_ROWS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const INFLIGHT = 32;

const { sink, runEbb, runPeer } = await seedBench(ROWS, INFLIGHT);

let bestEbb = Infinity;
let bestPeer = Infinity;
for (let i = 0; i < ROUNDS; i++) {
  const order = i % 2 === 0 ? [runEbb, runPeer] : [runPeer, runEbb];
  for (const f of order) {
    const r = await f();
    if (f === runEbb) bestEbb = Math.min(bestEbb, r.ms);
    else bestPeer = Math.min(bestPeer, r.ms);
  }
}
sink.stop();
const ebbRate = ROWS / (bestEbb / 1000);
const peerRate = ROWS / (bestPeer / 1000);
console.log(
  `seed loop: ${ROWS.toLocaleString('en-US')} rows, one POST each, ${INFLIGHT} in flight (${machine()})`,
);
console.log(
  `  ebb run (whole process)        ${ebbRate.toFixed(0)} rows/s   (${(bestEbb / 1000).toFixed(2)} s)`,
);
console.log(
  `  hand-written DuckDB → undici   ${peerRate.toFixed(0)} rows/s   (${(bestPeer / 1000).toFixed(2)} s)`,
);
console.log(
  `  ratio ebb / peer               ${(ebbRate / peerRate).toFixed(2)}×   (target ≥ 0.85×, issue 19 §5)`,
);
