// What a .star model takes from the coordinator when the run has one (EBB_COORDINATOR): its
// @rate_limit's grants from a budget shared by every process that uses it — the model's own
// (project/model) or the one @rate_limit_key names — and a lock, so that one model (one shard of
// it) never runs in two processes at once. Without a coordinator, neither exists: the rate limit
// is the process's own, as it always was.

import { basename } from 'node:path';
import { CODE } from '../error-codes.js';
import { ModelError } from '../errors.js';
import type { Model } from '../project/index.js';
import { gcraSpacing, type Limiter, type SenderSettings } from '../send/index.js';
import type { ModelRunOptions } from './run-options.js';

/** The budget a model's @rate_limit draws from in the coordinator. */
export function rateLimitKey(model: Model, root: string): string {
  return model.sender.rateLimitKey ?? `${basename(root)}/${model.name}`;
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
  return shared.limiter(rateLimitKey(model, options.root), intervalMs, toleranceMs);
}

/**
 * lockModel takes the model's lock in the coordinator, or fails with EBB_MODEL_LOCKED when
 * another process runs it; the returned function lets it go.
 */
export async function lockModel(model: Model, options: ModelRunOptions): Promise<() => Promise<void>> {
  const shared = options.shared;
  if (shared === undefined) return async () => undefined;
  const name = `${basename(options.root)}/${model.name}/shard 0/1`;
  if (!(await shared.lock(name))) {
    throw new ModelError(
      model.name,
      model.file,
      `another ebb process is running ${model.name} with the same coordinator (lock "${name}"); ` +
        'a model never runs twice at once: wait for that run to end',
      undefined,
      CODE.EBB_MODEL_LOCKED,
    );
  }
  return () => shared.unlock(name);
}
