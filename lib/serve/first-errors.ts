// The first errors of a scheduled run's models whose rows failed or were rejected, for their
// alerts: a run's result line only counts those rows (the model itself ran), while what the API
// answered is in the state's failures. `ebb serve` reads them right after the run, still holding
// the file's turn (so no dashboard read opens the state beside it), from a read-only open of the file
// the run wrote. What is read was redacted when it was recorded; the Alerter hides it again.

import { failureGroups, Store } from '../store/index.js';
import type { ModelReport } from './metrics.js';

/** How many of a model's largest failure groups an alert names. */
const GROUPS = 3;
/** An error longer than this is cut: an alert is a chat message, the dashboard has the rest. */
const MAX_ERROR = 200; // characters

/** hasFailedRows tells whether a report is a model that ran with rows failed or rejected. */
export function hasFailedRows(report: ModelReport): boolean {
  const n = (k: string) => (typeof report[k] === 'number' ? (report[k] as number) : 0);
  return report.status === 'ok' && n('failed') + n('rejected') > 0;
}

/**
 * firstErrors returns, per model of `reports` with failed or rejected rows, its largest failure
 * groups as one line ("HTTP 500: … (1 failed row); …"). A state that cannot be read (busy, gone)
 * gives none: the alert still goes out with its counts.
 */
export async function firstErrors(
  place: { readonly statePath: string; readonly root: string },
  reports: readonly ModelReport[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const models = reports.filter(hasFailedRows).map((r) => r.model);
  if (models.length === 0) return out;
  let store: Store;
  try {
    store = await Store.open({ path: place.statePath, root: place.root, readOnly: true });
  } catch {
    return out;
  }
  try {
    for (const model of models) {
      const groups = (await failureGroups(store, model, 0)).slice(0, GROUPS);
      if (groups.length === 0) continue;
      const parts = groups.map((g) => {
        const error = g.error.length > MAX_ERROR ? `${g.error.slice(0, MAX_ERROR)}…` : g.error;
        return `${error} (${g.rows} ${g.kind} ${g.rows === 1 ? 'row' : 'rows'})`;
      });
      out.set(model, parts.join('; '));
    }
  } catch {
    // A state read that fails leaves the alert with its counts only.
  } finally {
    store.close();
  }
  return out;
}
