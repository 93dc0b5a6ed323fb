// Loaded into the peer with `node --import` by cpu-cost.mjs: a worker thread of the peer's
// process that spins in bursts of 1 ms, BENCH_BURN of the time (0 to 1), until the process
// ends. It stands for CPU spent beside the thread that sends, as ebb's script worker, DuckDB's
// threads and V8's helpers are beside ebb's main thread.

import { Worker } from 'node:worker_threads';

const duty = Number(process.env.BENCH_BURN ?? 0);
if (duty > 0) {
  const spin = `
    const pause = new Int32Array(new SharedArrayBuffer(4));
    const rest = ${(1 - duty) / duty};
    for (;;) {
      const t = performance.now();
      while (performance.now() - t < 1);
      Atomics.wait(pause, 0, 0, rest);
    }`;
  // Unreferenced: the peer's process ends when its own work does.
  new Worker(spin, { eval: true }).unref();
}
