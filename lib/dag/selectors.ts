// Selectors pick models for a run: `name`, `+name` (with everything upstream), `name+`
// (with everything downstream), `+name+`, and globs such as `sync.*`.

import { closest } from '../suggest.js';
import { SelectorError } from '../errors.js';
import type { Dag } from './graph.js';

const SELECTOR = /^(\+?)([A-Za-z0-9_.*]+)(\+?)$/;

/** select returns the selected node names (all nodes when `selectors` is empty). */
export function select(dag: Dag, selectors: readonly string[]): Set<string> {
  if (selectors.length === 0) return new Set(dag.nodes);
  const out = new Set<string>();
  for (const sel of selectors) {
    const m = SELECTOR.exec(sel);
    if (!m) {
      throw new SelectorError(
        `bad selector "${sel}": use a model name (mart.customers), +name for its upstream, name+ for its downstream, or a glob (sync.*)`,
      );
    }
    const [, up, pattern, down] = m as unknown as [string, string, string, string];
    const matches = matchNodes(dag.nodes, pattern);
    if (matches.length === 0) {
      const guess = pattern.includes('*') ? undefined : closest(pattern, dag.nodes);
      throw new SelectorError(
        `no model matches "${pattern}"${guess ? `; did you mean ${guess}?` : ''} (ebb validate lists problems; models are named schema.table)`,
      );
    }
    for (const n of matches) {
      out.add(n);
      if (up) for (const a of dag.ancestors(n)) out.add(a);
      if (down) for (const d of dag.descendants(n)) out.add(d);
    }
  }
  return out;
}

function matchNodes(nodes: readonly string[], pattern: string): string[] {
  const lower = pattern.toLowerCase();
  if (!lower.includes('*')) return nodes.filter((n) => n.toLowerCase() === lower);
  const re = new RegExp(
    '^' +
      lower
        .split('*')
        .map((p) => p.replaceAll('.', '\\.'))
        .join('[A-Za-z0-9_.]*') +
      '$',
  );
  return nodes.filter((n) => re.test(n.toLowerCase()));
}
