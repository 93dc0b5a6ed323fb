// Starlark models: a .star script run by ebb's interpreter in a worker thread. The DAG reads
// the literal SQL of its query() calls; checking is the interpreter's parser and resolver
// (one analysis per model, shared with the DAG and the runner); running is runStarModel.

import { errorMessage, PROBLEM_CODES, type ProjectProblem } from '../../errors.js';
import type { Model } from '../../project/index.js';
import { runStarModel } from '../../runtime/star-runner.js';
import { analyzeStar, starProblems, starSqlOf } from '../../runtime/star-sql.js';
import { cleanDuckDBMessage, createEmptyTracked, duckdbLine, type Store } from '../../store/index.js';
import type { BindOutcome, Language } from './language.js';
import { uniqueKeyProblems } from './sql.js';

export const starLanguage: Language = {
  name: 'star',
  sqlOf: starSqlOf,
  check: starProblems,
  bind,
  run: (store, model, runId, options) =>
    runStarModel(store, model, runId, {
      root: options.root,
      env: options.env,
      ...(options.onPrint ? { onPrint: options.onPrint } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      transport: options.transport,
      signal: options.signal,
    }),
};

/**
 * bind checks every literal query() against the upstream shapes. A tracked model's table
 * holds its tracked query's columns, so on a fresh state an empty table of that shape is made
 * for its downstream models; a table/append/merge script's columns come from the rows it
 * saves, known only when it runs.
 */
async function bind(store: Store, model: Model): Promise<BindOutcome> {
  const scan = analyzeStar(model).scan;
  if (!scan) return { problems: [], shaped: false };
  const problems: ProjectProblem[] = [];
  let trackedColumns: Array<{ name: string; type: string }> | undefined;
  for (const q of scan.sql) {
    try {
      const columns = await store.columnsOf(q.sql);
      if (
        model.kind === 'tracked' &&
        trackedColumns === undefined &&
        scan.tracked.some((t) => t.sql === q.sql)
      ) {
        trackedColumns = columns.map((c) => ({ name: c.name, type: c.type.toString() }));
        problems.push(
          ...uniqueKeyProblems(
            model,
            columns.map((c) => c.name),
          ).map((p) => ({ ...p, line: q.line })),
        );
      }
    } catch (err) {
      const msg = errorMessage(err);
      problems.push({
        code: PROBLEM_CODES.bind,
        file: model.file,
        line: q.line + (duckdbLine(msg) ?? 1) - 1,
        message: `query(): ${cleanDuckDBMessage(msg)}`,
      });
    }
  }
  if ((await store.objectType(model.schema, model.table)) !== undefined) return { problems, shaped: true };
  if (!trackedColumns || problems.length > 0) return { problems, shaped: false };
  await createEmptyTracked(store, model, trackedColumns);
  return { problems, shaped: true };
}
