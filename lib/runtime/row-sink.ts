// RowSink receives the rows a non-tracked .star model saves and writes them to the model's
// table when the script succeeds. The table's schema comes from the first rows; later rows
// are checked against it, and a conflict names the column and the row.

import type { DuckDBAppender } from '@duckdb/node-api';
import { ModelError } from '../errors.js';
import { bigintReplacer } from '../json.js';
import { quoteIdent, quotedTable, type Model } from '../project/index.js';
import { writeStaged, type Store } from '../store/index.js';
import { wireToJSON, type Wire } from './wire.js';

type ColumnType = 'BIGINT' | 'DOUBLE' | 'VARCHAR' | 'BOOLEAN' | 'BLOB' | 'JSON';

const STAGE = '_ebb_sink';

function typeOf(v: Wire): ColumnType | undefined {
  if (v === null) return undefined;
  switch (typeof v) {
    case 'bigint':
      return 'BIGINT';
    case 'number':
      return 'DOUBLE';
    case 'string':
      return 'VARCHAR';
    case 'boolean':
      return 'BOOLEAN';
  }
  if (v instanceof Uint8Array) return 'BLOB';
  return 'JSON';
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export class RowSink {
  readonly #store: Store;
  readonly #model: Model;
  #columns: Array<{ name: string; type: ColumnType }> | undefined;
  #appender: DuckDBAppender | undefined;
  #count = 0;

  constructor(store: Store, model: Model) {
    this.#store = store;
    this.#model = model;
  }

  get count(): number {
    return this.#count;
  }

  /** add appends saved rows; the first batch fixes the schema. */
  async add(rows: ReadonlyArray<Record<string, Wire>>): Promise<number> {
    if (rows.length === 0) return 0;
    if (!this.#columns) await this.#start(rows);
    const columns = this.#columns!;
    const known = new Set(columns.map((c) => c.name));
    const app = this.#appender!;
    for (const row of rows) {
      this.#count++;
      for (const name of Object.keys(row)) {
        if (!known.has(name)) {
          throw this.#error(
            row,
            `column ${name} is not in the table's schema, which was taken from the first rows saved (${columns.map((c) => c.name).join(', ')}); save every column in the first rows, with None where there is no value`,
          );
        }
      }
      for (const c of columns) {
        const v = row[c.name] ?? null;
        if (v === null) {
          app.appendNull();
          continue;
        }
        const t = typeOf(v)!;
        if (c.type === 'BIGINT' && t === 'BIGINT') {
          if ((v as bigint) < INT64_MIN || (v as bigint) > INT64_MAX)
            throw this.#error(row, `column ${c.name}: ${String(v)} does not fit in a BIGINT`);
          app.appendBigInt(v as bigint);
        } else if (c.type === 'DOUBLE' && (t === 'DOUBLE' || t === 'BIGINT')) {
          app.appendDouble(Number(v));
        } else if (c.type === 'VARCHAR' && t === 'VARCHAR') {
          app.appendVarchar(v as string);
        } else if (c.type === 'BOOLEAN' && t === 'BOOLEAN') {
          app.appendBoolean(v as boolean);
        } else if (c.type === 'BLOB' && t === 'BLOB') {
          app.appendBlob(v as Uint8Array);
        } else if (c.type === 'JSON' && t === 'JSON') {
          app.appendVarchar(JSON.stringify(wireToJSON(v), bigintReplacer));
        } else {
          throw this.#error(
            row,
            `column ${c.name} is ${c.type} (from the first rows saved) but this row has ${t === 'JSON' ? 'a list or dict' : t}`,
          );
        }
      }
      app.endRow();
    }
    return rows.length;
  }

  #error(row: Record<string, Wire>, message: string): ModelError {
    const key =
      this.#model.uniqueKey.length > 0
        ? `row (${this.#model.uniqueKey.map((k) => `${k}=${String(row[k] ?? null)}`).join(', ')})`
        : `row #${this.#count}`;
    return new ModelError(this.#model.name, this.#model.file, `save.row: ${key}: ${message}`);
  }

  async #start(rows: ReadonlyArray<Record<string, Wire>>): Promise<void> {
    const order: string[] = [];
    const types = new Map<string, ColumnType | undefined>();
    for (const row of rows) {
      for (const [name, v] of Object.entries(row)) {
        if (!types.has(name)) {
          order.push(name);
          types.set(name, undefined);
        }
        const t = typeOf(v);
        const have = types.get(name);
        if (have === undefined) types.set(name, t);
        else if (have === 'BIGINT' && t === 'DOUBLE') types.set(name, 'DOUBLE');
      }
    }
    this.#columns = order.map((name) => ({ name, type: types.get(name) ?? 'VARCHAR' }));
    const defs = this.#columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ');
    await this.#store.exec(`CREATE OR REPLACE TEMP TABLE ${STAGE} (${defs})`);
    this.#appender = await this.#store.appender(STAGE, 'main', 'temp');
  }

  /** finish writes the staged rows to the model's table by its kind, atomically. */
  async finish(): Promise<number> {
    if (this.#appender) {
      this.#appender.closeSync();
      this.#appender = undefined;
    }
    if (!this.#columns) {
      // Nothing saved: a table model is emptied (keeping its columns); others are unchanged.
      if (
        this.#model.kind === 'table' &&
        (await this.#store.objectType(this.#model.schema, this.#model.table)) === 'table'
      ) {
        await this.#store.exec(`DELETE FROM ${quotedTable(this.#model)}`);
      }
      return 0;
    }
    try {
      const model = this.#model;
      if (model.kind !== 'table' && model.kind !== 'append' && model.kind !== 'merge') {
        throw new ModelError(
          model.name,
          model.file,
          `a ${model.kind} model does not save rows through the sink`,
        );
      }
      return await this.#store.transaction(() =>
        writeStaged(
          this.#store,
          { ...model, kind: model.kind as 'table' | 'append' | 'merge' },
          `temp.main.${STAGE}`,
        ),
      );
    } catch (err) {
      if (err instanceof ModelError) throw err;
      throw new ModelError(
        this.#model.name,
        this.#model.file,
        `writing the saved rows failed: ${err instanceof Error ? err.message : String(err)}`,
        err,
      );
    } finally {
      await this.discard();
    }
  }

  async discard(): Promise<void> {
    if (this.#appender) {
      try {
        this.#appender.closeSync();
      } catch {
        // The staged rows are being thrown away; a failing close changes nothing.
      }
      this.#appender = undefined;
    }
    await this.#store.exec(`DROP TABLE IF EXISTS temp.main.${STAGE}`).catch(() => undefined);
  }
}
