// materialize writes an SQL model's table or view according to its kind, atomically:
// each model runs in one transaction, so a failure leaves the previous table untouched.

import { CODE } from '../error-codes.js';
import { ModelError, PROBLEM_CODES, RUN_CODES, errorMessage } from '../errors.js';
import { quoteIdent, quotedTable, type Model } from '../project/index.js';
import { cleanDuckDBMessage, duckdbErrorKind, duckdbLine, writeStaged, type Store } from '../store/index.js';

/** modelSql returns the model's SELECT without a trailing semicolon. */
export function modelSql(model: Model): string {
  return model.source.replace(/;\s*$/, '');
}

/**
 * materializeSql runs one SQL model. It returns the number of rows written (the table's
 * rows for `table`, rows added for `append`, rows upserted for `merge`; null for a view).
 */
export async function materializeSql(store: Store, model: Model): Promise<number | null> {
  try {
    return await store.transaction(() => writeSqlModel(store, model));
  } catch (err) {
    if (err instanceof ModelError) throw err;
    // The same codes as `ebb validate` for SQL that does not parse or bind; EBB_MODEL otherwise.
    const kind = duckdbErrorKind(errorMessage(err));
    const code =
      kind === 'syntax' ? PROBLEM_CODES.sqlSyntax : kind === 'bind' ? PROBLEM_CODES.bind : CODE.EBB_MODEL;
    throw new ModelError(
      model.name,
      locate(model, errorMessage(err)),
      cleanDuckDBMessage(errorMessage(err)),
      err,
      code,
    );
  }
}

/**
 * writeSqlModel writes an SQL model's table or view inside the caller's transaction (a run's
 * own, or the one `ebb plan` rolls back after building a tracked model's upstream).
 */
export async function writeSqlModel(store: Store, model: Model): Promise<number | null> {
  const target = quotedTable(model);
  // The SELECT goes after the prefix on the same line, so DuckDB's "LINE n" is the file's line.
  const sql = modelSql(model) + '\n';
  await store.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(model.schema)}`);
  const existing = await store.objectType(model.schema, model.table);
  const wantView = model.kind === 'view';
  if (existing === 'view' && !wantView) await store.exec(`DROP VIEW ${target}`);
  if (existing === 'table' && wantView) await store.exec(`DROP TABLE ${target}`);
  const fresh = existing === undefined || (existing === 'view') !== wantView;
  switch (model.kind) {
    case 'view':
      await store.exec(`CREATE OR REPLACE VIEW ${target} AS ${sql}`);
      return null;
    case 'table':
      return Number(await store.scalar(`CREATE OR REPLACE TABLE ${target} AS ${sql}`));
    case 'append':
      if (fresh) return Number(await store.scalar(`CREATE TABLE ${target} AS ${sql}`));
      await checkAppendColumns(store, model, sql);
      return Number(await store.scalar(`INSERT INTO ${target} BY NAME ${sql}`));
    case 'merge':
      return await merge(store, model, sql);
    case 'tracked':
      throw new Error('a tracked model is a .star model and cannot be materialized from SQL');
  }
}

/**
 * checkAppendColumns refuses, with what to do, an append whose query now returns a column
 * its table lacks (DuckDB would say only "Binder Error"). A column the query no longer
 * returns is fine: its new rows hold NULL there.
 */
async function checkAppendColumns(store: Store, model: Model, sql: string): Promise<void> {
  const table = new Set(
    (await store.query(`SELECT column_name FROM (DESCRIBE ${quotedTable(model)})`)).map((r) =>
      String(r['column_name']).toLowerCase(),
    ),
  );
  const added = (await store.columnsOf(sql)).map((c) => c.name).filter((c) => !table.has(c.toLowerCase()));
  if (added.length === 0) return;
  throw new ModelError(
    model.name,
    model.file,
    `the model's columns changed (new: ${added.join(', ')}), so its rows no longer fit the table ${model.name}; ` +
      `rebuild the table from this query with: ebb run --full-refresh ${model.name} (its previous rows are dropped)`,
    undefined,
    RUN_CODES.columnsChanged,
  );
}

const STAGE = '_ebb_stage';

/** merge stages the SELECT in a temporary table, then upserts it by key. */
async function merge(store: Store, model: Model, sql: string): Promise<number> {
  await store.exec(`CREATE OR REPLACE TEMP TABLE ${STAGE} AS ${sql}`);
  try {
    return await writeStaged(store, { ...model, kind: 'merge' }, `temp.main.${STAGE}`);
  } finally {
    await store.exec(`DROP TABLE IF EXISTS temp.main.${STAGE}`).catch(() => undefined);
  }
}

/** locate appends DuckDB's LINE n (which is the model file's line) to the file name. */
function locate(model: Model, message: string): string {
  const line = duckdbLine(message);
  return line === undefined ? model.file : `${model.file}:${line}`;
}
