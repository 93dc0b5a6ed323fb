// What a .star model takes from the coordinator when the run has one (EBB_COORDINATOR): its
// @rate_limit's grants from a budget shared by every process that uses it — the model's own
// (project/model) or the one @rate_limit_key names —, the breaker's open state per origin, and
// a lock, so that one model (one shard of it) never runs in two processes at once. Without a
// coordinator, none exists: the rate limit and the breaker are the process's own, as they
// always were. The project is named by SharedLimits.project (ebb.yaml's `name:`, else its
// folder's name).

import { CODE } from '../error-codes.js';
import { ModelError } from '../errors.js';
import type { Model } from '../project/index.js';
import { gcraSpacing, type BreakerState, type Limiter, type SenderSettings } from '../send/index.js';
import type { Shard } from '../detect/shard.js';
import type { ModelRunOptions } from './run-options.js';

/** The budget a model's @rate_limit draws from in the coordinator: every shard of it shares one. */
export function rateLimitKey(model: Model, project: string): string {
  return model.sender.rateLimitKey ?? `${project}/${model.name}`;
}

/** The lock of one shard of a model (an unsharded run is shard 0 of 1). */
export function lockName(project: string, model: string, shard: Shard = { index: 0, count: 1 }): string {
  return `${project}/${model}/shard ${shard.index}/${shard.count}`;
}

/** sharedLimiter is the model's limiter drawing from the coordinator, when it has a rate limit and the run a coordinator. */
export function sharedLimiter(
  model: Model,
  settings: SenderSettings,
  options: ModelRunOptions,
): Limiter | undefined {
  const shared = options.shared;
  const rate = settings.rateLimit;
  if (shared === undefined || rate === undefined) return undefined;
  const { intervalMs, toleranceMs } = gcraSpacing(rate.count, rate.periodMs);
  return shared.limiter(rateLimitKey(model, shared.project), intervalMs, toleranceMs);
}

/**
 * sharedBreaker is the breaker state the model's Sender shares through the coordinator, when
 * the run has one. What it tells the others is redacted first: the error that opened an origin
 * may quote a response that echoed a secret, and the coordinator's table is read by anyone.
 */
export function sharedBreaker(
  options: ModelRunOptions,
  redact: (text: string) => string,
): BreakerState | undefined {
  const state = options.shared?.breakerState();
  if (state === undefined) return undefined;
  return {
    check: (origin) => state.check(origin),
    opened: (origin, why, lastError) => state.opened(origin, redact(why), redact(lastError)),
  };
}

/**
 * lockModel takes the model's lock in the coordinator, or fails with EBB_MODEL_LOCKED when
 * another process runs it (the same shard), or with EBB_SHARD_CONFLICT when another process runs
 * it with another shard count (unsharded is a count of 1: its keys are every shard's); the
 * returned function lets it go.
 */
export async function lockModel(model: Model, options: ModelRunOptions): Promise<() => Promise<void>> {
  const shared = options.shared;
  if (shared === undefined) return async () => undefined;
  const name = lockName(shared.project, model.name, options.shard);
  const count = options.shard?.count ?? 1;
  const got = await shared.lock(name, { group: `${shared.project}/${model.name}`, count });
  if (got === false) {
    throw new ModelError(
      model.name,
      model.file,
      `another ebb process is running ${model.name}${options.shard ? ` (shard ${options.shard.index}/${options.shard.count})` : ''} with the same coordinator (lock "${name}"); ` +
        'a model never runs twice at once: wait for that run to end',
      undefined,
      CODE.EBB_MODEL_LOCKED,
    );
  }
  if (got !== true) throw layoutError(model, count, got.counts);
  return () => shared.unlock(name);
}

/** layoutError refuses a run of `model` with `count` shards while others run it with `others`. */
function layoutError(model: Model, count: number, others: readonly number[]): ModelError {
  const as = (n: number) => (n === 1 ? 'unsharded' : `with ${n} shards (--shard I/${n})`);
  return new ModelError(
    model.name,
    model.file,
    `another ebb process is running ${model.name} ${others.map(as).join(' and ')} with the same coordinator, ` +
      `and this run is ${as(count)}: together they would send the keys they share twice. ` +
      `Run every worker of ${model.name} with one shard count (the same state folder layout), or wait for the other run to end`,
    undefined,
    CODE.EBB_SHARD_CONFLICT,
  );
}
