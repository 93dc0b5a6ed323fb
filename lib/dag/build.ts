// buildDag finds each model's dependencies from its SQL, through DuckDB's parser.

import { PROBLEM_CODES, type ProjectProblem } from '../errors.js';
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

/** sqlModelSource reads SQL models only (the default; runs use every language's record). */
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
          // A three-part name reads another database (a source attached by the project file).
          if (ref.catalog !== undefined) {
            ext.add(`${ref.catalog}.${ref.schema ?? 'main'}.${ref.table}`);
            continue;
          }
          const key = `${ref.schema ?? 'main'}.${ref.table}`.toLowerCase();
          const target = byTable.get(key);
          if (target === model) selfRead(model, line, problems);
          else if (target) deps.add(target.name);
          else ext.add(ref.schema ? `${ref.schema}.${ref.table}` : ref.table);
        }
      } catch (err) {
        if (!(err instanceof SqlParseError)) throw err;
        const at = err.position === undefined ? line : line + lineOf(sql, err.position) - 1;
        problems.push({ code: PROBLEM_CODES.sqlSyntax, file: model.file, line: at, message: err.message });
      }
    }
    upstream.set(model.name, [...deps].sort());
    external.set(model.name, [...ext].sort());
  }
  return { dag: new Dag(upstream), external, problems };
}

/**
 * selfRead: an append or merge model may read its own table (to add only what is new), and a
 * tracked model's table is its own business; a view or a table model that reads itself can
 * never be built, so it is a cycle of one.
 */
function selfRead(model: Model, line: number, problems: ProjectProblem[]): void {
  if (model.kind !== 'view' && model.kind !== 'table') return;
  if (problems.some((p) => p.file === model.file && p.code === PROBLEM_CODES.cycle)) return;
  problems.push({
    code: PROBLEM_CODES.cycle,
    file: model.file,
    line,
    message:
      `dependency cycle: ${model.name} → ${model.name} (a ${model.kind} model reads its own table, which it replaces); ` +
      `read the models it is built from, or make it @kind: append or merge to add to its table`,
  });
}
