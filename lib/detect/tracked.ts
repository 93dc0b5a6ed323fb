// TrackedSession is one run of a tracked model against its table: it finds the delta (new,
// changed and deleted keys) in DuckDB, hands it out page by page, and records
// acknowledgements. The model's table is the hash table: the key columns, the row's columns,
// _ebb_hash (the canonical hash of the delivered version), _ebb_saved_at and _ebb_run_id.
// The statements come from tracked-sql.ts; the jobs are one file each, composed here: the
// schema step (tracked-schema.ts), pages (tracked-pages.ts) and acknowledgements
// (tracked-acks.ts). Finding the delta writes only the run's working tables (the schema step
// of a run aside, committed before it).
//
// Acknowledgements commit on a connection of their own (Store.sibling), so that reading the
// next page never waits behind a commit of a row group: the working tables live in an attached
// in-memory database both connections see (tracked-sql.ts). Everything else runs on the
// session's store.

import { quotedTable, type Model } from '../project/index.js';
import { orderedBy, readTrackedState, type Params, type Store } from '../store/index.js';
import { hashVersion, type Column } from './canonical.js';
import type { JsonRowTexts, JsonValues } from './json-page.js';
import type { SeqRuns } from './seq-runs.js';
import { shardBody, type Shard } from './shard.js';
import { queryBody } from './sql-body.js';
import { Acks } from './tracked-acks.js';
import { numberRows } from './numbered-rows.js';
import { DeltaPages, type DeltaPage, type JsonDeltaPage } from './tracked-pages.js';
import { checkColumns, checkKeys, prepareStored } from './tracked-schema.js';
import {
  attachWorkSql,
  countsSql,
  deltaSql,
  diffSql,
  dropWorkSql,
  heldBackSql,
  rejectedHashesSql,
  emptyDeltaSql,
  keysOf,
  seqsForKeysSql,
  sizesSql,
  storedSource,
  workTables,
  type Shape,
  type WorkTables,
} from './tracked-sql.js';

export { ROW_ATTRIBUTES } from './tracked-schema.js';
export type { DeltaPage, JsonDeltaPage } from './tracked-pages.js';

export interface DeltaCounts {
  readonly new: number;
  readonly changed: number;
  readonly deleted: number;
}

export class TrackedSession {
  readonly model: Model;
  readonly #store: Store;
  readonly #target: string;
  readonly #runId: string;
  readonly #readOnly: boolean;
  /** The key shard this run covers (ebb run --shard I/N): the query's rows of other shards are not seen. */
  readonly #shard: Shard | undefined;
  #sql: string | undefined;
  #columns: Column[] = [];
  /** The table's own columns (what was delivered), or undefined while there is no table. */
  #stored: Column[] | undefined;
  #counts: DeltaCounts | undefined;
  #pages: DeltaPages | undefined;
  #acks: Acks | undefined;
  /** The run's working tables: shared by both connections, or a plan's TEMP tables (tracked-sql.ts). */
  readonly work: WorkTables;
  /** The connection acknowledgements and failure records commit on (a sibling of the store, once the delta is known). */
  #ackStore: Store | undefined;

  /**
   * With `readOnly` (ebb plan), the session never writes the model's table nor ebb's state.
   * With `shard`, the delta, deletions, acknowledgements and failures cover only that shard's
   * keys: the query's other rows are filtered out in DuckDB before anything is compared (the
   * table of a shard's state holds only its own keys, see docs/scale.md).
   */
  constructor(
    store: Store,
    model: Model,
    runId: string,
    options: { readOnly?: boolean; shard?: Shard | undefined } = {},
  ) {
    this.#readOnly = options.readOnly ?? false;
    this.#shard = options.shard;
    this.#store = store;
    this.model = model;
    this.#target = quotedTable(model);
    this.#runId = runId;
    this.work = workTables(!this.#readOnly);
  }

  get sql(): string | undefined {
    return this.#sql;
  }
  get counts(): DeltaCounts | undefined {
    return this.#counts;
  }
  get saved(): number {
    return this.#acks?.saved ?? 0;
  }
  get deletedAcked(): number {
    return this.#acks?.deletedAcked ?? 0;
  }
  get columns(): readonly Column[] {
    return this.#columns;
  }
  /**
   * ackStore is the connection ack() and ackDeleted() commit on; what runs beside them (the
   * failure log's records) uses it too, never the session's store, whose statements may be
   * running at the same time.
   */
  get ackStore(): Store {
    return this.#ackStore ?? this.#store;
  }

  get #shape(): Shape {
    return {
      target: this.#target,
      keys: this.model.uniqueKey,
      columns: this.#columns,
      stored: this.#stored,
      model: this.model.name,
      work: this.work,
    };
  }

  /**
   * computeDelta hashes the query's rows and compares them with the table, in DuckDB. It
   * fails when a key is NULL or appears twice. Rows are read by page(); nothing is written
   * to the model's table (a run's schema step aside, see tracked-schema.ts).
   */
  async computeDelta(sql: string, params: Params = []): Promise<DeltaCounts> {
    const written = queryBody(sql);
    const body = this.#shard === undefined ? written : shardBody(written, this.model.uniqueKey, this.#shard);
    // The query's own columns: a key column it lacks is named by checkColumns, before the
    // shard's filter (which reads the key) could fail on it with a binder error.
    const columns = await this.#store.columnsOf(written);
    checkColumns(this.model, columns);
    this.#sql = sql;
    this.#columns = columns;
    // One look-up for the table, its stored hash version and the DuckDB release.
    const state = await readTrackedState(this.#store, this.model);
    if (!this.#readOnly) await this.#store.exec(attachWorkSql);
    const version = hashVersion(state.duckdb);
    const schema = { store: this.#store, model: this.model, target: this.#target };
    const side = await prepareStored(schema, state, columns, version, this.#readOnly);
    this.#stored = side.stored;
    const shape = this.#shape;
    const stored = storedSource(shape, side.rehash);
    let counts: DeltaCounts;
    if (shape.stored === undefined) {
      // A shard's filter keeps the order of the rows it lets through.
      const order = await orderedBy(this.#store, written);
      const sortedByKey =
        order !== undefined &&
        order.map((n) => n.toLowerCase()).join('\0') === shape.keys.map((k) => k.toLowerCase()).join('\0');
      const held = Number(
        await this.#store.scalar(`SELECT count(*)::DOUBLE FROM ${rejectedHashesSql(this.model.name)}`),
      );
      // Only a model with rejected rows pays for the term that holds them back.
      const { model: _model, ...plain } = shape;
      await this.#store.exec(deltaSql(held > 0 ? shape : plain, body, stored, sortedByKey), params);
      await numberRows(this.#store, this.work, 'delta', true);
      await this.#store.exec(heldBackSql(shape, body, held > 0), params);
      // Written in key order (deltaSql), so that keys which only rise need no count of them.
      await checkKeys(schema, this.work.deltaRows, [], true);
      counts = {
        new: Number(await this.#store.scalar(`SELECT count(*)::DOUBLE FROM ${this.work.deltaRows}`)),
        changed: 0,
        deleted: 0,
      };
    } else {
      await this.#store.exec(diffSql(shape, body, stored), params);
      const dk = (await this.#store.queryJson(countsSql(shape.keys, this.work.dk)))[0]!;
      counts = { new: Number(dk['n']), changed: Number(dk['c']), deleted: Number(dk['d']) };
      const sizes = (await this.#store.queryJson(sizesSql(body, shape.target), params))[0]!;
      const matched = Number(sizes['rows']) - counts.new - Number(dk['rn']);
      if (
        Number(dk['nulls']) > 0 ||
        Number(dk['repeats']) > 0 ||
        matched !== Number(sizes['stored']) - counts.deleted
      ) {
        // Something is off: the full check finds the key to name.
        await checkKeys(schema, keysOf(shape, body), params);
      }
      if (counts.new + counts.changed > 0) await this.#store.exec(deltaSql(shape, body, stored), params);
      else await this.#store.exec(emptyDeltaSql(shape, body), params);
      await numberRows(this.#store, this.work, 'delta');
    }
    this.#pages = new DeltaPages(this.#store, shape, counts);
    // A plan never acknowledges: it needs no second connection.
    if (!this.#readOnly) this.#ackStore ??= await this.#store.sibling();
    this.#acks = new Acks({ store: this.ackStore, model: this.model, runId: this.#runId, version }, counts);
    this.#counts = counts;
    return counts;
  }

  /** page returns delta rows with seq > after, in key order (tracked-pages.ts). */
  page(after: number, limit: number): Promise<DeltaPage> {
    return this.#pagesOf().page(after, limit);
  }

  /** jsonPage is page() as JSON lists built by DuckDB, or undefined when a column has no JSON kind. */
  async jsonPage(
    after: number,
    limit: number,
    values = true,
    rows = false,
  ): Promise<JsonDeltaPage | undefined> {
    return this.#pages?.jsonPage(after, limit, values, rows);
  }

  /** jsonValues reads the values (columns and befores) of the delta rows after `after`, as JSON lists. */
  jsonValues(after: number, limit: number): Promise<JsonValues> {
    return this.#pagesOf().jsonValues(after, limit);
  }

  /** jsonRowTexts reads the JSON texts of the delta rows after `after` (the page said it has some). */
  jsonRowTexts(after: number, limit: number): Promise<JsonRowTexts> {
    return this.#pagesOf().jsonRowTexts(after, limit);
  }

  /** deletedJsonPage is deletedPage() as DuckDB's JSON text, or undefined (see jsonPage). */
  async deletedJsonPage(after: number, limit: number): Promise<JsonDeltaPage | undefined> {
    return this.#pages?.deletedJsonPage(after, limit);
  }

  /** deletedPage returns the last saved version of keys gone from the query. */
  async deletedPage(after: number, limit: number): Promise<DeltaPage> {
    if (this.#pages === undefined) return { columns: [], types: [], beforeType: undefined, rows: [] };
    return this.#pages.deletedPage(after, limit);
  }

  /**
   * ack records that the delta rows `seqs` were delivered (tracked-acks.ts). Returns the
   * number of rows recorded.
   */
  async ack(seqs: readonly number[] | SeqRuns): Promise<number> {
    const acks = this.#acks;
    if (acks === undefined) return 0;
    const n = await acks.ack(this.#shape, seqs);
    // The first committed batch made the table: its columns are the query's.
    if (acks.committed) this.#stored ??= this.#columns;
    return n;
  }

  /** noteFailed tells the acknowledgements which rows this run recorded as failed or rejected. */
  noteFailed(seqs: SeqRuns, deleted: boolean): void {
    this.#acks?.noteFailed(seqs, deleted);
  }

  /** failedAcked: whether a row this run recorded as failed or rejected was acknowledged in it too. */
  get failedAcked(): boolean {
    return this.#acks?.failedAcked ?? false;
  }

  /** ackDeleted records that the deletion of the gone keys `seqs` was handled. */
  async ackDeleted(seqs: readonly number[] | SeqRuns): Promise<number> {
    if (this.#acks === undefined || !this.#pages?.goneReady) return 0;
    return this.#acks.ackDeleted(this.#shape, seqs);
  }

  /**
   * seqsForKeys finds the delta rows (or deleted rows) of the given keys, for save.row and
   * save.delete with a plain dict. Key values arrive as the model saw them (ISO strings for
   * times, exact digits for decimals, base64 for blobs) and are compared as values of the
   * key columns' types. The map is keyed by keyString of each given key.
   */
  async seqsForKeys(keys: ReadonlyArray<readonly unknown[]>, deleted: boolean): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (keys.length === 0 || (deleted && !this.#pages?.goneReady)) return out;
    const columns = (deleted ? this.#stored : this.#columns) ?? [];
    const types = this.model.uniqueKey.map(
      (k) => columns.find((c) => c.name.toLowerCase() === k.toLowerCase())!.type,
    );
    const rows = await this.#store.queryJson(
      seqsForKeysSql(deleted ? this.work.gone : this.work.delta, this.model.uniqueKey, types, keys),
    );
    for (const r of rows) out.set(keyString(keys[Number(r['_i'])]!), Number(r['_seq']));
    return out;
  }

  /** close drops the session's working tables and closes the acknowledgements' connection (none may be running). */
  async close(): Promise<void> {
    for (const sql of dropWorkSql(this.work)) await this.#store.exec(sql).catch(() => undefined);
    this.#ackStore?.close();
    this.#ackStore = undefined;
  }

  #pagesOf(): DeltaPages {
    if (this.#pages === undefined) throw new Error('the delta is not computed yet (computeDelta first)');
    return this.#pages;
  }
}

export function keyString(values: readonly unknown[]): string {
  return values.map((v) => (v === null || v === undefined ? '\u0000' : String(v))).join('\u0001');
}
