// Starlark models: a .star script run by ebb's interpreter in a worker thread. The DAG reads
// the literal SQL of its query() calls; checking is the interpreter's parser and resolver
// (one analysis per model, shared with the DAG, the plan and the runner); running is
// runStarModel.

import { errorMessage, PROBLEM_CODES, RUN_CODES, type ProjectProblem } from '../../errors.js';
import type { Model } from '../../project/index.js';
import { runStarModel } from '../../runtime/star-runner.js';
import { analyzeStar, scanStarSql, starProblems, starSqlOf } from '../../runtime/star-sql.js';
import { cleanDuckDBMessage, createEmptyTracked, duckdbLine, type Store } from '../../store/index.js';
import type {
  BindOutcome,
  Language,
  LanguageRunOptions,
  LanguageRunResult,
  TrackedQuery,
} from './language.js';
import { uniqueKeyProblems } from './sql.js';

export const starLanguage: Language = {
  name: 'star',
  sqlOf: starSqlOf,
  check: starProblems,
  bind,
  trackedQuery,
  run: runInShard,
};

/**
 * runInShard runs the model, except in a sharded run's shards other than 0 when it is not
 * tracked and not marked `@shards: all`: such a script may send or fetch, and sharding must
 * never send a request twice (a tracked model is split by key instead). Its table is then
 * left as it is, and the result says why (docs/scale.md).
 */
function runInShard(
  store: Store,
  model: Model,
  runId: string,
  options: LanguageRunOptions,
): Promise<LanguageRunResult> {
  const shard = options.shard;
  if (shard === undefined || shard.index === 0 || model.kind === 'tracked' || model.shardsAll)
    return runStarModel(store, model, runId, options);
  return Promise.resolve({
    rows: null,
    warning: {
      code: RUN_CODES.shardSkipped,
      message: `not run in shard ${shard.index}/${shard.count}: a .star model that is not tracked runs in shard 0 only (add # @shards: all to run it in every shard)`,
    },
  });
}

/** trackedQuery is the script's literal tracked query(), when it has one with literal parameters. */
function trackedQuery(model: Model): TrackedQuery {
  let tracked;
  try {
    tracked = scanStarSql(model).tracked;
  } catch (err) {
    return { error: errorMessage(err) };
  }
  const distinct = new Set(tracked.map((t) => t.sql));
  const call = tracked[0];
  if (call === undefined) return { unknown: 'its script has no query("…") call with a literal SQL string' };
  if (distinct.size > 1)
    return { unknown: `its script has ${distinct.size} different tracked query() calls` };
  if (call.params === undefined)
    return { unknown: 'its tracked query has parameters known only at run time' };
  return { sql: call.sql, params: call.params };
}

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
