// materialize writes an SQL model's table or view according to its kind, atomically:
// each model runs in one transaction, so a failure leaves the previous table untouched.

import { ModelError, errorMessage } from '../errors.js';
import { quoteIdent, quotedTable, type Model } from '../project/index.js';
import type { Store } from '../store/index.js';

/** modelSql returns the model's SELECT without a trailing semicolon. */
export function modelSql(model: Model): string {
  return model.source.replace(/;\s*$/, '');
}

/**
 * materializeSql runs one SQL model. It returns the number of rows written (the table's
 * rows for `table`, rows added for `append`, rows upserted for `merge`; null for a view).
 */
export async function materializeSql(store: Store, model: Model): Promise<number | null> {
  const target = quotedTable(model);
  // The SELECT goes after the prefix on the same line, so DuckDB's "LINE n" is the file's line.
  const sql = modelSql(model) + '\n';
  try {
    return await store.transaction(async () => {
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
          return Number(await store.scalar(`INSERT INTO ${target} BY NAME ${sql}`));
        case 'merge':
          return await merge(store, model, target, sql, fresh);
        case 'tracked':
          throw new Error('a tracked model is a .star model and cannot be materialized from SQL');
      }
    });
  } catch (err) {
    if (err instanceof ModelError) throw err;
    throw new ModelError(model.name, locate(model, errorMessage(err)), cleanDuckDBMessage(errorMessage(err)), err);
  }
}

const STAGE = '_ebb_stage';

async function merge(store: Store, model: Model, target: string, sql: string, fresh: boolean): Promise<number> {
  const stage = `temp.main.${STAGE}`;
  await store.exec(`CREATE OR REPLACE TEMP TABLE ${STAGE} AS ${sql}`);
  try {
    const columns = (await store.query(`SELECT column_name FROM (DESCRIBE ${stage})`)).map((r) => String(r['column_name']));
    const lower = new Set(columns.map((c) => c.toLowerCase()));
    const missing = model.uniqueKey.filter((k) => !lower.has(k.toLowerCase()));
    if (missing.length > 0) {
      throw new ModelError(
        model.name,
        model.file,
        `@unique_key column ${missing.join(', ')} is not in the model's result (columns: ${columns.join(', ')})`,
      );
    }
    const keys = model.uniqueKey.map(quoteIdent);
    const keyList = keys.join(', ');
    const nullKey = await store.query(
      `SELECT ${keyList} FROM ${stage} WHERE ${keys.map((k) => `${k} IS NULL`).join(' OR ')} LIMIT 1`,
    );
    if (nullKey.length > 0) {
      throw new ModelError(model.name, model.file, `merge key ${describeKey(nullKey[0]!)} has a NULL part; every row needs a full @unique_key`);
    }
    const dup = await store.query(
      `SELECT ${keyList}, count(*) AS n FROM ${stage} GROUP BY ALL HAVING count(*) > 1 ORDER BY n DESC LIMIT 1`,
    );
    if (dup.length > 0) {
      const { n, ...key } = dup[0]!;
      throw new ModelError(
        model.name,
        model.file,
        `merge key ${describeKey(key)} appears ${String(n)} times in the model's result; each @unique_key must be unique`,
      );
    }
    if (fresh) {
      return Number(await store.scalar(`CREATE TABLE ${target} AS SELECT * FROM ${stage}`));
    }
    await store.exec(
      `DELETE FROM ${target} AS t USING ${stage} AS s WHERE ${keys.map((k) => `t.${k} = s.${k}`).join(' AND ')}`,
    );
    return Number(await store.scalar(`INSERT INTO ${target} BY NAME SELECT * FROM ${stage}`));
  } finally {
    await store.exec(`DROP TABLE IF EXISTS ${stage}`).catch(() => undefined);
  }
}

function describeKey(key: Record<string, unknown>): string {
  const parts = Object.entries(key).map(([k, v]) => `${k}=${typeof v === 'string' ? JSON.stringify(v) : String(v)}`);
  return `(${parts.join(', ')})`;
}

/** locate appends DuckDB's LINE n (which is the model file's line) to the file name. */
function locate(model: Model, message: string): string {
  const m = /\bLINE (\d+):/.exec(message);
  return m ? `${model.file}:${m[1]}` : model.file;
}

/** cleanDuckDBMessage keeps DuckDB's message but drops its echo of the statement. */
export function cleanDuckDBMessage(message: string): string {
  return message.replace(/\n+LINE \d+:[\s\S]*$/, '').trim();
}
