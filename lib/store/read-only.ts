// A state database opened read-only, for a reader that must never hold it long (the dashboard):
// no migration, no owner file, nothing written. DuckDB lets no process open a file while another
// holds it read-write, so a locked state is a StateLockedError the caller can show as "busy".

import { StateError, StateLockedError, errorMessage } from '../errors.js';
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from './duckdb-api.js';
import { describeOwner } from './owner.js';
import type { JsonRow, Params } from './store.js';

export class ReadOnlyState {
  readonly path: string;
  #instance: DuckDBInstance;
  #conn: DuckDBConnection;
  #closed = false;

  private constructor(path: string, instance: DuckDBInstance, conn: DuckDBConnection) {
    this.path = path;
    this.#instance = instance;
    this.#conn = conn;
  }

  /** open opens an existing state file read-only; a missing file is a StateError, a held one StateLockedError. */
  static async open(path: string): Promise<ReadOnlyState> {
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
    } catch (err) {
      const msg = errorMessage(err);
      if (/Could not set lock/i.test(msg)) {
        const pid = /PID (\d+)/.exec(msg)?.[1];
        throw new StateLockedError(path, pid ? describeOwner(path, Number(pid)) : '');
      }
      throw new StateError(`cannot open state ${path} read-only: ${msg}`, err);
    }
    return new ReadOnlyState(path, instance, await instance.connect());
  }

  /** queryJson runs a (small) query; values come JSON-safe (big integers and decimals as strings). */
  async queryJson(sql: string, params?: Params): Promise<JsonRow[]> {
    const reader = await this.#conn.runAndReadAll(sql, params as DuckDBValue[] | undefined);
    return reader.getRowObjectsJson() as JsonRow[];
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#conn.closeSync();
    this.#instance.closeSync();
  }
}
