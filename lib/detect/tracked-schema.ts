// The schema step of a tracked run: the checks of the tracked query's columns and keys, and
// bringing the model's table up to date before the delta is found. A run (not `ebb plan`,
// which is read-only) does it in a committed step of its own: columns the query gained are
// added, a changed type is adopted when every stored value keeps its canonical form, and
// hashes of another hash version are recomputed from stored content. What cannot be adopted
// (a changed @unique_key, a type change that would alter a stored value) is refused with the fix.

import type { EbbCode } from '../error-codes.js';
import { ModelError, RUN_CODES } from '../errors.js';
import type { Model } from '../project/index.js';
import {
  describeKey,
  markTracked,
  trackedKeyText,
  TRACKING_COLUMNS,
  type Params,
  type Store,
  type TrackedState,
} from '../store/index.js';
import type { Column } from './canonical.js';
import { isEmpty, schemaChange, type SchemaChange } from './schema.js';
import {
  addColumnSql,
  alterTypeSql,
  keyCheckSql,
  keyOrderSql,
  lossySql,
  nullKeySampleSql,
  rehashSql,
  repeatedKeySampleSql,
} from './tracked-sql.js';

/** Column names a tracked query cannot return: a row's own attributes. */
export const ROW_ATTRIBUTES = ['change', 'before'] as const;

/** A tracked model's table, as the schema step sees it. */
export interface SchemaTarget {
  readonly store: Store;
  readonly model: Model;
  /** The model's table, quoted. */
  readonly target: string;
}

function fail(model: Model, message: string, code?: EbbCode): never {
  throw new ModelError(model.name, model.file, message, undefined, code);
}

/** checkColumns refuses a tracked query without the key, with reserved or attribute names, or with a name twice. */
export function checkColumns(model: Model, columns: readonly Column[]): void {
  const names = new Set(columns.map((c) => c.name.toLowerCase()));
  const missing = model.uniqueKey.filter((k) => !names.has(k.toLowerCase()));
  if (missing.length > 0) {
    fail(
      model,
      `@unique_key column ${missing.join(', ')} is not in the tracked query's result (columns: ${columns.map((c) => c.name).join(', ')})`,
    );
  }
  const reserved = columns.find((c) => c.name.toLowerCase().startsWith('_ebb_'));
  if (reserved) fail(model, `column ${reserved.name} uses the reserved prefix _ebb_; rename it in the query`);
  const attribute = columns.find((c) => (ROW_ATTRIBUTES as readonly string[]).includes(c.name.toLowerCase()));
  if (attribute) {
    fail(
      model,
      `the tracked query returns a column named ${attribute.name}, which would hide the row's .${attribute.name.toLowerCase()}; rename it in the query (SELECT ${attribute.name} AS ${attribute.name.toLowerCase()}_value …)`,
    );
  }
  if (names.size !== columns.length)
    fail(model, 'the tracked query returns two columns with the same name; alias them apart');
}

/**
 * checkKeys refuses a NULL key part or a repeated key in `table` (a table or subquery), naming
 * the key. `ordered`: the table was written in key order, where keys that only ever rise (or
 * fall) from row to row are told apart without counting them (keyOrderSql).
 */
export async function checkKeys(
  t: SchemaTarget,
  table: string,
  params: Params = [],
  ordered = false,
): Promise<void> {
  const keys = t.model.uniqueKey;
  if (ordered) {
    const o = (await t.store.queryJson(keyOrderSql(keys, table), params))[0]!;
    if (Number(o['nulls']) === 0 && (Number(o['up']) === 0 || Number(o['down']) === 0)) return;
  }
  const r = (await t.store.queryJson(keyCheckSql(keys, table), params))[0]!;
  if (Number(r['nulls']) > 0) {
    const row = (await t.store.queryJson(nullKeySampleSql(keys, table), params))[0]!;
    fail(
      t.model,
      `query() returned a row whose @unique_key ${describeKey(row)} has a NULL part; every row needs a full key (leave such rows out: WHERE ${keys.join(' IS NOT NULL AND ')} IS NOT NULL)`,
      RUN_CODES.nullKey,
    );
  }
  if (Number(r['repeats']) > 0) {
    const { _n, _keys, ...key } = (await t.store.queryJson(repeatedKeySampleSql(keys, table), params))[0]!;
    const others = Number(_keys) - 1;
    const more =
      others > 0
        ? ` (and ${others} other key${others === 1 ? ' repeats' : 's repeat'}: ${String(_keys)} in all)`
        : '';
    fail(
      t.model,
      `query() returned key ${describeKey(key)} ${String(_n)} times${more}; each @unique_key must appear once (deduplicate it in the SQL)`,
      RUN_CODES.duplicateKey,
    );
  }
}

/**
 * loadStored reads the table's own columns (the table exists). A table written by another
 * kind of model holds no delivery state: refuse to guess.
 */
export async function loadStored(t: SchemaTarget): Promise<Column[]> {
  const cols = await t.store.columnsOf(`SELECT * FROM ${t.target}`);
  if (!cols.some((c) => c.name === '_ebb_hash')) {
    fail(
      t.model,
      `table ${t.model.name} exists but holds no delivery state (it was written by a model of another kind); run "ebb run --full-refresh ${t.model.name}" to start tracking from scratch (every row is sent)`,
    );
  }
  return cols.filter((c) => !TRACKING_COLUMNS.some((k) => k.name === c.name));
}

/** The stored side of a delta after the schema step. */
export interface StoredSide {
  /** The table's own columns, or undefined while there is no table. */
  readonly stored: Column[] | undefined;
  /** Whether the stored hashes are of another version and must be computed on the fly (ebb plan). */
  readonly rehash: boolean;
}

/**
 * prepareStored checks the table against the query's `columns` and, unless `readOnly`, brings
 * it up to date (see the file's comment). `version` is this ebb's hash version on this DuckDB.
 */
export async function prepareStored(
  t: SchemaTarget,
  state: TrackedState,
  columns: readonly Column[],
  version: number,
  readOnly: boolean,
): Promise<StoredSide> {
  if (!state.tableExists) return { stored: undefined, rehash: false };
  const stored = await loadStored(t);
  const change = schemaChange(stored, columns, t.model.uniqueKey);
  await checkSchema(t, change);
  checkKeyUnchanged(t.model, state.uniqueKey);
  const rehash = state.hashVersion !== version;
  if (readOnly || !(rehash || !isEmpty(change) || state.uniqueKey === undefined)) return { stored, rehash };
  return { stored: await migrate(t, change, rehash, version), rehash: false };
}

/**
 * checkSchema refuses what cannot be adopted: a changed @unique_key, or a type change that
 * would alter a stored value's canonical form (the next delta would lie).
 */
async function checkSchema(t: SchemaTarget, change: SchemaChange): Promise<void> {
  const name = t.model.name;
  if (change.missingKeys.length > 0) {
    fail(
      t.model,
      `the @unique_key changed: table ${name} holds no column ${change.missingKeys.join(', ')}; run "ebb run --full-refresh ${name}" to start tracking by the new key (every row is sent)`,
    );
  }
  for (const r of change.retyped) {
    let lossy: number;
    try {
      lossy = Number(await t.store.scalar(lossySql(t.target, r.name, r.from, r.to)));
    } catch {
      // DuckDB has no cast between the two types at all.
      lossy = Number.NaN;
    }
    if (lossy === 0) continue;
    const what = Number.isNaN(lossy)
      ? 'the stored values cannot be converted'
      : `${lossy} stored value${lossy === 1 ? '' : 's'} would change`;
    const key = t.model.uniqueKey.some((k) => k.toLowerCase() === r.name.toLowerCase())
      ? ' (a @unique_key column)'
      : '';
    fail(
      t.model,
      `column ${r.name}${key} changed type from ${r.from.toString()} to ${r.to.toString()} and ${what}; cast it back in the query, or run "ebb run --full-refresh ${name}" to deliver every row again`,
    );
  }
}

/**
 * checkKeyUnchanged refuses a @unique_key other than the one the stored rows are keyed by
 * (`stored`, a trackedKeyText; undefined for rows stored before ebb recorded it).
 */
function checkKeyUnchanged(model: Model, stored: string | undefined): void {
  if (stored === undefined || stored === trackedKeyText(model.uniqueKey)) return;
  const was = (JSON.parse(stored) as string[]).join(', ');
  fail(
    model,
    `the @unique_key changed from ${was} to ${model.uniqueKey.join(', ')}: the rows of ${model.name} were delivered by the old key; run "ebb run --full-refresh ${model.name}" to start tracking by the new key (every row is sent), or put the old key back`,
  );
}

/** migrate is a run's schema step, committed on its own: add columns, adopt types, re-hash. Returns the table's columns after it. */
async function migrate(
  t: SchemaTarget,
  change: SchemaChange,
  rehash: boolean,
  version: number,
): Promise<Column[]> {
  return t.store.transaction(async () => {
    for (const c of change.added) await t.store.exec(addColumnSql(t.target, c));
    for (const r of change.retyped) await t.store.exec(alterTypeSql(t.target, r.name, r.to));
    const stored = await loadStored(t);
    if (rehash) for (const statement of rehashSql(t.target, stored)) await t.store.exec(statement);
    await markTracked(t.store, t.model.name, version, t.model.uniqueKey);
    return stored;
  });
}
