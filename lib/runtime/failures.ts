// _ebb.failures: the rows of a tracked model whose requests failed (after retries). Each row
// keeps its key, change, the request (URL redacted), the answer (status, error cut and
// redacted), attempts and when it failed first and last. An entry is cleared when a later run
// delivers the key. The next run sends these rows again: they were never acknowledged.

import type { TrackedSession, DeltaPage } from '../detect/tracked.js';
import { quoteIdent, quotedTable, type Model } from '../project/index.js';
import type { Store } from '../store/index.js';
import type { Redactor } from './secrets.js';
import { fromDuckDB, type JsValue } from './values.js';

/** Characters of an error (a response body, a network error) kept in _ebb.failures. */
export const MAX_ERROR_CHARS = 1000;

export interface FailedAck {
  readonly seqs: readonly number[];
  readonly deleted: boolean;
  readonly method: string;
  readonly url: string;
  readonly status: number | null;
  readonly error: string;
  readonly attempts: number;
}

/** keyJson is a row's key as stored in _ebb.failures: a JSON object of the key columns. */
export function keyJson(model: Model, columns: readonly string[], values: readonly unknown[]): string {
  const key: Record<string, JsValue> = {};
  for (const k of model.uniqueKey) {
    const i = columns.findIndex((c) => c.toLowerCase() === k.toLowerCase());
    key[k] = i < 0 ? null : fromDuckDB(values[i] as never);
  }
  return JSON.stringify(key, (_k, v: unknown) =>
    typeof v === 'bigint' ? (v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString()) : v,
  );
}

export class FailureLog {
  readonly #store: Store;
  readonly #model: Model;
  readonly #runId: string;
  readonly #redactor: Redactor;
  readonly #session: TrackedSession;

  constructor(store: Store, model: Model, runId: string, redactor: Redactor, session: TrackedSession) {
    this.#store = store;
    this.#model = model;
    this.#runId = runId;
    this.#redactor = redactor;
    this.#session = session;
  }

  /** record stores failed acknowledgements (run on the database lane). */
  async record(failed: readonly FailedAck[]): Promise<void> {
    const rows = new Map<string, unknown[]>();
    for (const f of failed) {
      for (const { seq, count } of runs(f.seqs)) {
        const page: DeltaPage = f.deleted ? await this.#session.deletedPage(seq - 1, count) : await this.#session.page(seq - 1, count);
        for (const r of page.rows) {
          const key = keyJson(this.#model, page.columns, r.values);
          rows.set(key, [
            this.#model.name, key, r.change, f.method, this.#redactor.redact(f.url),
            f.status, this.#redactor.redact(f.error).slice(0, MAX_ERROR_CHARS), f.attempts, this.#runId,
          ]);
        }
      }
    }
    const all = [...rows.values()];
    for (let i = 0; i < all.length; i += 200) {
      const chunk = all.slice(i, i + 200);
      await this.#store.exec(
        `INSERT INTO _ebb.failures (model, key, change, method, url, status, error, attempts, first_failed_at, last_failed_at, run_id)
         VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, now(), now(), ?)').join(', ')}
         ON CONFLICT (model, key) DO UPDATE SET change = excluded.change, method = excluded.method, url = excluded.url,
           status = excluded.status, error = excluded.error, attempts = excluded.attempts,
           last_failed_at = excluded.last_failed_at, run_id = excluded.run_id`,
        chunk.flat().map((v) => (typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : v)) as never,
      );
    }
  }

  /**
   * clearDelivered removes the entries of keys this run delivered: new or changed rows now
   * stored by this run, deleted keys no longer in the table. Returns how many were cleared.
   */
  async clearDelivered(): Promise<number> {
    const m = this.#model;
    const pending = Number(await this.#store.scalar('SELECT count(*)::DOUBLE FROM _ebb.failures WHERE model = ? AND run_id <> ?', [m.name, this.#runId]));
    if (pending === 0 || (await this.#store.objectType(m.schema, m.table)) !== 'table') return 0;
    const match = m.uniqueKey.map((k) => `CAST(t.${quoteIdent(k)} AS VARCHAR) = (f.key::JSON ->> ${sqlText('$.' + JSON.stringify(k))})`).join(' AND ');
    const table = quotedTable(m);
    const before = pending;
    await this.#store.exec(
      `DELETE FROM _ebb.failures AS f
        WHERE f.model = ? AND f.run_id <> ?
          AND ((f.change <> 'deleted' AND EXISTS (SELECT 1 FROM ${table} AS t WHERE t._ebb_run_id = ? AND ${match}))
            OR (f.change = 'deleted' AND NOT EXISTS (SELECT 1 FROM ${table} AS t WHERE ${match})))`,
      [m.name, this.#runId, this.#runId],
    );
    const after = Number(await this.#store.scalar('SELECT count(*)::DOUBLE FROM _ebb.failures WHERE model = ? AND run_id <> ?', [m.name, this.#runId]));
    return before - after;
  }
}

function sqlText(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** runs groups sequence numbers into consecutive runs, so rows are read a range at a time. */
function runs(seqs: readonly number[]): Array<{ seq: number; count: number }> {
  const sorted = [...seqs].sort((a, b) => a - b);
  const out: Array<{ seq: number; count: number }> = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s === last.seq + last.count) last.count++;
    else if (!last || s >= last.seq + last.count) out.push({ seq: s, count: 1 });
  }
  return out;
}
