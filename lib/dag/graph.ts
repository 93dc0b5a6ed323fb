// Dag holds models and their dependencies; it orders them and finds cycles.

import { CycleError } from '../errors.js';

export class Dag {
  readonly #upstream: ReadonlyMap<string, readonly string[]>;
  readonly #downstream: Map<string, string[]>;
  readonly nodes: readonly string[];

  /** `upstream` maps each node to the nodes it reads from. */
  constructor(upstream: ReadonlyMap<string, readonly string[]>) {
    this.#upstream = upstream;
    this.nodes = [...upstream.keys()].sort();
    this.#downstream = new Map(this.nodes.map((n) => [n, []]));
    for (const n of this.nodes) {
      for (const u of upstream.get(n)!) this.#downstream.get(u)?.push(n);
    }
  }

  /** upstream lists the direct dependencies of `node`. */
  upstream(node: string): readonly string[] {
    return this.#upstream.get(node) ?? [];
  }

  downstream(node: string): readonly string[] {
    return this.#downstream.get(node) ?? [];
  }

  /** ancestors returns every node `node` depends on, transitively. */
  ancestors(node: string): Set<string> {
    return this.#reach(node, (n) => this.upstream(n));
  }

  descendants(node: string): Set<string> {
    return this.#reach(node, (n) => this.downstream(n));
  }

  #reach(start: string, next: (n: string) => readonly string[]): Set<string> {
    const seen = new Set<string>();
    const stack = [...next(start)];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      stack.push(...next(n));
    }
    return seen;
  }

  /** findCycle returns a cycle as a path that ends where it starts, or undefined. */
  findCycle(): string[] | undefined {
    const state = new Map<string, 1 | 2>();
    const path: string[] = [];
    const visit = (n: string): string[] | undefined => {
      state.set(n, 1);
      path.push(n);
      for (const u of this.upstream(n)) {
        const s = state.get(u);
        if (s === 1) return [...path.slice(path.indexOf(u)), u];
        if (s === undefined) {
          const c = visit(u);
          if (c) return c;
        }
      }
      path.pop();
      state.set(n, 2);
      return undefined;
    };
    for (const n of this.nodes) {
      if (state.has(n)) continue;
      const c = visit(n);
      if (c) return c;
    }
    return undefined;
  }

  /**
   * sorted returns the nodes with every dependency before its dependents (ties in name
   * order, so runs are reproducible); a cycle throws CycleError with its path.
   */
  sorted(fileOf: (node: string) => string = (n) => n): string[] {
    const cycle = this.findCycle();
    if (cycle) throw new CycleError(cycle, [...new Set(cycle)].map(fileOf));
    const indegree = new Map(this.nodes.map((n) => [n, this.upstream(n).length]));
    const ready = this.nodes.filter((n) => indegree.get(n) === 0);
    const out: string[] = [];
    while (ready.length > 0) {
      ready.sort();
      const n = ready.shift()!;
      out.push(n);
      for (const d of this.downstream(n)) {
        const left = indegree.get(d)! - 1;
        indegree.set(d, left);
        if (left === 0) ready.push(d);
      }
    }
    return out;
  }
}
