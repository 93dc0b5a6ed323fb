// TrackedSession is one run of a tracked model against its table: it finds the delta (new,
// changed and deleted keys) in DuckDB, hands it out page by page, and records
// acknowledgements. The model's table is the hash table: the key columns, the row's columns,
// _ebb_hash (the canonical hash of the delivered version), _ebb_saved_at and _ebb_run_id.
// The statements come from tracked-sql.ts; this class runs them and keeps the run's state.
//
// Finding the delta writes only temporary tables. A run (not `ebb plan`, which is read-only)
// first brings the table up to date in a committed step of its own: columns the query
// gained are added, a changed type is adopted when every stored value keeps its canonical
// form, and hashes of another hash version are recomputed from stored content.

import { DuckDBTypeId, type DuckDBType, type DuckDBValue } from '../store/duckdb-api.js';
import { ModelError, RUN_CODES } from '../errors.js';
import { quoteIdent, quotedTable, type Model } from '../project/index.js';
import { describeKey, orderedBy, type Params, type Store } from '../store/index.js';
import { hashVersion, type Column } from './canonical.js';
import {
  jsonKinds,
  jsonPageSql,
  plainFormsSql,
  type JsonKind,
  type JsonPageText,
  type JsonRowTexts,
  type JsonValues,
} from './json-page.js';
import { rowJsonSql } from './row-json.js';
import { SeqRuns } from './seq-runs.js';
import { isEmpty, schemaChange, type SchemaChange } from './schema.js';
import { queryBody } from './sql-body.js';
import {
  ackDeletedSql,
  ackStatements,
  stateSql,
  addColumnSql,
  alterTypeSql,
  countsSql,
  createTableSql,
  DELTA,
  deletedPageSql,
  deltaSql,
  diffSql,
  heldBackSql,
  rejectedHashesSql,
  emptyDeltaSql,
  GONE,
  goneSql,
  keyCheckSql,
  keysOf,
  lossySql,
  sizesSql,
  markVersionSql,
  nullKeySampleSql,
  pageSql,
  keyText,
  rehashSql,
  repeatedKeySampleSql,
  seqRange,
  seqsForKeysSql,
  storedSource,
  TEMP_TABLES,
  type Shape,
} from './tracked-sql.js';

/** Columns ebb adds to a tracked model's table; never part of the hash or of a row. */
export const TRACKING_COLUMNS = ['_ebb_hash', '_ebb_saved_at', '_ebb_run_id'] as const;

/** Delta rows read from DuckDB per query. */
const BLOCK = 16_384;

/** Column names a tracked query cannot return: a row's own attributes. */
export const ROW_ATTRIBUTES = ['change', 'before'] as const;

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

/** A page of delta rows as DuckDB's JSON text (json-page.ts); no text when the page is empty. */
export interface JsonDeltaPage {
  readonly columns: readonly string[];
  readonly first: number;
  readonly count: number;
  readonly json?: JsonPageText;
}

export class TrackedSession {
  readonly model: Model;
  readonly #store: Store;
  readonly #target: string;
  readonly #runId: string;
  readonly #readOnly: boolean;
  #sql: string | undefined;
  #columns: Column[] = [];
  /** The table's own columns (what was delivered), or undefined while there is no table. */
  #stored: Column[] | undefined;
  #counts: DeltaCounts | undefined;
  #goneReady = false;
  #saved = 0;
  #deletedAcked = 0;
  /** Which delta (and deleted) rows are stored already: acknowledging a row twice stores it once. */
  #acked = new Uint8Array(0);
  #deletedDone = new Uint8Array(0);
  /** The hash version of this ebb on this DuckDB (hashVersion). */
  #version = 0;
  /** The stored columns that make up each delta row's before (as when the delta was computed). */
  #beforeColumns: readonly Column[] | undefined;
  /** The JSON kinds of the delta's columns and of its before, or undefined (no JSON pages). */
  #kinds: JsonKind[] | undefined;
  #beforeKinds: JsonKind[] | undefined;
  /** Which delta columns travel in their plain JSON form (found once per delta, when first paged). */
  #plain: boolean[] | undefined;
  /** The expression of a delta row's JSON text (row-json.ts), when its columns allow one. */
  #rowJson: string | undefined;
  /** The block of delta rows last read from DuckDB (see page). */
  #block: { first: number; size: number; page: DeltaPage } | undefined;

  /** With `readOnly` (ebb plan), the session never writes the model's table nor ebb's state. */
  constructor(store: Store, model: Model, runId: string, options: { readOnly?: boolean } = {}) {
    this.#readOnly = options.readOnly ?? false;
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

  get #shape(): Shape {
    return {
      target: this.#target,
      keys: this.model.uniqueKey,
      columns: this.#columns,
      stored: this.#stored,
      model: this.model.name,
    };
  }

  /**
   * computeDelta hashes the query's rows and compares them with the table, in DuckDB. It
   * fails when a key is NULL or appears twice. Rows are read by page(); nothing is written
   * to the model's table (a run's schema step aside, see the file's comment).
   */
  async computeDelta(sql: string, params: Params = []): Promise<DeltaCounts> {
    const body = queryBody(sql);
    const columns = await this.#store.columnsOf(body);
    this.#checkColumns(columns);
    this.#sql = sql;
    this.#columns = columns;
    // One look-up for the table, its stored hash version and the DuckDB release.
    const state = (
      await this.#store.query(stateSql(), [
        this.model.schema,
        this.model.table,
        this.model.name,
        this.model.name,
      ])
    )[0]!;
    const version = hashVersion(String(state['duckdb']));
    this.#version = version;
    this.#stored = Number(state['tables']) > 0 ? await this.#loadStored() : undefined;
    let rehash = false;
    if (this.#stored !== undefined) {
      const change = schemaChange(this.#stored, columns, this.model.uniqueKey);
      await this.#checkSchema(change);
      const storedKey =
        state['stored_key'] === null || state['stored_key'] === undefined
          ? undefined
          : String(state['stored_key']);
      this.#checkKeyUnchanged(storedKey);
      rehash = (state['stored_version'] === null ? undefined : Number(state['stored_version'])) !== version;
      if (!this.#readOnly && (rehash || !isEmpty(change) || storedKey === undefined)) {
        await this.#migrate(change, rehash, version);
        rehash = false;
      }
    }
    const shape = this.#shape;
    const stored = storedSource(shape, rehash);
    let counts: DeltaCounts;
    if (shape.stored === undefined) {
      const order = await orderedBy(this.#store, body);
      const sortedByKey =
        order !== undefined &&
        order.map((n) => n.toLowerCase()).join('\0') === shape.keys.map((k) => k.toLowerCase()).join('\0');
      await this.#store.exec(deltaSql(shape, body, stored, sortedByKey), params);
      const held = await this.#store.scalar(
        `SELECT count(*)::DOUBLE FROM ${rejectedHashesSql(this.model.name)}`,
      );
      await this.#store.exec(heldBackSql(shape, body, Number(held) > 0), params);
      await this.#checkKeys(DELTA);
      counts = {
        new: Number(await this.#store.scalar(`SELECT count(*)::DOUBLE FROM ${DELTA}`)),
        changed: 0,
        deleted: 0,
      };
    } else {
      await this.#store.exec(diffSql(shape, body, stored), params);
      const dk = (await this.#store.queryJson(countsSql(shape.keys)))[0]!;
      counts = { new: Number(dk['n']), changed: Number(dk['c']), deleted: Number(dk['d']) };
      const sizes = (await this.#store.queryJson(sizesSql(body, shape.target), params))[0]!;
      const matched = Number(sizes['rows']) - counts.new - Number(dk['rn']);
      if (
        Number(dk['nulls']) > 0 ||
        Number(dk['repeats']) > 0 ||
        matched !== Number(sizes['stored']) - counts.deleted
      ) {
        // Something is off: the full check finds the key to name.
        await this.#checkKeys(keysOf(shape, body), params);
      }
      if (counts.new + counts.changed > 0) await this.#store.exec(deltaSql(shape, body, stored), params);
      else await this.#store.exec(emptyDeltaSql(shape, body), params);
    }
    this.#beforeColumns = shape.stored && shape.stored.length > 0 ? shape.stored : undefined;
    this.#beforeKinds = this.#beforeColumns && jsonKinds(this.#beforeColumns);
    this.#kinds = this.#beforeColumns && !this.#beforeKinds ? undefined : jsonKinds(columns);
    this.#plain = undefined;
    this.#rowJson = this.#kinds && rowJsonSql(columns, this.#kinds, 'p');
    this.#acked = new Uint8Array(counts.new + counts.changed + 1);
    this.#block = undefined;
    this.#deletedDone = new Uint8Array(counts.deleted + 1);
    this.#counts = counts;
    return counts;
  }

  #fail(message: string, code?: string): never {
    throw new ModelError(this.model.name, this.model.file, message, undefined, code);
  }

  #checkColumns(columns: readonly Column[]): void {
    const names = new Set(columns.map((c) => c.name.toLowerCase()));
    const missing = this.model.uniqueKey.filter((k) => !names.has(k.toLowerCase()));
    if (missing.length > 0) {
      this.#fail(
        `@unique_key column ${missing.join(', ')} is not in the tracked query's result (columns: ${columns.map((c) => c.name).join(', ')})`,
      );
    }
    const reserved = columns.find((c) => c.name.toLowerCase().startsWith('_ebb_'));
    if (reserved)
      this.#fail(`column ${reserved.name} uses the reserved prefix _ebb_; rename it in the query`);
    const attribute = columns.find((c) =>
      (ROW_ATTRIBUTES as readonly string[]).includes(c.name.toLowerCase()),
    );
    if (attribute) {
      this.#fail(
        `the tracked query returns a column named ${attribute.name}, which would hide the row's .${attribute.name.toLowerCase()}; rename it in the query (SELECT ${attribute.name} AS ${attribute.name.toLowerCase()}_value …)`,
      );
    }
    if (names.size !== columns.length)
      this.#fail('the tracked query returns two columns with the same name; alias them apart');
  }

  async #checkKeys(table: string, params: Params = []): Promise<void> {
    const keys = this.model.uniqueKey;
    const r = (await this.#store.queryJson(keyCheckSql(keys, table), params))[0]!;
    if (Number(r['nulls']) > 0) {
      const row = (await this.#store.queryJson(nullKeySampleSql(keys, table), params))[0]!;
      this.#fail(
        `query() returned a row whose @unique_key ${describeKey(row)} has a NULL part; every row needs a full key (leave such rows out: WHERE ${keys.join(' IS NOT NULL AND ')} IS NOT NULL)`,
        RUN_CODES.nullKey,
      );
    }
    if (Number(r['repeats']) > 0) {
      const { _n, _keys, ...key } = (
        await this.#store.queryJson(repeatedKeySampleSql(keys, table), params)
      )[0]!;
      const others = Number(_keys) - 1;
      const more =
        others > 0
          ? ` (and ${others} other key${others === 1 ? ' repeats' : 's repeat'}: ${String(_keys)} in all)`
          : '';
      throw new ModelError(
        this.model.name,
        this.model.file,
        `query() returned key ${describeKey(key)} ${String(_n)} times${more}; each @unique_key must appear once (deduplicate it in the SQL)`,
        undefined,
        RUN_CODES.duplicateKey,
      );
    }
  }

  /**
   * #checkSchema refuses what cannot be adopted: a changed @unique_key, or a type change
   * that would alter a stored value's canonical form (the next delta would lie).
   */
  async #checkSchema(change: SchemaChange): Promise<void> {
    const name = this.model.name;
    if (change.missingKeys.length > 0) {
      this.#fail(
        `the @unique_key changed: table ${name} holds no column ${change.missingKeys.join(', ')}; run "ebb run --full-refresh ${name}" to start tracking by the new key (every row is sent)`,
      );
    }
    for (const r of change.retyped) {
      let lossy: number;
      try {
        lossy = Number(await this.#store.scalar(lossySql(this.#target, r.name, r.from, r.to)));
      } catch {
        // DuckDB has no cast between the two types at all.
        lossy = Number.NaN;
      }
      if (lossy === 0) continue;
      const what = Number.isNaN(lossy)
        ? 'the stored values cannot be converted'
        : `${lossy} stored value${lossy === 1 ? '' : 's'} would change`;
      const key = this.model.uniqueKey.some((k) => k.toLowerCase() === r.name.toLowerCase())
        ? ' (a @unique_key column)'
        : '';
      this.#fail(
        `column ${r.name}${key} changed type from ${r.from.toString()} to ${r.to.toString()} and ${what}; cast it back in the query, or run "ebb run --full-refresh ${name}" to deliver every row again`,
      );
    }
  }

  /**
   * #checkKeyUnchanged refuses a @unique_key other than the one the stored rows are keyed by
   * (`stored`, a keyText; undefined for rows stored before ebb recorded it).
   */
  #checkKeyUnchanged(stored: string | undefined): void {
    if (stored === undefined || stored === keyText(this.model.uniqueKey)) return;
    const was = (JSON.parse(stored) as string[]).join(', ');
    const name = this.model.name;
    this.#fail(
      `the @unique_key changed from ${was} to ${this.model.uniqueKey.join(', ')}: the rows of ${name} were delivered by the old key; run "ebb run --full-refresh ${name}" to start tracking by the new key (every row is sent), or put the old key back`,
    );
  }

  /** #migrate is a run's schema step, committed on its own: add columns, adopt types, re-hash. */
  async #migrate(change: SchemaChange, rehash: boolean, version: number): Promise<void> {
    await this.#store.transaction(async () => {
      for (const c of change.added) await this.#store.exec(addColumnSql(this.#target, c));
      for (const r of change.retyped) await this.#store.exec(alterTypeSql(this.#target, r.name, r.to));
      const stored = await this.#loadStored();
      if (rehash)
        for (const statement of rehashSql(this.#target, stored ?? [])) await this.#store.exec(statement);
      await this.#store.exec(markVersionSql(), [this.model.name, version, keyText(this.model.uniqueKey)]);
      this.#stored = stored;
    });
  }

  /**
   * #loadStored reads the table's own columns (the table exists). A table written by another
   * kind of model holds no delivery state: refuse to guess.
   */
  async #loadStored(): Promise<Column[] | undefined> {
    const cols = await this.#store.columnsOf(`SELECT * FROM ${this.#target}`);
    if (!cols.some((c) => c.name === '_ebb_hash')) {
      this.#fail(
        `table ${this.model.name} exists but holds no delivery state (it was written by a model of another kind); run "ebb run --full-refresh ${this.model.name}" to start tracking from scratch (every row is sent)`,
      );
    }
    return cols.filter((c) => !(TRACKING_COLUMNS as readonly string[]).includes(c.name));
  }

  /**
   * page returns delta rows with seq > after, in key order. Rows are read from DuckDB in
   * blocks of BLOCK (one query per block, not per page: a query costs about as much as
   * reading a few thousand rows).
   */
  async page(after: number, limit: number): Promise<DeltaPage> {
    const from = Math.floor(after) + 1;
    const to = from + Math.floor(limit) - 1;
    let block = this.#block;
    if (
      !block ||
      from < block.first ||
      (to > block.first + block.page.rows.length - 1 && block.page.rows.length === block.size)
    ) {
      const size = Math.max(BLOCK, Math.floor(limit));
      const r = await this.#store.rows(pageSql(this.#columns, after, size));
      block = {
        first: from,
        size,
        page: {
          columns: this.#columns.map((c) => c.name),
          types: r.types.slice(3),
          beforeType: r.types[2]?.typeId === DuckDBTypeId.STRUCT ? r.types[2] : undefined,
          rows: r.rows.map((row) => ({
            seq: Number(row[0] as bigint),
            change: row[1] as 'new' | 'changed',
            before: row[2] ?? null,
            values: row.slice(3),
          })),
        },
      };
      this.#block = block;
    }
    return { ...block.page, rows: block.page.rows.slice(from - block.first, to - block.first + 1) };
  }

  /**
   * jsonPage is page() as JSON lists built by DuckDB, or undefined when a column's type has
   * no JSON kind (then page() it is). Sequence numbers are dense, so the page's range and size
   * are known before it is read. Without `values`, the page holds no values (the script reads
   * them with jsonValues when it first needs one): a page of new rows then costs no query.
   * With `rows`, it holds the rows' JSON texts too, when they have some (see row-json.ts).
   */
  async jsonPage(
    after: number,
    limit: number,
    values = true,
    rows = false,
  ): Promise<JsonDeltaPage | undefined> {
    const kinds = this.#kinds;
    if (kinds === undefined || this.#counts === undefined) return undefined;
    const columns = this.#columns.map((c) => c.name);
    const first = Math.floor(after) + 1;
    const count = Math.max(
      0,
      Math.min(Math.floor(limit), this.#counts.new + this.#counts.changed - first + 1),
    );
    if (count === 0) return { columns, first, count };
    const before = this.#beforeColumns;
    const rowJson = this.#rowJson;
    const described = {
      kinds,
      ...(before && this.#beforeKinds
        ? { beforeNames: before.map((c) => c.name), beforeKinds: this.#beforeKinds }
        : {}),
      ...(rowJson === undefined ? {} : { rowJson: true }),
    };
    const withRows = rows && rowJson !== undefined ? { rowJson } : {};
    if (!values) {
      const fixed = this.#counts.changed === 0;
      if (fixed && !('rowJson' in withRows))
        return { columns, first, count, json: { ...described, fixedChange: 'new' } };
      const shape = {
        columns: this.#columns,
        before,
        change: true,
        lists: fixed ? ('rows' as const) : ('changes' as const),
        ...withRows,
      };
      const lists = await this.#lists(
        jsonPageSql(DELTA, shape, kinds, this.#beforeKinds, seqRange(after, count)),
        0,
      );
      return {
        columns,
        first,
        count,
        json: { ...described, ...lists, ...(fixed ? { fixedChange: 'new' } : {}) },
      };
    }
    this.#plain ??= await this.#plainForms(kinds);
    const sql = jsonPageSql(
      DELTA,
      { columns: this.#columns, before, change: true, plain: this.#plain, ...withRows },
      kinds,
      this.#beforeKinds,
      seqRange(after, count),
    );
    return { columns, first, count, json: { ...(await this.#lists(sql, kinds.length)), ...described } };
  }

  /** jsonValues reads the values (columns and befores) of the delta rows after `after`, as JSON lists. */
  async jsonValues(after: number, limit: number): Promise<JsonValues> {
    const kinds = this.#kinds!;
    this.#plain ??= await this.#plainForms(kinds);
    const shape = {
      columns: this.#columns,
      before: this.#beforeColumns,
      change: true,
      plain: this.#plain,
      lists: 'values' as const,
    };
    const lists = await this.#lists(
      jsonPageSql(DELTA, shape, kinds, this.#beforeKinds, seqRange(after, limit)),
      kinds.length,
    );
    return {
      seqs: lists.seqs ?? new Uint8Array(0),
      columns: lists.columns ?? [],
      ...(lists.before ? { before: lists.before } : {}),
    };
  }

  /** jsonRowTexts reads the JSON texts of the delta rows after `after` (the page said it has some). */
  async jsonRowTexts(after: number, limit: number): Promise<JsonRowTexts> {
    const rowJson = this.#rowJson;
    if (rowJson === undefined) throw new Error('the rows of this delta have no JSON texts');
    const shape = {
      columns: this.#columns,
      before: undefined,
      change: false,
      lists: 'rows' as const,
      rowJson,
    };
    const lists = await this.#lists(
      jsonPageSql(DELTA, shape, this.#kinds!, undefined, seqRange(after, limit)),
      0,
    );
    return { rows: lists.rows ?? new Uint8Array(0) };
  }

  /** #lists runs a jsonPageSql statement: its lists, each in a buffer of its own (`columns` value lists, none if 0). */
  async #lists(
    sql: string,
    columns: number,
  ): Promise<Pick<JsonPageText, 'seqs' | 'change' | 'columns' | 'before' | 'rows'>> {
    const row = (await this.#store.query(sql))[0]!;
    return {
      ...('s' in row ? { seqs: blob(row['s']) } : {}),
      ...('c' in row ? { change: blob(row['c']) } : {}),
      ...(columns > 0 ? { columns: Array.from({ length: columns }, (_c, i) => blob(row[`v${i}`])) } : {}),
      ...('b' in row ? { before: blob(row['b']) } : {}),
      ...('r' in row ? { rows: blob(row['r']) } : {}),
    };
  }

  async #plainForms(kinds: readonly JsonKind[]): Promise<boolean[]> {
    const plain = kinds.map(() => false);
    const tests = plainFormsSql(DELTA, this.#columns, kinds);
    const row = tests && (await this.#store.query(tests.sql))[0];
    // Columns without a test are plain when their kind has a plain form at all (small integers).
    this.#columns.forEach((_c, i) => (plain[i] = kinds[i] === 'int'));
    tests?.tested.forEach((col, t) => (plain[col] = row?.[`t${t}`] === true));
    return plain;
  }

  /** deletedJsonPage is deletedPage() as DuckDB's JSON text, or undefined (see jsonPage). */
  async deletedJsonPage(after: number, limit: number): Promise<JsonDeltaPage | undefined> {
    const cols = this.#stored;
    const kinds = cols && jsonKinds(cols);
    if (cols === undefined || kinds === undefined) return undefined;
    const columns = cols.map((c) => c.name);
    const first = Math.floor(after) + 1;
    const count = Math.max(0, Math.min(Math.floor(limit), (this.#counts?.deleted ?? 0) - first + 1));
    if (count === 0) return { columns, first, count };
    if (!this.#goneReady) {
      await this.#store.exec(goneSql(this.#shape));
      this.#goneReady = true;
    }
    const sql = jsonPageSql(
      GONE,
      { columns: cols, before: undefined, change: false },
      kinds,
      undefined,
      seqRange(after, count),
    );
    const { seqs, columns: lists } = await this.#lists(sql, kinds.length);
    return { columns, first, count, json: { seqs: seqs!, columns: lists!, kinds, fixedChange: 'deleted' } };
  }

  /** deletedPage returns the last saved version of keys gone from the query. */
  async deletedPage(after: number, limit: number): Promise<DeltaPage> {
    const cols = this.#stored;
    if (cols === undefined || !this.#counts?.deleted)
      return { columns: [], types: [], beforeType: undefined, rows: [] };
    if (!this.#goneReady) {
      await this.#store.exec(goneSql(this.#shape));
      this.#goneReady = true;
    }
    const r = await this.#store.rows(deletedPageSql(cols, after, limit));
    return {
      columns: cols.map((c) => c.name),
      types: r.types.slice(1),
      beforeType: undefined,
      rows: r.rows.map((row) => ({
        seq: Number(row[0] as bigint),
        change: 'deleted',
        before: null,
        values: row.slice(1),
      })),
    };
  }

  /**
   * ack records that the delta rows `seqs` were delivered: in one transaction, each key's
   * stored version becomes the one query() returned. A row acknowledged before (in this or
   * an earlier batch) is not stored again. Returns the number of rows recorded.
   */
  async ack(seqs: readonly number[] | SeqRuns): Promise<number> {
    const fresh = unseen(seqs, this.#acked);
    if (fresh.size === 0) return 0;
    const shape = this.#shape;
    const sql = ackStatements(shape, fresh, this.#runId);
    const n = await this.#store.transaction(async () => {
      if (shape.stored === undefined) {
        await this.#store.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.model.schema)}`);
        await this.#store.exec(createTableSql(shape));
        await this.#store.exec(markVersionSql(), [
          this.model.name,
          this.#version,
          keyText(this.model.uniqueKey),
        ]);
      }
      // New keys have no stored version; only changed ones replace a row.
      if (this.#counts?.changed && Number(await this.#store.scalar(sql.changed)) > 0)
        await this.#store.exec(sql.remove);
      return Number(await this.#store.scalar(sql.insert));
    });
    // Set after the commit: a rolled-back batch leaves no table and no acknowledgement behind.
    this.#stored ??= this.#columns;
    const acked = this.#acked;
    fresh.forEach((s) => (acked[s] = 1));
    this.#saved += n;
    return n;
  }

  /** ackDeleted records that the deletion of the gone keys `seqs` was handled. */
  async ackDeleted(seqs: readonly number[] | SeqRuns): Promise<number> {
    if (!this.#goneReady) return 0;
    const fresh = unseen(seqs, this.#deletedDone);
    if (fresh.size === 0) return 0;
    const n = await this.#store.transaction(async () =>
      Number(await this.#store.scalar(ackDeletedSql(this.#shape, fresh))),
    );
    const done = this.#deletedDone;
    fresh.forEach((s) => (done[s] = 1));
    this.#deletedAcked += n;
    return n;
  }

  /**
   * seqsForKeys finds the delta rows (or deleted rows) of the given keys, for save.row and
   * save.delete with a plain dict. Key values arrive as the model saw them (ISO strings for
   * times, exact digits for decimals, base64 for blobs) and are compared as values of the
   * key columns' types. The map is keyed by keyString of each given key.
   */
  async seqsForKeys(keys: ReadonlyArray<readonly unknown[]>, deleted: boolean): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (keys.length === 0 || (deleted && !this.#goneReady)) return out;
    const columns = (deleted ? this.#stored : this.#columns) ?? [];
    const types = this.model.uniqueKey.map(
      (k) => columns.find((c) => c.name.toLowerCase() === k.toLowerCase())!.type,
    );
    const rows = await this.#store.queryJson(
      seqsForKeysSql(deleted ? GONE : DELTA, this.model.uniqueKey, types, keys),
    );
    for (const r of rows) out.set(keyString(keys[Number(r['_i'])]!), Number(r['_seq']));
    return out;
  }

  /** close drops the session's temporary tables. */
  async close(): Promise<void> {
    for (const t of TEMP_TABLES)
      await this.#store.exec(`DROP TABLE IF EXISTS temp.main.${t}`).catch(() => undefined);
  }
}

/** unseen keeps the sequence numbers not yet marked in `done`, once each (in their order). */
function unseen(seqs: readonly number[] | SeqRuns, done: Uint8Array): SeqRuns {
  const out = new SeqRuns();
  (seqs instanceof SeqRuns ? seqs : SeqRuns.of(seqs)).forEach((s) => {
    const i = Math.floor(s);
    if (i > 0 && i < done.length && done[i] === 0) {
      done[i] = 2; // taken in this batch; cleared below, set for good once the batch commits
      out.add(i);
    }
  });
  out.forEach((i) => (done[i] = 0));
  return out;
}

/** blob is a BLOB's bytes in a buffer of their own (a NULL list: no bytes). */
function blob(value: unknown): Uint8Array {
  const b = (value ?? new Uint8Array(0)) as Uint8Array;
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : b.slice();
}

/** forget drops a tracked model's delivered state, so every row is new again. */
export async function forgetTracked(store: Store, model: Model): Promise<void> {
  await store.transaction(async () => {
    await store.exec(`DROP TABLE IF EXISTS ${quotedTable(model)}`);
    await store.exec(`DELETE FROM _ebb.tracked WHERE model = ?`, [model.name]);
  });
}

export function keyString(values: readonly unknown[]): string {
  return values.map((v) => (v === null || v === undefined ? '\u0000' : String(v))).join('\u0001');
}
