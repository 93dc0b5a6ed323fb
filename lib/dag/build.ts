// buildDag finds each model's dependencies from its SQL, through DuckDB's parser.

import type { ProjectProblem } from '../errors.js';
import type { Model } from '../project/model.js';
import { lineOf, referencedTables, SqlParseError, type Store } from '../store/index.js';
import { Dag } from './graph.js';

/** One SQL text a model runs, and the line of the model file where it starts. */
export interface ModelSql {
  readonly sql: string;
  readonly line: number;
}

/** SqlSource tells which SQL texts a model runs (for .star models: literal query() strings). */
export type SqlSource = (model: Model) => readonly ModelSql[];

export const sqlModelSource: SqlSource = (model) =>
  model.language === 'sql' ? [{ sql: model.source, line: 1 }] : [];

export interface BuiltDag {
  readonly dag: Dag;
  /** Tables each model reads that are not models (sources, or typos caught at bind time). */
  readonly external: ReadonlyMap<string, readonly string[]>;
  readonly problems: readonly ProjectProblem[];
}

export async function buildDag(
  store: Store,
  models: readonly Model[],
  sqlOf: SqlSource = sqlModelSource,
): Promise<BuiltDag> {
  const byTable = new Map(models.map((m) => [`${m.schema}.${m.table}`.toLowerCase(), m]));
  const upstream = new Map<string, string[]>();
  const external = new Map<string, string[]>();
  const problems: ProjectProblem[] = [];
  for (const model of models) {
    const deps = new Set<string>();
    const ext = new Set<string>();
    for (const { sql, line } of sqlOf(model)) {
      try {
        for (const ref of await referencedTables(store, sql)) {
          const key = `${ref.schema ?? 'main'}.${ref.table}`.toLowerCase();
          const target = byTable.get(key);
          if (target && target !== model) deps.add(target.name);
          else if (!target) ext.add(ref.schema ? `${ref.schema}.${ref.table}` : ref.table);
        }
      } catch (err) {
        if (!(err instanceof SqlParseError)) throw err;
        const at = err.position === undefined ? line : line + lineOf(sql, err.position) - 1;
        problems.push({ file: model.file, line: at, message: err.message });
      }
    }
    upstream.set(model.name, [...deps].sort());
    external.set(model.name, [...ext].sort());
  }
  return { dag: new Dag(upstream), external, problems };
}
