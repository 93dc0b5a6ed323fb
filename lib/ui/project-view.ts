// The project as the dashboard shows it: its models and their dependencies. The DAG is parsed
// from the models' SQL by DuckDB (in memory, never the state) and kept until a model file
// changes, so a page costs one directory walk, not a parse of every model.

import { buildDag } from '../dag/index.js';
import { loadProject, type Model } from '../project/index.js';
import { modelSqlOf } from '../run/languages/index.js';
import { Store } from '../store/index.js';

export interface ModelInfo {
  readonly name: string;
  readonly kind: string;
  readonly language: string;
  readonly file: string;
  readonly upstream: readonly string[];
}

export class ProjectView {
  readonly root: string;
  #signature = '';
  #models: readonly ModelInfo[] = [];

  constructor(root: string) {
    this.root = root;
  }

  /** models lists the project's models with the models each reads, in name order. */
  async models(): Promise<readonly ModelInfo[]> {
    const project = loadProject(this.root);
    const signature = project.models.map((m) => `${m.file}\u0000${m.source}`).join('\u0001');
    if (signature !== this.#signature) {
      this.#models = await this.#build(project.models);
      this.#signature = signature;
    }
    return this.#models;
  }

  async #build(models: readonly Model[]): Promise<readonly ModelInfo[]> {
    const store = await Store.open({ path: ':memory:', root: this.root });
    try {
      const { dag } = await buildDag(store, models, modelSqlOf);
      return [...models]
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((m) => ({
          name: m.name,
          kind: m.kind,
          language: m.language,
          file: m.file,
          upstream: dag.upstream(m.name),
        }));
    } finally {
      store.close();
    }
  }
}
