// Store is the only place that talks to DuckDB: it opens the state database, migrates
// ebb's schema (state/migrate.ts), runs statements and transactions, and streams results.
// Reads and writes of ebb's own tables are in state/, the one owner of `_ebb.*`.

import { mkdirSync } from 'node:fs';
import { debugLog, type DebugLog } from '../debug.js';
import { Activity } from './activity.js';
import { describeOwner, Owner } from './owner.js';
import { dirname } from 'node:path';
import {
  DuckDBInstance,
  JsonDuckDBValueConverter,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBDataChunk,
  type DuckDBResult,
  type DuckDBType,
  type DuckDBValue,
} from './duckdb-api.js';
import {
  ProjectFileError,
  StateCorruptError,
  StateError,
  StateLockedError,
  errorMessage,
  isCorruptionMessage,
} from '../errors.js';
import { hideSecrets, type SetupStep } from './setup.js';
import { migrateState } from './state/migrate.js';
import { sqlString } from './quote.js';

export type Params = readonly DuckDBValue[];
export type JsonRow = Record<string, unknown>;

export interface StoreOptions {
  /** Path of the state database, or ':memory:'. */
  readonly path: string;
  /** Project root: relative file paths in SQL resolve from here. */
  readonly root: string;
  /** DuckDB's memory limit (e.g. "512MB", "8GB"); past it, DuckDB spills to disk. */
  readonly memoryLimit?: string | undefined;
  /** The command holding the state (`ebb run`), named to a second process that finds it locked. */
  readonly command?: string;
  /** The project file's statements (settings, extensions, secrets, sources), run after opening. */
  readonly setup?: readonly SetupStep[];
  /** Open an existing state read-only: no migration, no owner file, DuckDB refuses every write. */
  readonly readOnly?: boolean;
  /**
   * The debug channel EBB_DEBUG=sql traces every statement through, with its duration; by
   * default the process's, written to stderr (a command passes its IO's).
   */
  readonly debug?: DebugLog;
}

/**
 * The default memory limit keeps a whole run (DuckDB, Node and the model's worker) under
 * 1 GiB on large syncs; EBB_MEMORY_LIMIT raises it for heavy transformations.
 */
export const DEFAULT_MEMORY_LIMIT = process.env['EBB_MEMORY_LIMIT'] || '400MB';

export class Store {
  readonly path: string;
  #instance: DuckDBInstance;
  #conn: DuckDBConnection;
  #root: string;
  #closed = false;
  #owner: Owner | undefined;
  readonly #debug: DebugLog;
  /** The store a sibling was opened from, which owns the instance: closing a sibling closes its connection only. */
  #parent: Store | undefined;
  /** The siblings opened from this store, closed with it if their user did not. */
  readonly #siblings = new Set<Store>();
  /** The statements running on the instance's connections, which closing waits for (activity.ts). */
  readonly #activity: Activity;
  /** DuckDB's thread count owed back to the instance (oweThreads), or undefined. */
  #threadsOwed: number | undefined;

  private constructor(
    path: string,
    root: string,
    instance: DuckDBInstance,
    conn: DuckDBConnection,
    debug: DebugLog,
    activity = new Activity(),
  ) {
    this.path = path;
    this.#root = root;
    this.#debug = debug;
    this.#instance = instance;
    this.#conn = conn;
    this.#activity = activity;
  }

  /** open opens (creating if needed) and migrates the state database. */
  static async open(options: StoreOptions): Promise<Store> {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(
        options.path,
        options.readOnly === true ? { access_mode: 'READ_ONLY' } : undefined,
      );
    } catch (err) {
      const msg = errorMessage(err);
      if (/Could not set lock/i.test(msg)) {
        const pid = /PID (\d+)/.exec(msg)?.[1];
        throw new StateLockedError(options.path, pid ? describeOwner(options.path, Number(pid)) : '');
      }
      if (isCorruptionMessage(msg)) throw new StateCorruptError(options.path, msg, err);
      throw new StateError(`cannot open state ${options.path}: ${msg}`, err);
    }
    const conn = await instance.connect();
    const store = new Store(options.path, options.root, instance, conn, options.debug ?? processDebug());
    try {
      await conn.run(`SET file_search_path = ${sqlString(options.root)}`);
      const limit = options.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
      await conn.run(`SET memory_limit = ${sqlString(limit)}`).catch((err: unknown) => {
        throw new StateError(
          `memory limit "${limit}" (EBB_MEMORY_LIMIT) is not a size DuckDB accepts; write it like 400MB or 8GB (${errorMessage(err)})`,
          err,
        );
      });
      if (options.readOnly !== true) await migrateState(store);
      for (const step of options.setup ?? []) await store.#setup(step);
      if (options.path !== ':memory:' && options.command !== undefined && options.readOnly !== true)
        store.#owner = new Owner(options.path, options.command);
    } catch (err) {
      store.close();
      throw err;
    }
    return store;
  }

  /** #setup runs one project file statement; its failure names the file's line, without secrets. */
  async #setup(step: SetupStep): Promise<void> {
    try {
      await this.#conn.run(step.sql);
    } catch (err) {
      const message = hideSecrets(errorMessage(err).replace(/\s*\n\s*/g, ' '), step.secrets);
      throw new ProjectFileError(
        step.file,
        step.line,
        `${step.what}: ${message}${step.hint ? `; ${step.hint}` : ''}`,
      );
    }
  }

  /** #checked runs a statement (traced), naming a damaged state file as such (see corrupted). */
  #checked<T>(sql: string, run: () => Promise<T>): Promise<T> {
    // Closed, its connection may still be open (a statement running): nothing new may start.
    if (this.#closed)
      return Promise.reject(new Error(`the state ${this.path} is closed: no statement can start`));
    return this.#activity.track(
      traced(this.#debug, sql, run).catch((err: unknown) => {
        throw corrupted(this.path, err);
      }),
    );
  }

  /** exec runs a statement for its effect. */
  async exec(sql: string, params?: Params): Promise<void> {
    await this.#checked(sql, () => this.#conn.run(sql, params as DuckDBValue[] | undefined));
  }

  /** query runs a statement and returns its (small) result as JSON-like rows. */
  async query(sql: string, params?: Params): Promise<JsonRow[]> {
    const reader = await this.#checked(sql, () =>
      this.#conn.runAndReadAll(sql, params as DuckDBValue[] | undefined),
    );
    return reader.getRowObjectsJS() as JsonRow[];
  }

  /** queryJson is query with values converted to JSON-safe forms (big ints and decimals as strings). */
  async queryJson(sql: string, params?: Params): Promise<JsonRow[]> {
    const reader = await this.#checked(sql, () =>
      this.#conn.runAndReadAll(sql, params as DuckDBValue[] | undefined),
    );
    return reader.getRowObjectsJson() as JsonRow[];
  }

  /** scalar returns the first column of the first row. */
  async scalar(sql: string, params?: Params): Promise<unknown> {
    const reader = await this.#checked(sql, () =>
      this.#conn.runAndReadAll(sql, params as DuckDBValue[] | undefined),
    );
    const rows = reader.getRowsJS();
    return rows.length === 0 ? undefined : rows[0]![0];
  }

  /**
   * stream runs a query and yields its rows chunk by chunk (about 2,048 rows each), converted
   * to JSON-safe values, so a large result never sits in memory at once.
   */
  async *stream(sql: string, params?: Params): AsyncGenerator<{ columns: string[]; rows: unknown[][] }> {
    const result = await this.#checked(sql, () =>
      this.#conn.stream(sql, params as DuckDBValue[] | undefined),
    );
    const columns = result.columnNames();
    for (;;) {
      const chunk = await fetchChunk(result, this.path, this.#activity);
      if (!chunk || chunk.rowCount === 0) break;
      yield { columns, rows: chunk.convertRows(JsonDuckDBValueConverter) };
    }
  }

  /**
   * streamValues runs a query and yields its rows chunk by chunk as DuckDB values, with the
   * column names and types, for callers that convert values themselves (one JSON mapping).
   */
  async *streamValues(
    sql: string,
    params?: Params,
  ): AsyncGenerator<{ columns: string[]; types: DuckDBType[]; rows: DuckDBValue[][] }> {
    const result = await this.#checked(sql, () =>
      this.#conn.stream(sql, params as DuckDBValue[] | undefined),
    );
    const columns = result.columnNames();
    const types = result.columnTypes();
    for (;;) {
      const chunk = await fetchChunk(result, this.path, this.#activity);
      if (!chunk || chunk.rowCount === 0) break;
      yield { columns, types, rows: chunk.getRows() };
    }
  }

  /** columnsOf tells the names and types of a query's result columns, without running it. */
  async columnsOf(sql: string): Promise<Array<{ name: string; type: DuckDBType }>> {
    const prepared = await this.#checked(sql, () => this.#conn.prepare(sql));
    try {
      const out: Array<{ name: string; type: DuckDBType }> = [];
      for (let i = 0; i < prepared.columnCount; i++)
        out.push({ name: prepared.columnName(i), type: prepared.columnType(i) });
      return out;
    } finally {
      prepared.destroySync();
    }
  }

  /** rows runs a query and returns its rows as DuckDB values (for small, paged results). */
  async rows(
    sql: string,
    params?: Params,
  ): Promise<{ columns: string[]; types: DuckDBType[]; rows: DuckDBValue[][] }> {
    const reader = await this.#checked(sql, () =>
      this.#conn.runAndReadAll(sql, params as DuckDBValue[] | undefined),
    );
    return { columns: reader.columnNames(), types: reader.columnTypes(), rows: reader.getRows() };
  }

  /**
   * openCursor starts a streaming query on a connection of its own, so it can stay open
   * while other statements run (a model reading one query while saving rows).
   */
  async openCursor(sql: string, params?: Params): Promise<Cursor> {
    const conn = await this.#instance.connect();
    try {
      await conn.run(`SET file_search_path = ${sqlString(this.#root)}`);
      const result = await this.#activity.track(conn.stream(sql, params as DuckDBValue[] | undefined));
      return new Cursor(conn, result, this.path, this.#activity);
    } catch (err) {
      conn.closeSync();
      throw corrupted(this.path, err);
    }
  }

  /**
   * sibling is a second connection to the same database, with transactions of its own: its
   * statements run beside this store's (the driver runs each connection's work on a thread of
   * its own), so a commit on one need not wait for a read on the other. Temporary tables are
   * per connection; what both must see lives in the database or in an attached one. Close it
   * before this store; closing it closes its connection only.
   */
  async sibling(): Promise<Store> {
    const conn = await this.#instance.connect();
    try {
      await conn.run(`SET file_search_path = ${sqlString(this.#root)}`);
    } catch (err) {
      conn.closeSync();
      throw corrupted(this.path, err);
    }
    const store = new Store(this.path, this.#root, this.#instance, conn, this.#debug, this.#activity);
    store.#parent = this;
    this.#siblings.add(store);
    return store;
  }

  /** appender opens a DuckDB appender on a table (bulk inserts). */
  async appender(table: string, schema: string, catalog?: string): Promise<DuckDBAppender> {
    return this.#activity.track(this.#conn.createAppender(table, schema, catalog ?? null));
  }

  /** transaction runs fn inside BEGIN/COMMIT; any error rolls everything back. */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.#checked('BEGIN TRANSACTION', () => this.#conn.run('BEGIN TRANSACTION'));
    try {
      const out = await fn();
      await this.#checked('COMMIT', () => this.#conn.run('COMMIT'));
      return out;
    } catch (err) {
      try {
        await this.#activity.track(this.#conn.run('ROLLBACK'));
      } catch {
        // The transaction may already be aborted by DuckDB; the original error matters.
      }
      throw err;
    }
  }

  /** objectType tells whether schema.name is a table or a view. */
  async objectType(schema: string, name: string): Promise<'table' | 'view' | undefined> {
    const rows = await this.query(
      `SELECT table_type FROM information_schema.tables
        WHERE table_catalog = current_database() AND table_schema = ? AND table_name = ?`,
      [schema, name],
    );
    if (rows.length === 0) return undefined;
    return rows[0]!['table_type'] === 'VIEW' ? 'view' : 'table';
  }

  /**
   * oweThreads notes that DuckDB's thread count (an instance's setting) was narrowed and is to
   * be set back to `threads` by settleThreads, which a run calls as each model starts: a run's
   * last model does not wait, on its way to the exit, for DuckDB to join its threads again
   * (15–40 ms after a large delta). The first debt counts: it holds the count from before.
   */
  oweThreads(threads: number): void {
    this.#threadsOwed ??= threads;
  }

  /** settleThreads sets back the thread count oweThreads noted, if any. */
  async settleThreads(): Promise<void> {
    const threads = this.#threadsOwed;
    if (threads === undefined) return;
    this.#threadsOwed = undefined;
    await this.exec(`SET threads = ${threads}`);
  }

  /** noteModel records which model the holder is on, for the message a second process gets. */
  noteModel(model: string | undefined): void {
    this.#owner?.note(model);
  }

  /**
   * close closes the connection (and, for the store that opened it, the instance) once no
   * statement runs on the instance: at once, or when the last one ends. Nothing new may start.
   */
  close(): void {
    this.#closeAll(true);
  }

  /**
   * closeForExit is close() for a process that exits next: the state is checkpointed (what
   * closing the instance would do), the connections closed and the owner file removed, and the
   * instance is left to the exit, which reclaims its memory at once. A checkpoint that fails
   * (a read-only state) leaves it to the ordinary close.
   */
  async closeForExit(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.exec('CHECKPOINT');
    } catch {
      this.close();
      return;
    }
    this.#closeAll(false);
  }

  #closeAll(instance: boolean): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of this.#siblings) s.close();
    this.#activity.whenIdle(() => {
      this.#owner?.release();
      this.#conn.closeSync();
      if (this.#parent) this.#parent.#siblings.delete(this);
      else if (instance) this.#instance.closeSync();
    });
  }
}

let processLog: DebugLog | undefined;

/** processDebug is the debug channel of the process's environment, written to stderr. */
function processDebug(): DebugLog {
  processLog ??= debugLog(process.env, (text) => process.stderr.write(text));
  return processLog;
}

/**
 * corrupted is `err` as a StateCorruptError when DuckDB found the state file damaged (a
 * checksum that does not match), else `err` itself.
 */
function corrupted(path: string, err: unknown): unknown {
  if (err instanceof StateCorruptError) return err;
  const msg = errorMessage(err);
  return isCorruptionMessage(msg) ? new StateCorruptError(path, msg, err) : err;
}

/** The start of a statement a trace line shows: a line's worth. */
const TRACED_SQL_CHARS = 160;

/** traced writes each statement and its duration to the debug channel when EBB_DEBUG names sql. */
async function traced<T>(debug: DebugLog, sql: string, run: () => Promise<T>): Promise<T> {
  if (!debug.enabled('sql')) return run();
  const t0 = performance.now();
  try {
    return await run();
  } finally {
    const ms = (performance.now() - t0).toFixed(1);
    debug.log('sql', `${ms}ms ${sql.replace(/\s+/g, ' ').slice(0, TRACED_SQL_CHARS)}`);
  }
}

/** fetchChunk reads a streamed result's next chunk, counted as running on the instance. */
function fetchChunk(result: DuckDBResult, path: string, activity: Activity): Promise<DuckDBDataChunk | null> {
  return activity.track(
    result.fetchChunk().catch((err: unknown) => {
      throw corrupted(path, err);
    }),
  );
}

/** Cursor is an open streaming query; read it chunk by chunk, then close it. */
export class Cursor {
  readonly columns: readonly string[];
  #conn: DuckDBConnection;
  #result: DuckDBResult;
  #path: string;
  #activity: Activity;
  #closed = false;

  constructor(conn: DuckDBConnection, result: DuckDBResult, path: string, activity: Activity) {
    this.#conn = conn;
    this.#result = result;
    this.#path = path;
    this.#activity = activity;
    this.columns = result.columnNames();
  }

  get columnTypes(): DuckDBType[] {
    return this.#result.columnTypes();
  }

  /** next returns the next chunk of rows (about 2,048), or undefined at the end. */
  async next(): Promise<DuckDBValue[][] | undefined> {
    if (this.#closed) return undefined;
    const chunk = await fetchChunk(this.#result, this.#path, this.#activity);
    if (!chunk || chunk.rowCount === 0) {
      this.close();
      return undefined;
    }
    return chunk.getRows();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const conn = this.#conn;
    this.#activity.whenIdle(() => conn.closeSync());
  }
}
