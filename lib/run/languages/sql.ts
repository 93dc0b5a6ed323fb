// SQL models: one SELECT per file. The DAG reads the file itself; binding creates the model
// as a view (so its downstream models bind against its columns); running materializes it.

import { errorMessage, ModelError, PROBLEM_CODES, RUN_CODES, type ProjectProblem } from '../../errors.js';
import { quoteIdent, quotedTable, type Model } from '../../project/index.js';
import { cleanDuckDBMessage, duckdbLine, type Store } from '../../store/index.js';
import { materializeSql, modelSql, writeSqlModel } from '../materialize.js';
import type { BindOutcome, Language } from './language.js';

export const sqlLanguage: Language = {
  name: 'sql',
  sqlOf: (model) => [{ sql: model.source, line: 1 }],
  check: () => [],
  bind,
  rebuild: async (store, model) => {
    await writeSqlModel(store, model);
  },
  run: async (store, model, _runId, options) => {
    await checkUpstreamTables(store, model, options.upstream ?? []);
    return { rows: await materializeSql(store, model) };
  },
};

/**
 * checkUpstreamTables names the upstream model that left no table (a .star model that saved
 * no rows, or one that never ran), where DuckDB would say only "Table … does not exist" and
 * suggest a similar name.
 */
async function checkUpstreamTables(store: Store, model: Model, upstream: readonly Model[]): Promise<void> {
  for (const up of upstream) {
    if ((await store.objectType(up.schema, up.table)) !== undefined) continue;
    throw new ModelError(
      model.name,
      model.file,
      `it reads ${up.name}, which has no table: ${up.file} has not run yet, or (a .star model) saved no rows in its last run, ` +
        `and its table is made from the rows it saves; run it (ebb run ${up.name}) and check that it saves rows`,
      undefined,
      RUN_CODES.noTable,
    );
  }
}

async function bind(store: Store, model: Model): Promise<BindOutcome> {
  const sql = modelSql(model) + '\n';
  try {
    await store.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(model.schema)}`);
    const existing = await store.objectType(model.schema, model.table);
    if (existing === 'table') {
      // The model may read its own table (incremental models): bind without replacing it.
      await store.exec(`DESCRIBE ${sql}`);
    } else {
      await store.exec(`CREATE OR REPLACE VIEW ${quotedTable(model)} AS ${sql}`);
    }
  } catch (err) {
    const msg = errorMessage(err);
    const line = duckdbLine(msg);
    const problem: ProjectProblem = {
      code: PROBLEM_CODES.bind,
      file: model.file,
      ...(line === undefined ? {} : { line }),
      message: cleanDuckDBMessage(msg),
    };
    return { problems: [problem], shaped: false };
  }
  return { problems: await missingKeys(store, model, sql), shaped: true };
}

/** missingKeys reports @unique_key columns the model's query does not return. */
async function missingKeys(store: Store, model: Model, sql: string): Promise<ProjectProblem[]> {
  if (model.uniqueKey.length === 0) return [];
  const columns = (await store.columnsOf(sql)).map((c) => c.name);
  return uniqueKeyProblems(model, columns);
}

/** uniqueKeyProblems compares a model's @unique_key with the columns its query returns. */
export function uniqueKeyProblems(model: Model, columns: readonly string[]): ProjectProblem[] {
  const have = new Set(columns.map((c) => c.toLowerCase()));
  const missing = model.uniqueKey.filter((k) => !have.has(k.toLowerCase()));
  if (missing.length === 0) return [];
  const line = keyLine(model);
  return [
    {
      code: PROBLEM_CODES.uniqueKey,
      file: model.file,
      ...(line === undefined ? {} : { line }),
      message: `@unique_key names ${missing.join(', ')}, which the query does not return (its columns: ${columns.join(', ')})`,
    },
  ];
}

/** keyLine is the line of the @unique_key directive. */
function keyLine(model: Model): number | undefined {
  const i = model.source.split(/\r?\n/).findIndex((l) => /@unique_key\s*:/.test(l));
  return i < 0 ? undefined : i + 1;
}
