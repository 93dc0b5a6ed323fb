// TrackedSession is one run of a tracked model against its table: it finds the delta
// (new, changed and deleted keys) in DuckDB, hands it out page by page, and records
// acknowledgements. The model's table is the hash table: the key columns, the row's
// columns, _ebb_hash (the canonical hash of the delivered version), _ebb_saved_at and
// _ebb_run_id.

import { DuckDBTypeId, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { ModelError } from '../errors.js';
import { quoteIdent, quotedTable, type Model } from '../project/index.js';
import { describeKey, sqlLiteral, sqlString, type Params, type Store } from '../store/index.js';
import { HASH_VERSION, rowHashSql, type Column } from './canonical.js';

/** Columns ebb adds to a tracked model's table; never part of the hash or of a row. */
export const TRACKING_COLUMNS = ['_ebb_hash', '_ebb_saved_at', '_ebb_run_id'] as const;

const CUR = '_ebb_cur';
const DELTA = '_ebb_delta';
const GONE = '_ebb_gone';

export interface DeltaCounts {
  readonly new: number;
  readonly changed: number;
  readonly deleted: number;
}

/** A delta row as it leaves DuckDB: its sequence number, change, columns and before. */
export interface DeltaPage {
  readonly columns: readonly string[];
  readonly types: readonly DuckDBType[];
  /** The type of `before` (a struct of the stored columns), when rows have one. */
  readonly beforeType: DuckDBType | undefined;
  readonly rows: ReadonlyArray<{
    readonly seq: number;
    readonly change: 'new' | 'changed' | 'deleted';
    readonly values: readonly DuckDBValue[];
    readonly before: DuckDBValue;
  }>;
}

export class TrackedSession {
  readonly model: Model;
  readonly #store: Store;
  readonly #target: string;
  readonly #runId: string;
  #sql: string | undefined;
  #columns: Column[] = [];
  /** The table's own columns (what was delivered), or undefined while there is no table. */
  #stored: Column[] | undefined;
  #counts: DeltaCounts | undefined;
  #goneReady = false;
  #saved = 0;
  #deletedAcked = 0;

  readonly #inTransaction: boolean;

  /** With `inTransaction`, the caller holds a transaction (ebb plan rolls it back). */
  constructor(store: Store, model: Model, runId: string, options: { inTransaction?: boolean } = {}) {
    this.#inTransaction = options.inTransaction ?? false;
    this.#store = store;
    this.model = model;
    this.#target = quotedTable(model);
    this.#runId = runId;
  }

  get sql(): string | undefined {
    return this.#sql;
  }
  get counts(): DeltaCounts | undefined {
    return this.#counts;
  }
  get saved(): number {
    return this.#saved;
  }
  get deletedAcked(): number {
    return this.#deletedAcked;
  }
  get columns(): readonly Column[] {
    return this.#columns;
  }

  #keyJoin(a: string, b: string): string {
    return this.model.uniqueKey.map((k) => `${a}.${quoteIdent(k)} = ${b}.${quoteIdent(k)}`).join(' AND ');
  }

  #keyList(qualifier?: string): string {
    return this.model.uniqueKey.map((k) => (qualifier ? `${qualifier}.` : '') + quoteIdent(k)).join(', ');
  }

  /**
   * computeDelta hashes the query's rows and compares them with the table, in DuckDB. It
   * fails when a key is NULL or appears twice. Rows are read by page(); nothing is written
   * to the model's table.
   */
  async computeDelta(sql: string, params: Params = []): Promise<DeltaCounts> {
    const model = this.model;
    const body = sql.replace(/;\s*$/, '');
    const columns = await this.#store.columnsOf(body);
    this.#checkColumns(columns);
    this.#sql = sql;
    this.#columns = columns;
    this.#stored = await this.#loadStored();
    const exists = this.#stored !== undefined;
    if (exists) await this.#rehashIfNeeded();
    const keys = this.#keyList();
    const hash = rowHashSql(columns, 'q');
    await this.#store.exec(
      `CREATE OR REPLACE TEMP TABLE ${CUR} AS SELECT ${this.#keyList('q')}, ${hash} AS _ebb_hash FROM (${body}\n) AS q`,
      params,
    );
    const nullKey = await this.#store.queryJson(
      `SELECT ${keys} FROM ${CUR} WHERE ${model.uniqueKey.map((k) => `${quoteIdent(k)} IS NULL`).join(' OR ')} LIMIT 1`,
    );
    if (nullKey.length > 0) {
      throw new ModelError(model.name, model.file, `query() returned a row whose @unique_key ${describeKey(nullKey[0]!)} has a NULL part; every row needs a full key`);
    }
    const distinctKey = model.uniqueKey.length === 1 ? keys : `(${keys})`;
    const repeats = Number(await this.#store.scalar(`SELECT (count(*) - count(DISTINCT ${distinctKey}))::DOUBLE FROM ${CUR}`));
    if (repeats > 0) {
      const dup = await this.#store.queryJson(
        `SELECT ${keys}, count(*) AS _n FROM ${CUR} GROUP BY ALL HAVING count(*) > 1 ORDER BY _n DESC LIMIT 1`,
      );
      const { _n, ...key } = dup[0]!;
      throw new ModelError(model.name, model.file, `query() returned key ${describeKey(key)} ${String(_n)} times; each @unique_key must appear once (deduplicate it in the SQL)`);
    }
    const userColumns = columns.map((c) => `q.${quoteIdent(c.name)}`).join(', ');
    const first = quoteIdent(model.uniqueKey[0]!);
    // One full join of the current hashes with the stored ones finds new, changed and deleted keys.
    if (exists) {
      await this.#store.exec(
        `CREATE OR REPLACE TEMP TABLE _ebb_dk AS
         SELECT ${model.uniqueKey.map((k) => `coalesce(c.${quoteIdent(k)}, t.${quoteIdent(k)}) AS ${quoteIdent(k)}`).join(', ')},
                CASE WHEN t.${first} IS NULL THEN 'new' WHEN c.${first} IS NULL THEN 'deleted' ELSE 'changed' END AS _ebb_change
           FROM ${CUR} AS c FULL OUTER JOIN ${this.#target} AS t ON ${this.#keyJoin('c', 't')}
          WHERE t.${first} IS NULL OR c.${first} IS NULL OR t._ebb_hash <> c._ebb_hash`,
      );
    } else {
      await this.#store.exec(`CREATE OR REPLACE TEMP TABLE _ebb_dk AS SELECT ${keys}, 'new' AS _ebb_change FROM ${CUR}`);
    }
    const dk = await this.#store.queryJson(
      `SELECT count(*) FILTER (WHERE _ebb_change = 'new')::DOUBLE AS n, count(*) FILTER (WHERE _ebb_change = 'changed')::DOUBLE AS c,
              count(*) FILTER (WHERE _ebb_change = 'deleted')::DOUBLE AS d FROM _ebb_dk`,
    );
    const n = Number(dk[0]!['n']);
    const c = Number(dk[0]!['c']);
    const deleted = Number(dk[0]!['d']);
    if (n + c > 0) {
      const before = exists ? this.#beforeExpr('t') : 'NULL';
      const tJoin = exists ? `LEFT JOIN ${this.#target} AS t ON ${this.#keyJoin('q', 't')}` : '';
      await this.#store.exec(
        `CREATE OR REPLACE TEMP TABLE ${DELTA} AS
         SELECT row_number() OVER (ORDER BY ${this.#keyList('q')}) AS _ebb_seq, ${userColumns},
                ${hash} AS _ebb_hash, dk._ebb_change, ${before} AS _ebb_before
           FROM (${body}\n) AS q JOIN _ebb_dk AS dk ON ${this.#keyJoin('q', 'dk')} AND dk._ebb_change <> 'deleted' ${tJoin}`,
        params,
      );
      if (exists) await this.#addNewColumns();
    } else {
      await this.#store.exec(
        `CREATE OR REPLACE TEMP TABLE ${DELTA} AS SELECT 0::BIGINT AS _ebb_seq, ${userColumns}, NULL::UHUGEINT AS _ebb_hash,
                '' AS _ebb_change, NULL AS _ebb_before FROM (${body}\n) AS q LIMIT 0`,
        params,
      );
    }
    this.#counts = { new: n, changed: c, deleted };
    return this.#counts;
  }

  #checkColumns(columns: readonly Column[]): void {
    const model = this.model;
    const names = new Set(columns.map((c) => c.name.toLowerCase()));
    const missing = model.uniqueKey.filter((k) => !names.has(k.toLowerCase()));
    if (missing.length > 0) {
      throw new ModelError(model.name, model.file, `@unique_key column ${missing.join(', ')} is not in the tracked query's result (columns: ${columns.map((c) => c.name).join(', ')})`);
    }
    const reserved = columns.filter((c) => c.name.toLowerCase().startsWith('_ebb_'));
    if (reserved.length > 0) {
      throw new ModelError(model.name, model.file, `column ${reserved[0]!.name} uses the reserved prefix _ebb_; rename it in the query`);
    }
    if (names.size !== columns.length) {
      throw new ModelError(model.name, model.file, 'the tracked query returns two columns with the same name; alias them apart');
    }
  }

  /** The table's own columns (what was delivered), as a struct: a row's `.before`. */
  #beforeExpr(alias: string): string {
    const cols = this.#stored ?? [];
    if (cols.length === 0) return 'NULL';
    const fields = cols.map((c) => `${quoteIdent(c.name)} := ${alias}.${quoteIdent(c.name)}`).join(', ');
    return `CASE WHEN ${alias}._ebb_hash IS NULL THEN NULL ELSE struct_pack(${fields}) END`;
  }

  /**
   * #loadStored reads the table's own columns, or undefined when there is no table yet. A
   * table written by another kind of model holds no delivery state: refuse to guess.
   */
  async #loadStored(): Promise<Column[] | undefined> {
    if ((await this.#store.objectType(this.model.schema, this.model.table)) !== 'table') return undefined;
    const cols = await this.#store.columnsOf(`SELECT * FROM ${this.#target}`);
    if (!cols.some((c) => c.name === '_ebb_hash')) {
      throw new ModelError(
        this.model.name,
        this.model.file,
        `table ${this.model.name} exists but holds no delivery state (it was written by a model of another kind); run "ebb run --full-refresh ${this.model.name}" to start tracking from scratch (every row is sent)`,
      );
    }
    return cols.filter((c) => !(TRACKING_COLUMNS as readonly string[]).includes(c.name));
  }

  /** New query columns are added to the table; a changed type is an error that says what to do. */
  async #addNewColumns(): Promise<void> {
    const have = new Map((this.#stored ?? []).map((c) => [c.name.toLowerCase(), c]));
    const added: Column[] = [];
    for (const c of this.#columns) {
      const old = have.get(c.name.toLowerCase());
      if (!old) {
        await this.#store.exec(`ALTER TABLE ${this.#target} ADD COLUMN ${quoteIdent(c.name)} ${c.type.toString()}`);
        added.push(c);
      } else if (!sameType(old.type, c.type)) {
        throw new ModelError(
          this.model.name,
          this.model.file,
          `column ${c.name} changed type from ${old.type.toString()} to ${c.type.toString()}; cast it back in the query, or run "ebb run --full-refresh ${this.model.name}" to deliver every row again`,
        );
      }
    }
    this.#stored = [...(this.#stored ?? []), ...added];
  }

  /** Stored rows carrying an older hash version are re-hashed from their stored content. */
  async #rehashIfNeeded(): Promise<void> {
    const rows = await this.#store.query(`SELECT hash_version FROM _ebb.tracked WHERE model = ?`, [this.model.name]);
    const version = rows.length === 0 ? undefined : Number(rows[0]!['hash_version']);
    if (version === HASH_VERSION) return;
    const cols = this.#stored ?? [];
    const rehash = async () => {
      await this.#store.exec(`UPDATE ${this.#target} SET _ebb_hash = ${rowHashSql(cols)}`);
      await this.#markVersion();
    };
    if (this.#inTransaction) await rehash();
    else await this.#store.transaction(rehash);
  }

  async #markVersion(): Promise<void> {
    await this.#store.exec(
      `INSERT OR REPLACE INTO _ebb.tracked (model, hash_version, updated_at) VALUES (?, ?, now())`,
      [this.model.name, HASH_VERSION],
    );
  }

  /** page returns delta rows with seq > after, in key order. */
  async page(after: number, limit: number): Promise<DeltaPage> {
    const userColumns = this.#columns.map((c) => quoteIdent(c.name)).join(', ');
    const r = await this.#store.rows(
      `SELECT _ebb_seq, _ebb_change, _ebb_before, ${userColumns} FROM ${DELTA}
        WHERE ${seqRange(after, limit)} ORDER BY _ebb_seq`,
    );
    return {
      columns: this.#columns.map((c) => c.name),
      types: r.types.slice(3),
      beforeType: r.types[2]?.typeId === DuckDBTypeId.STRUCT ? r.types[2] : undefined,
      rows: r.rows.map((row) => ({
        seq: Number(row[0] as bigint),
        change: row[1] as 'new' | 'changed',
        before: row[2] ?? null,
        values: row.slice(3),
      })),
    };
  }

  /** deletedPage returns the last saved version of keys gone from the query. */
  async deletedPage(after: number, limit: number): Promise<DeltaPage> {
    const cols = this.#stored;
    if (cols === undefined) return { columns: [], types: [], beforeType: undefined, rows: [] };
    if (!this.#goneReady) {
      await this.#store.exec(
        `CREATE OR REPLACE TEMP TABLE ${GONE} AS
         SELECT row_number() OVER (ORDER BY ${this.#keyList('t')}) AS _ebb_seq, t.*
           FROM ${this.#target} AS t SEMI JOIN (SELECT * FROM _ebb_dk WHERE _ebb_change = 'deleted') AS dk ON ${this.#keyJoin('t', 'dk')}`,
      );
      this.#goneReady = true;
    }
    const list = cols.map((c) => quoteIdent(c.name)).join(', ');
    const r = await this.#store.rows(
      `SELECT _ebb_seq, ${list} FROM ${GONE} WHERE ${seqRange(after, limit)} ORDER BY _ebb_seq`,
    );
    return {
      columns: cols.map((c) => c.name),
      types: r.types.slice(1),
      beforeType: undefined,
      rows: r.rows.map((row) => ({ seq: Number(row[0] as bigint), change: 'deleted', before: null, values: row.slice(1) })),
    };
  }

  /**
   * ack records that the delta rows `seqs` were delivered: in one transaction, each key's
   * stored version becomes the one query() returned. Returns the number of rows recorded.
   */
  async ack(seqs: readonly number[]): Promise<number> {
    if (seqs.length === 0) return 0;
    const where = seqFilter(seqs);
    const userColumns = this.#columns.map((c) => quoteIdent(c.name)).join(', ');
    const picked = `SELECT ${userColumns}, _ebb_hash FROM ${DELTA} WHERE ${where}`;
    const n = await this.#store.transaction(async () => {
      if (this.#stored === undefined) {
        await this.#store.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.model.schema)}`);
        await this.#store.exec(
          `CREATE TABLE ${this.#target} AS SELECT ${userColumns}, _ebb_hash, now() AS _ebb_saved_at, ''::VARCHAR AS _ebb_run_id FROM ${DELTA} LIMIT 0`,
        );
        await this.#markVersion();
      }
      // New keys have no stored version; only changed ones replace a row.
      const changed = Number(await this.#store.scalar(`SELECT count(*)::DOUBLE FROM ${DELTA} WHERE (${where}) AND _ebb_change = 'changed'`));
      if (changed > 0) {
        await this.#store.exec(
          `DELETE FROM ${this.#target} AS t USING (${picked} AND _ebb_change = 'changed') AS d WHERE ${this.#keyJoin('t', 'd')}`,
        );
      }
      return Number(
        await this.#store.scalar(
          `INSERT INTO ${this.#target} BY NAME SELECT *, now() AS _ebb_saved_at, ${sqlString(this.#runId)} AS _ebb_run_id FROM (${picked})`,
        ),
      );
    });
    // Set after the commit: a rolled-back first batch leaves no table behind.
    this.#stored ??= this.#columns;
    this.#saved += n;
    return n;
  }

  /** ackDeleted records that the deletion of the gone keys `seqs` was handled. */
  async ackDeleted(seqs: readonly number[]): Promise<number> {
    if (seqs.length === 0 || !this.#goneReady) return 0;
    const where = seqFilter(seqs);
    const n = await this.#store.transaction(async () =>
      Number(
        await this.#store.scalar(
          `DELETE FROM ${this.#target} AS t USING (SELECT * FROM ${GONE} WHERE ${where}) AS g WHERE ${this.#keyJoin('t', 'g')}`,
        ),
      ),
    );
    this.#deletedAcked += n;
    return n;
  }

  /**
   * seqsForKeys finds the delta rows (or deleted rows) of the given keys, for save.row and
   * save.delete with a plain dict. Key values arrive as the model saw them (ISO strings for
   * times, exact digits for decimals) and are cast to the key columns' types.
   */
  async seqsForKeys(keys: ReadonlyArray<readonly unknown[]>, deleted: boolean): Promise<Map<string, number>> {
    const table = deleted ? GONE : DELTA;
    const out = new Map<string, number>();
    if (keys.length === 0 || (deleted && !this.#goneReady)) return out;
    const columns = (deleted ? this.#stored : this.#columns) ?? [];
    const typeOf = (k: string) => columns.find((c) => c.name.toLowerCase() === k.toLowerCase())!.type.toString();
    const names = this.model.uniqueKey.map((k) => quoteIdent(k));
    const values = keys.map((k) => `(${k.map(sqlLiteral).join(', ')})`).join(', ');
    const on = this.model.uniqueKey.map((k) => `d.${quoteIdent(k)} = CAST(v.${quoteIdent(k)} AS ${typeOf(k)})`).join(' AND ');
    const rows = await this.#store.queryJson(
      `SELECT d._ebb_seq::DOUBLE AS _seq, ${names.map((n, i) => `CAST(v.${n} AS VARCHAR) AS _k${i}`).join(', ')}
         FROM ${table} AS d JOIN (VALUES ${values}) AS v(${names.join(', ')}) ON ${on}`,
    );
    for (const r of rows) out.set(keyString(this.model.uniqueKey.map((_k, i) => r[`_k${i}`])), Number(r['_seq']));
    return out;
  }

  /** close drops the session's temporary tables. */
  async close(): Promise<void> {
    for (const t of [CUR, DELTA, GONE, '_ebb_dk']) await this.#store.exec(`DROP TABLE IF EXISTS temp.main.${t}`).catch(() => undefined);
  }
}

/** forget drops a tracked model's delivered state, so every row is new again. */
export async function forgetTracked(store: Store, model: Model): Promise<void> {
  await store.transaction(async () => {
    await store.exec(`DROP TABLE IF EXISTS ${quotedTable(model)}`);
    await store.exec(`DELETE FROM _ebb.tracked WHERE model = ?`, [model.name]);
  });
}

/** seqRange selects the page after `after`: sequence numbers are dense, so a range is exact. */
function seqRange(after: number, limit: number): string {
  const from = Math.floor(after) + 1;
  return `_ebb_seq BETWEEN ${from} AND ${from + Math.floor(limit) - 1}`;
}

/** seqFilter selects sequence numbers as ranges (acks are mostly consecutive). */
function seqFilter(seqs: readonly number[]): string {
  const sorted = [...new Set(seqs.map((s) => Math.floor(s)))].sort((a, b) => a - b);
  const ranges: string[] = [];
  let start = sorted[0]!;
  let prev = start;
  for (const s of [...sorted.slice(1), Number.NaN]) {
    if (s === prev + 1) {
      prev = s;
      continue;
    }
    ranges.push(start === prev ? `_ebb_seq = ${start}` : `_ebb_seq BETWEEN ${start} AND ${prev}`);
    start = s;
    prev = s;
  }
  return `(${ranges.join(' OR ')})`;
}

export function keyString(values: readonly unknown[]): string {
  return values.map((v) => (v === null || v === undefined ? '\u0000' : String(v))).join('\u0001');
}


function sameType(a: DuckDBType, b: DuckDBType): boolean {
  if (a.typeId !== b.typeId) return false;
  if (a.typeId === DuckDBTypeId.DECIMAL || a.typeId === DuckDBTypeId.LIST || a.typeId === DuckDBTypeId.STRUCT) {
    return a.toString() === b.toString();
  }
  return true;
}
