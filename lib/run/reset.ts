// reset is the first step of `ebb run --full-refresh`: it drops the state of the selected
// models whose tables keep history (tracked: what was delivered; merge and append: their
// rows), so the run starts over. Models that replace their table each run hold no state.
// The intent is recorded first (lib/store/state/refresh.ts): a run killed before every reset
// committed leaves the rest to the next run that plans those models (finishRefreshes).

import type { Model } from '../project/index.js';
import { pendingRefreshes, recordRefresh, resetModelState, type Store } from '../store/index.js';
import type { RunPlan } from './plan.js';

/** keepsState tells whether a model's table carries rows over from one run to the next. */
export function keepsState(model: Model): boolean {
  return model.kind === 'tracked' || model.kind === 'merge' || model.kind === 'append';
}

/** resendsAll tells whether a reset makes the model deliver every row again (a tracked model). */
export function resendsAll(model: Model): boolean {
  return model.kind === 'tracked';
}

/** resettable lists the planned models a full refresh would reset. */
export function resettable(plan: RunPlan): Model[] {
  return plan.steps.map((s) => s.model).filter(keepsState);
}

/** resetModels records the intent, then forgets each model's state; onReset is told after each one. */
export async function resetModels(
  store: Store,
  models: readonly Model[],
  onReset?: (model: Model) => void,
): Promise<void> {
  await recordRefresh(
    store,
    models.map((m) => m.name),
  );
  for (const m of models) {
    await resetModelState(store, m, resendsAll(m));
    onReset?.(m);
  }
}

/** An unfinished --full-refresh: the planned models it has yet to reset, and those it names outside the plan. */
export interface UnfinishedRefresh {
  readonly planned: readonly Model[];
  readonly elsewhere: readonly string[];
  /** When the refresh was asked (ISO-8601, UTC; the earliest of its entries). */
  readonly requestedAt: string;
}

/** unfinishedRefresh finds what a killed --full-refresh left to reset, or undefined. */
export async function unfinishedRefresh(store: Store, plan: RunPlan): Promise<UnfinishedRefresh | undefined> {
  const pending = await pendingRefreshes(store);
  if (pending.length === 0) return undefined;
  const byName = new Map(plan.steps.map((s) => [s.model.name, s.model]));
  return {
    planned: pending.flatMap((p) => byName.get(p.model) ?? []),
    elsewhere: pending.filter((p) => !byName.has(p.model)).map((p) => p.model),
    requestedAt: pending.map((p) => p.requestedAt).sort()[0]!,
  };
}
