// reset is the first step of `ebb run --full-refresh`: it drops the state of the selected
// models whose tables keep history (tracked: what was delivered; merge and append: their
// rows), so the run starts over. Models that replace their table each run hold no state.

import { quotedTable, type Model } from '../project/index.js';
import { forgetTracked, type Store } from '../store/index.js';
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

/** resetModels forgets each model's state; onReset is told after each one. */
export async function resetModels(
  store: Store,
  models: readonly Model[],
  onReset?: (model: Model) => void,
): Promise<void> {
  for (const m of models) {
    if (resendsAll(m)) await forgetTracked(store, m);
    else await store.exec(`DROP TABLE IF EXISTS ${quotedTable(m)}`);
    onReset?.(m);
  }
}
