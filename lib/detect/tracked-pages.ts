// Pages of a tracked run's delta: the new and changed rows (the delta table, numbered by key,
// with each row's change and before) and the deleted keys' stored versions (the gone table,
// made when first read). Both are read through one path, as DuckDB values (page) or as JSON
// lists DuckDB writes (jsonPage, see json-page.ts): the two sources differ only in their
// table, columns and whether rows carry a change and a before.
//
// Sequence numbers are dense, so a page's range and size are known before it is read. Typed
// pages are read in blocks of at least PAGE_ROWS rows, one query per block, not per page: a
// query costs about as much as reading a few thousand rows.

import { DuckDBTypeId, type DuckDBType, type DuckDBValue } from '../store/duckdb-api.js';
import type { Store } from '../store/index.js';
import type { Column } from './canonical.js';
import {
  jsonKinds,
  jsonPageSql,
  plainFormsSql,
  type JsonKind,
  type JsonPageShape,
  type JsonPageText,
  type JsonRowTexts,
  type JsonValues,
} from './json-page.js';
import { PAGE_ROWS } from './page-rows.js';
import { rowJsonSql } from './row-json.js';
import { numberRows } from './numbered-rows.js';
import { deletedPageSql, goneSql, pageSql, seqRange, type Shape } from './tracked-sql.js';

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

/** One table of rows to page through: the delta's new and changed rows, or the deleted keys. */
interface Source {
  readonly table: string;
  readonly columns: readonly Column[];
  readonly names: readonly string[];
  readonly count: number;
  /** Rows carry a change and a before (the delta); otherwise every row is a deletion. */
  readonly delta: boolean;
  /** The change of every row, when it is one: 'new' (a delta with no changed rows), 'deleted'. */
  readonly fixedChange: 'new' | 'deleted' | undefined;
  /** The columns' JSON kinds, or undefined: a column has none, pages are typed only. */
  readonly kinds: JsonKind[] | undefined;
  /** The stored columns that make up each row's before, with their kinds (delta rows only). */
  readonly before: readonly Column[] | undefined;
  readonly beforeKinds: JsonKind[] | undefined;
  /** A row's JSON text (row-json.ts), when its columns allow one (delta rows only). */
  readonly rowJson: string | undefined;
  /**
   * Which columns travel in their plain JSON form, found once when first needed. Deleted
   * rows take the general form: they are few, and a scan to test them costs more than it saves.
   */
  plain: boolean[] | undefined;
  /** The block of rows last read (typed pages). */
  block: { first: number; size: number; page: DeltaPage } | undefined;
}

const EMPTY: DeltaPage = { columns: [], types: [], beforeType: undefined, rows: [] };

export class DeltaPages {
  readonly #store: Store;
  readonly #shape: Shape;
  readonly #delta: Source;
  readonly #gone: Source | undefined;
  #goneReady = false;

  /** `shape` as when the delta was computed; `counts` its sizes. */
  constructor(store: Store, shape: Shape, counts: { new: number; changed: number; deleted: number }) {
    this.#store = store;
    this.#shape = shape;
    const before = shape.stored && shape.stored.length > 0 ? shape.stored : undefined;
    const beforeKinds = before && jsonKinds(before);
    const kinds = before && !beforeKinds ? undefined : jsonKinds(shape.columns);
    this.#delta = {
      table: shape.work.delta,
      columns: shape.columns,
      names: shape.columns.map((c) => c.name),
      count: counts.new + counts.changed,
      delta: true,
      fixedChange: counts.changed === 0 ? 'new' : undefined,
      kinds,
      before,
      beforeKinds,
      rowJson: kinds && rowJsonSql(shape.columns, kinds, 'p'),
      plain: undefined,
      block: undefined,
    };
    const stored = shape.stored;
    this.#gone = stored && {
      table: shape.work.gone,
      columns: stored,
      names: stored.map((c) => c.name),
      count: counts.deleted,
      delta: false,
      fixedChange: 'deleted',
      kinds: jsonKinds(stored),
      before: undefined,
      beforeKinds: undefined,
      rowJson: undefined,
      plain: [],
      block: undefined,
    };
  }

  /** Whether the deleted keys' table exists (a page of them was read): only then can they be acknowledged. */
  get goneReady(): boolean {
    return this.#goneReady;
  }

  /** page returns delta rows with seq > after, in key order. */
  page(after: number, limit: number): Promise<DeltaPage> {
    return this.#typed(this.#delta, after, limit);
  }

  /** deletedPage returns the last saved version of keys gone from the query. */
  async deletedPage(after: number, limit: number): Promise<DeltaPage> {
    const gone = this.#gone;
    return gone && gone.count > 0 ? this.#typed(gone, after, limit) : EMPTY;
  }

  /**
   * jsonPage is page() as JSON lists built by DuckDB, or undefined when a column's type has
   * no JSON kind (then page() it is). Without `values`, the page holds no values (the script
   * reads them with jsonValues when it first needs one): a page of new rows then costs no
   * query. With `rows`, it holds the rows' JSON texts too, when they have some (row-json.ts).
   */
  jsonPage(after: number, limit: number, values = true, rows = false): Promise<JsonDeltaPage | undefined> {
    return this.#json(this.#delta, after, limit, values, rows);
  }

  /** deletedJsonPage is deletedPage() as DuckDB's JSON text, or undefined (see jsonPage). */
  async deletedJsonPage(after: number, limit: number): Promise<JsonDeltaPage | undefined> {
    return this.#gone && this.#json(this.#gone, after, limit, true, false);
  }

  /** jsonValues reads the values (columns and befores) of the delta rows after `after`, as JSON lists. */
  async jsonValues(after: number, limit: number): Promise<JsonValues> {
    const d = this.#delta;
    const plain = await this.#plain(d);
    const lists = await this.#lists(d, this.#jsonShape(d, { plain, lists: 'values' }), after, limit);
    return {
      seqs: lists.seqs ?? new Uint8Array(0),
      columns: lists.columns ?? [],
      ...(lists.before ? { before: lists.before } : {}),
    };
  }

  /** jsonRowTexts reads the JSON texts of the delta rows after `after` (the page said it has some). */
  async jsonRowTexts(after: number, limit: number): Promise<JsonRowTexts> {
    const d = this.#delta;
    if (d.rowJson === undefined) throw new Error('the rows of this delta have no JSON texts');
    const shape = {
      columns: d.columns,
      before: undefined,
      change: false,
      lists: 'rows' as const,
      rowJson: d.rowJson,
    };
    const lists = await this.#lists(d, shape, after, limit);
    return { rows: lists.rows ?? new Uint8Array(0) };
  }

  /** #ready makes the gone table the first time deleted rows are read. */
  async #ready(source: Source): Promise<void> {
    if (source.delta || this.#goneReady) return;
    await this.#store.exec(goneSql(this.#shape));
    await numberRows(this.#store, this.#shape.work, 'gone');
    this.#goneReady = true;
  }

  async #typed(source: Source, after: number, limit: number): Promise<DeltaPage> {
    const from = Math.floor(after) + 1;
    const to = from + Math.floor(limit) - 1;
    let block = source.block;
    if (
      !block ||
      from < block.first ||
      (to > block.first + block.page.rows.length - 1 && block.page.rows.length === block.size)
    ) {
      await this.#ready(source);
      const size = Math.max(PAGE_ROWS, Math.floor(limit));
      const sql = source.delta
        ? pageSql(source.table, source.columns, after, size)
        : deletedPageSql(source.table, source.columns, after, size);
      block = { first: from, size, page: typedPage(source, await this.#store.rows(sql)) };
      source.block = block;
    }
    return { ...block.page, rows: block.page.rows.slice(from - block.first, to - block.first + 1) };
  }

  async #json(
    source: Source,
    after: number,
    limit: number,
    values: boolean,
    rows: boolean,
  ): Promise<JsonDeltaPage | undefined> {
    const kinds = source.kinds;
    if (kinds === undefined) return undefined;
    const columns = source.names;
    const first = Math.floor(after) + 1;
    const count = Math.max(0, Math.min(Math.floor(limit), source.count - first + 1));
    if (count === 0) return { columns, first, count };
    await this.#ready(source);
    const described = {
      kinds,
      ...(source.before && source.beforeKinds
        ? { beforeNames: source.before.map((c) => c.name), beforeKinds: source.beforeKinds }
        : {}),
      ...(source.rowJson === undefined ? {} : { rowJson: true }),
    };
    const withRows = rows && source.rowJson !== undefined ? { rowJson: source.rowJson } : {};
    const fixed = source.fixedChange === undefined ? {} : { fixedChange: source.fixedChange };
    if (!values) {
      // The changes alone (or nothing at all, when every row has one change and no text is asked).
      if ('fixedChange' in fixed && !('rowJson' in withRows))
        return { columns, first, count, json: { ...described, ...fixed } };
      const shape = this.#jsonShape(source, {
        lists: 'fixedChange' in fixed ? 'rows' : 'changes',
        ...withRows,
      });
      return {
        columns,
        first,
        count,
        json: { ...described, ...(await this.#lists(source, shape, after, count)), ...fixed },
      };
    }
    const shape = this.#jsonShape(source, { plain: await this.#plain(source), ...withRows });
    const lists = await this.#lists(source, shape, after, count);
    // A delta page with values carries its changes as a list ('c'), even when they are all new.
    return { columns, first, count, json: { ...lists, ...described, ...(source.delta ? {} : fixed) } };
  }

  #jsonShape(source: Source, extra: Partial<JsonPageShape>): JsonPageShape {
    return { columns: source.columns, before: source.before, change: source.delta, ...extra };
  }

  /** #lists reads a page's JSON lists, each in a buffer of its own (the value lists only when `shape` asks for values). */
  async #lists(
    source: Source,
    shape: JsonPageShape,
    after: number,
    count: number,
  ): Promise<Pick<JsonPageText, 'seqs' | 'change' | 'columns' | 'before' | 'rows'>> {
    const sql = jsonPageSql(source.table, shape, source.kinds!, source.beforeKinds, seqRange(after, count));
    const row = (await this.#store.query(sql))[0]!;
    const lists = shape.lists ?? 'all';
    const values = lists === 'values' || lists === 'all' ? shape.columns.length : 0;
    return {
      ...('s' in row ? { seqs: blob(row['s']) } : {}),
      ...('c' in row ? { change: blob(row['c']) } : {}),
      ...(values > 0 ? { columns: Array.from({ length: values }, (_c, i) => blob(row[`v${i}`])) } : {}),
      ...('b' in row ? { before: blob(row['b']) } : {}),
      ...('r' in row ? { rows: blob(row['r']) } : {}),
    };
  }

  /** #plain finds (once per source) which columns can travel in their plain form (json-page.ts). */
  async #plain(source: Source): Promise<boolean[]> {
    if (source.plain) return source.plain;
    const kinds = source.kinds!;
    const tests = plainFormsSql(source.table, source.columns, kinds);
    const row = tests && (await this.#store.query(tests.sql))[0];
    // Columns without a test are plain when their kind has a plain form at all (small integers).
    const plain = kinds.map((k) => k === 'int');
    tests?.tested.forEach((col, t) => (plain[col] = row?.[`t${t}`] === true));
    source.plain = plain;
    return plain;
  }
}

/** typedPage is a block of rows as read by pageSql (seq, change, before, columns) or deletedPageSql (seq, columns). */
function typedPage(source: Source, r: { types: DuckDBType[]; rows: DuckDBValue[][] }): DeltaPage {
  if (!source.delta) {
    return {
      columns: source.names,
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
  return {
    columns: source.names,
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

/** blob is a BLOB's bytes in a buffer of their own (a NULL list: no bytes). */
function blob(value: unknown): Uint8Array {
  const b = (value ?? new Uint8Array(0)) as Uint8Array;
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : b.slice();
}
