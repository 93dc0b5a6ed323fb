// The worker thread a .star model's script runs in: started with its end of the channel, and
// reporting a crash or an early exit as the end of the script.

import { Worker, type MessagePort } from 'node:worker_threads';
import type { Finish, ModelInit } from './protocol.js';
import { workerEntry } from './worker-entry.js';

/**
 * A script makes a row object, its values and often a JSON body per row, all short-lived: a
 * young generation larger than V8's default (16 MiB semi-spaces on 64-bit) collects them in
 * fewer, cheaper scavenges.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 96 };

/**
 * startWorker starts the model's worker, from the compiled JS or (in tests) a bundle of the TS
 * source; `onEnd` hears of a crash or of an exit before the script finished.
 */
export function startWorker(
  port: MessagePort,
  signal: Int32Array,
  model: ModelInit,
  onEnd: (finish: Finish) => void,
): Worker {
  const { url, execArgv } = workerEntry();
  const worker = new Worker(url, {
    workerData: { port, signal, model },
    transferList: [port],
    resourceLimits: WORKER_LIMITS,
    ...(execArgv === undefined ? {} : { execArgv }),
  });
  worker.on('error', (err) => onEnd({ ok: false, error: `the model's worker crashed: ${err.message}` }));
  worker.on('exit', (code) =>
    onEnd({ ok: false, error: `the model's worker exited (code ${code}) before finishing` }),
  );
  return worker;
}
