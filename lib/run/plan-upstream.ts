// `ebb plan` shows what `ebb run` of the same selection would send, so a tracked model's delta
// must be computed against upstream tables as the run would build them, not as the last run
// left them. buildUpstream rebuilds a tracked model's upstream SQL models inside the
// transaction that plan rolls back. Models whose language cannot be rebuilt there (.star
// scripts may call APIs) are not run: plan says that their tables are as of their last run,
// or that they have none yet.

import { ModelError, errorMessage } from '../errors.js';
import type { Model } from '../project/index.js';
import { cleanDuckDBMessage, type Store } from '../store/index.js';
import { languageOf } from './languages/index.js';
import type { RunPlan } from './plan.js';

export interface UpstreamNotes {
  /** Per tracked model: upstream .star models whose tables are as of their last run. */
  readonly stale: Map<string, string[]>;
}

/** upstreamBuilder returns plan's `prepare` step for a project's models, and where it notes what it did not rebuild. */
export function upstreamBuilder(
  store: Store,
  plan: RunPlan,
  models: readonly Model[],
): { prepare: (model: Model) => Promise<void>; notes: UpstreamNotes } {
  const byName = new Map(models.map((m) => [m.name, m]));
  const order = plan.dag.sorted();
  const notes: UpstreamNotes = { stale: new Map() };
  const prepare = async (model: Model): Promise<void> => {
    const ancestors = plan.dag.ancestors(model.name);
    const stale: string[] = [];
    for (const name of order) {
      if (!ancestors.has(name)) continue;
      const up = byName.get(name)!;
      const rebuild = languageOf(up).rebuild;
      if (rebuild) {
        try {
          await rebuild(store, up);
        } catch (err) {
          throw new ModelError(
            model.name,
            model.file,
            `cannot plan: its upstream model ${up.name} fails to build (${up.file}): ${cleanDuckDBMessage(errorMessage(err))}`,
          );
        }
      } else if ((await store.objectType(up.schema, up.table)) === undefined) {
        throw new ModelError(
          model.name,
          model.file,
          `cannot plan: its upstream model ${up.name} has not run yet and plan does not run scripts (${up.file}); run it first: ebb run ${up.name}`,
        );
      } else {
        stale.push(up.name);
      }
    }
    if (stale.length > 0) notes.stale.set(model.name, stale);
  };
  return { prepare, notes };
}
