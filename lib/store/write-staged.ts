// writeStaged moves rows staged in a temporary table into a model's table according to its
// kind. It runs inside the caller's transaction, so the model's table changes atomically.

import { ModelError, RUN_CODES } from '../errors.js';
import { quoteIdent as ident, quotedTable } from './quote.js';
import type { Store } from './store.js';

export interface StagedTarget {
  readonly name: string;
  readonly file: string;
  readonly schema: string;
  readonly table: string;
  readonly kind: 'table' | 'append' | 'merge';
  readonly uniqueKey: readonly string[];
}

/** writeStaged returns the number of rows written (replaced, appended or upserted). */
export async function writeStaged(store: Store, model: StagedTarget, stage: string): Promise<number> {
  const target = quotedTable(model);
  await store.exec(`CREATE SCHEMA IF NOT EXISTS ${ident(model.schema)}`);
  const existing = await store.objectType(model.schema, model.table);
  if (existing === 'view') await store.exec(`DROP VIEW ${target}`);
  const fresh = existing !== 'table';
  if (!fresh && model.kind !== 'table') await addMissingColumns(store, target, stage);
  switch (model.kind) {
    case 'table':
      return Number(await store.scalar(`CREATE OR REPLACE TABLE ${target} AS SELECT * FROM ${stage}`));
    case 'append':
      if (fresh) return Number(await store.scalar(`CREATE TABLE ${target} AS SELECT * FROM ${stage}`));
      return Number(await store.scalar(`INSERT INTO ${target} BY NAME SELECT * FROM ${stage}`));
    case 'merge':
      await checkKeys(store, model, stage);
      if (fresh) return Number(await store.scalar(`CREATE TABLE ${target} AS SELECT * FROM ${stage}`));
      await store.exec(
        `DELETE FROM ${target} AS t USING ${stage} AS s WHERE ${model.uniqueKey.map((k) => `t.${ident(k)} = s.${ident(k)}`).join(' AND ')}`,
      );
      return Number(await store.scalar(`INSERT INTO ${target} BY NAME SELECT * FROM ${stage}`));
  }
}

/** addMissingColumns adds to the target the staged columns it lacks (a model that gained a column). */
async function addMissingColumns(store: Store, target: string, stage: string): Promise<void> {
  const have = new Set(
    (await store.query(`SELECT column_name FROM (DESCRIBE ${target})`)).map((r) =>
      String(r['column_name']).toLowerCase(),
    ),
  );
  for (const r of await store.query(`SELECT column_name, column_type FROM (DESCRIBE ${stage})`)) {
    const name = String(r['column_name']);
    if (!have.has(name.toLowerCase()))
      await store.exec(`ALTER TABLE ${target} ADD COLUMN ${ident(name)} ${String(r['column_type'])}`);
  }
}

/** checkKeys refuses a merge whose rows lack a key column, have a NULL key or repeat a key. */
async function checkKeys(store: Store, model: StagedTarget, stage: string): Promise<void> {
  const columns = (await store.query(`SELECT column_name FROM (DESCRIBE ${stage})`)).map((r) =>
    String(r['column_name']),
  );
  const lower = new Set(columns.map((c) => c.toLowerCase()));
  const missing = model.uniqueKey.filter((k) => !lower.has(k.toLowerCase()));
  if (missing.length > 0) {
    throw new ModelError(
      model.name,
      model.file,
      `@unique_key column ${missing.join(', ')} is not in the model's result (columns: ${columns.join(', ')})`,
      undefined,
      RUN_CODES.uniqueKey,
    );
  }
  const keys = model.uniqueKey.map(ident);
  const keyList = keys.join(', ');
  const nullKey = await store.queryJson(
    `SELECT ${keyList} FROM ${stage} WHERE ${keys.map((k) => `${k} IS NULL`).join(' OR ')} LIMIT 1`,
  );
  if (nullKey.length > 0) {
    throw new ModelError(
      model.name,
      model.file,
      `merge key ${describeKey(nullKey[0]!)} has a NULL part; every row needs a full @unique_key`,
      undefined,
      RUN_CODES.nullKey,
    );
  }
  const dup = await store.queryJson(
    `SELECT ${keyList}, count(*) AS _n, count(*) OVER () AS _keys FROM ${stage} GROUP BY ALL HAVING count(*) > 1 ORDER BY _n DESC LIMIT 1`,
  );
  if (dup.length > 0) {
    const { _n, _keys, ...key } = dup[0]!;
    const others = Number(_keys) - 1;
    const more =
      others > 0
        ? ` (and ${others} other key${others === 1 ? ' repeats' : 's repeat'}: ${String(_keys)} in all)`
        : '';
    throw new ModelError(
      model.name,
      model.file,
      `merge key ${describeKey(key)} appears ${String(_n)} times in the model's result${more}; each @unique_key must be unique`,
      undefined,
      RUN_CODES.duplicateKey,
    );
  }
}

export function describeKey(key: Record<string, unknown>): string {
  const parts = Object.entries(key).map(
    ([k, v]) => `${k}=${typeof v === 'string' ? JSON.stringify(v) : String(v)}`,
  );
  return `(${parts.join(', ')})`;
}
