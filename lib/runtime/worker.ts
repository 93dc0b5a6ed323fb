// The worker thread that runs one .star model: the interpreter is synchronous, and every
// host call (queries, acknowledgements, requests, prints) goes to the main thread through the
// channel.

import { workerData, type MessagePort } from 'node:worker_threads';
import type { EbbCode } from '../error-codes.js';
import {
  DEFAULT_MAX_STEPS,
  EvalError,
  StarlarkError,
  Thread,
  execFile,
  json,
  structBuiltin,
  type Value,
} from '../starlark/index.js';
import { EbbError, RUN_CODES } from '../errors.js';
import { initIdempotency } from '../send/idempotency.js';
import { Client, HostCallError, StoppedError } from './channel.js';
import { Host } from './host-modules.js';
import { modelLoader } from './model-loader.js';
import { MODEL_FILE_OPTIONS, type Finish, type ModelInit, type ModelOps } from './protocol.js';
import { math } from '../starlark/lib/math/math.js';
import { timeModule } from '../starlark/lib/time/index.js';

interface WorkerData {
  readonly port: MessagePort;
  readonly signal: Int32Array;
  readonly model: ModelInit;
}

const data = workerData as WorkerData;
const client = new Client<ModelOps>(data.port, data.signal);
const host = new Host(client, data.model);

const maxSteps = data.model.maxSteps ?? DEFAULT_MAX_STEPS;

function describe(err: unknown): string {
  if (err instanceof EvalError && err.msg === 'Starlark computation cancelled: too many steps') {
    const hint = `(the model's budget is ${maxSteps} steps, loop iterations and calls; raise it with "# @max_steps: N" at the top of the file)`;
    return `${err.message} ${hint}\n${err.backtrace()}`;
  }
  // A failed one-way message (a save whose rows could not be stored) surfaces at the script's
  // next host call: report it where the script made the call that caused it.
  if (err instanceof EvalError && err.cause instanceof HostCallError && err.cause.position !== undefined) {
    return `${err.cause.position}: ${err.msg}`;
  }
  if (err instanceof EvalError) return `${err.message}\n${err.backtrace()}`;
  if (err instanceof StarlarkError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

const RUN_CODE_SET: ReadonlySet<EbbCode> = new Set(Object.values(RUN_CODES));

/** runCode is the run-time code (RUN_CODES) of the host failure behind a script's error, if any. */
function runCode(err: unknown): EbbCode | undefined {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e instanceof HostCallError) return RUN_CODE_SET.has(e.code) ? e.code : undefined;
    // Raised in this thread by a host module (env.get) or the loader (load()).
    if (e instanceof EbbError && RUN_CODE_SET.has(e.code)) return e.code;
  }
  return undefined;
}

/** stopped says whether an error is the script being stopped (Ctrl-C), wherever it surfaced. */
function stopped(err: unknown): boolean {
  if (err instanceof StoppedError) return true;
  return client.stopRequested && err instanceof Error && err.message.includes('interrupted');
}

// The requests' Idempotency-Keys are made here (http-request.ts): the hasher first.
if (data.model.http.keySecret !== undefined) await initIdempotency();

let finish: Finish;
try {
  const predeclared: Record<string, Value> = {
    ...host.predeclared(),
    json,
    math,
    struct: structBuiltin,
    time: timeModule,
  };
  const thread = new Thread({
    name: data.model.name,
    print: (_t, msg) => client.post('print', msg, 'print'),
    load: modelLoader(data.model.root, data.model.catalog, data.model.file, predeclared, MODEL_FILE_OPTIONS),
    maxSteps,
  });
  execFile(thread, data.model.file, data.model.source, predeclared, MODEL_FILE_OPTIONS);
  host.flush();
  const unreadFailures = host.finish(thread);
  finish = { ok: true, unreadFailures };
} catch (err) {
  // Acknowledgements made before the failure are kept: they were delivered (the main thread
  // still commits each one only if its requests succeeded).
  let flushError = '';
  try {
    host.flush();
  } catch (e) {
    if (!stopped(e))
      flushError = `\n(also, saving the acknowledgements made before the error failed: ${describe(e)})`;
  }
  const code = runCode(err);
  finish = stopped(err)
    ? { ok: false, interrupted: true }
    : { ok: false, error: describe(err) + flushError, ...(code === undefined ? {} : { code }) };
}
client.finalCall('finish', finish);
