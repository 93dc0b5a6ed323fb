// bench/send cpu-cost: what CPU spent beside the sending thread costs the seed loop (seed.mjs)
// on this machine, to read its ratio by. The local sink takes a core of its own; on two cores,
// any other thread's CPU takes a core from the sink or from the sender, and the requests wait.
// Runs, alternating, best of BENCH_ROUNDS each (wall, and CPU of the whole process from
// /usr/bin/time): the peer alone; the peer with a thread spinning BENCH_BURN of the time
// (burn.mjs, default 0.15 and 0.3); and `ebb run`. Prints the wall each added CPU-second costs
// the peer, and what that predicts for ebb's CPU beside the peer's.
// Needs `npm run build` and /usr/bin/time (Debian's `time` package).

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { machine } from '../lib.mjs';
import { seedBench } from './common.mjs';

const ROWS = Number(process.env.BENCH_SEED_ROWS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BURNS = (process.env.BENCH_BURN ?? '0.15 0.3').split(/\s+/).map(Number);
const INFLIGHT = 32;

if (!existsSync('/usr/bin/time')) throw new Error('cpu-cost.mjs needs /usr/bin/time (apt-get install time)');
const { sink, runEbb, runPeer } = await seedBench(ROWS, INFLIGHT);
const burner = ['--import', join(import.meta.dirname, 'burn.mjs')];

const variants = [
  { label: 'peer', run: () => runPeer() },
  ...BURNS.map((b) => ({
    label: `peer + ${Math.round(b * 100)} % burner`,
    run: () => runPeer(burner, { BENCH_BURN: String(b) }),
  })),
  { label: 'ebb run', run: () => runEbb() },
];
const bestOf = new Map();
for (let i = 0; i < ROUNDS; i++) {
  for (const v of i % 2 === 0 ? variants : [...variants].reverse()) {
    const r = await v.run();
    if (!bestOf.has(v.label) || r.ms < bestOf.get(v.label).ms) bestOf.set(v.label, r);
  }
}
sink.stop();

const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const peer = bestOf.get('peer');
console.log(
  `cpu cost: the seed loop (${ROWS.toLocaleString('en-US')} POSTs, ${INFLIGHT} in flight), best of ${ROUNDS} (${machine()})`,
);
const slopes = [];
for (const v of variants) {
  const r = bestOf.get(v.label);
  const dWall = r.ms - peer.ms;
  const dCpu = r.cpuMs - peer.cpuMs;
  let note = '';
  if (v.label !== 'peer') note = `   +${s(dCpu)} CPU, +${s(dWall)} wall`;
  if (v.label.includes('burner') && dCpu > 0) {
    slopes.push(dWall / dCpu);
    note += ` (${(dWall / dCpu).toFixed(2)} s of wall a CPU-second)`;
  }
  console.log(`  ${v.label.padEnd(24)} ${s(r.ms)} wall   ${s(r.cpuMs)} CPU${note}`);
}
if (slopes.length > 0) {
  const slope = slopes.reduce((a, b) => a + b, 0) / slopes.length;
  const ebb = bestOf.get('ebb run');
  const extra = ebb.cpuMs - peer.cpuMs;
  // For ebb at 0.85× the peer, its wall may exceed the peer's by peer/0.85 - peer.
  const allowed = (peer.ms / 0.85 - peer.ms) / slope;
  console.log(
    `  ebb's CPU beside the peer's: +${s(extra)}; at ${slope.toFixed(2)} s a CPU-second that is +${s(extra * slope)} of wall (ebb took +${s(ebb.ms - peer.ms)}); 0.85× allows +${s(allowed)} of CPU`,
  );
}
