// TrackedSaves are the saves of a tracked script: each is a conditional acknowledgement of delta
// rows. It carries the ids of the requests the script issued since its previous save (read or
// not), and the main thread commits it only if all of them ended in 2xx. Acks without
// dependencies coalesce into one message. A save with an outcome function is decided on this
// thread instead, once its requests are over (outcomes.ts).

import { SeqRuns } from '../detect/seq-runs.js';
import { typeName, type Value } from '../starlark/index.js';
import type { Client } from './channel.js';
import { callAs } from './host-call.js';
import type { HttpModule, Response } from './http-module.js';
import type { Outcomes } from './outcomes.js';
import { attachAck, hasAck, type HttpCallWire } from './http-call-wire.js';
import { MESSAGE_ROWS, type ModelInit, type ModelOps } from './protocol.js';
import { Row } from './row.js';
import type { SaveCall, Saves } from './saves.js';
import { rowToWire } from './wire.js';

export class TrackedSaves implements Saves {
  readonly #client: Client<ModelOps>;
  readonly #init: ModelInit;
  readonly #http: HttpModule;
  readonly #outcomes: Outcomes;
  /** Whether the script opened its tracked query (saves acknowledge rows it returned). */
  readonly #opened: () => boolean;
  /** The runs of the last ack message posted (what a following ack without dependencies may join). */
  #lastAck: SeqRuns | undefined;
  /** Where the last ack was saved (sent again only when it changes). */
  #ackAt: string | undefined;

  constructor(
    client: Client<ModelOps>,
    init: ModelInit,
    http: HttpModule,
    outcomes: Outcomes,
    opened: () => boolean,
  ) {
    this.#client = client;
    this.#outcomes = outcomes;
    this.#init = init;
    this.#http = http;
    this.#opened = opened;
  }

  rows(rows: Iterable<Value>, call: SaveCall): void {
    const { fn, at } = call;
    if (call.outcome !== undefined) {
      const values = [...rows];
      this.#decide(
        values,
        values.map((r) => this.#seqOf(r, fn, false)),
        false,
        call,
      );
      return;
    }
    // One save, one set of dependencies, however many messages its rows take.
    let deps: number[] | undefined;
    let seqs = new SeqRuns();
    for (const r of rows) {
      deps ??= ids(this.#http.takeDeps());
      seqs.add(this.#seqOf(r, fn, false));
      if (seqs.size >= MESSAGE_ROWS) {
        this.#ack(seqs, false, deps, fn, at);
        seqs = new SeqRuns();
      }
    }
    if (deps) this.#ack(seqs, false, deps, fn, at);
  }

  delete(rows: readonly Value[], call: SaveCall): void {
    const seqs = rows.map((row) => this.#seqOf(row, 'save.delete', true));
    if (call.outcome !== undefined) this.#decide([...rows], seqs, true, call);
    // One save: every deletion depends on the same requests.
    else if (seqs.length > 0)
      this.#ack(SeqRuns.of(seqs), true, ids(this.#http.takeDeps()), 'save.delete', call.at);
  }

  /**
   * reject records a row the script refused itself, without a request (a Segment event over
   * 32 KB): rejected, with the script's message, as if the API had refused it.
   */
  reject(row: Value, message: string, call: SaveCall): void {
    const deleted = row instanceof Row && row.origin === 'deleted';
    const seq = this.#seqOf(row, call.fn, deleted);
    const refused = [
      { seq, kind: 'rejected' as const, message, method: '', url: '', status: null, attempts: 0 },
    ];
    const at = call.at === undefined ? {} : { at: call.at };
    this.#client.post('outcome', { runs: [], deleted, deps: [], refused, ...at }, call.fn);
  }

  /** #decide holds a save with an outcome function until its requests are over (see outcomes.ts). */
  #decide(rows: Value[], seqs: number[], deleted: boolean, call: SaveCall): void {
    const fn = call.outcome!;
    const t = typeName(fn);
    if (t !== 'function' && t !== 'builtin_function_or_method')
      throw new Error(
        `${call.fn}: outcome= wants a function (response, rows) -> None or a list of outcomes, got ${t}`,
      );
    const deps = this.#http.takeDeps();
    if (seqs.length === 0) return;
    // Nothing was sent for these rows since the previous save: nothing to decide.
    if (deps.length === 0) this.#ack(SeqRuns.of(seqs), deleted, [], call.fn, call.at);
    else this.#outcomes.hold(call.th, { fn, deps, rows, seqs, deleted, at: call.at });
  }

  flush(): void {
    this.#client.postNow();
  }

  /**
   * #ack sends a conditional acknowledgement; those without dependencies coalesce into one
   * message. It carries where the save was made only when that changed since the last ack (the
   * main thread keeps the latest), so the seed loop does not send its line with every row.
   */
  #ack(seqs: SeqRuns, deleted: boolean, deps: number[], fn: string, at: string | undefined): void {
    if (seqs.size === 0) return;
    const last = this.#client.lastQueued();
    if (deps.length === 0 && last && last.op === 'ack' && this.#lastAck !== undefined) {
      const prev = last.req as ModelOps['ack']['req'];
      if (prev.deps.length === 0 && prev.deleted === deleted && this.#lastAck.size < MESSAGE_ROWS) {
        // The queued message's pairs are the runs' own array: appending extends the message.
        this.#lastAck.append(seqs);
        return;
      }
    }
    const changed = at !== this.#ackAt;
    this.#ackAt = at;
    const runs = seqs.pairs;
    if (deps.length === 1 && last && last.op === 'http' && last.id === deps[0]) {
      // The save depends on the request still in the outbox alone: it rides with it.
      const req = last.req as HttpCallWire;
      if (!hasAck(req)) {
        attachAck(req, changed && at !== undefined ? { runs, deleted, at } : { runs, deleted });
        this.#lastAck = undefined;
        return;
      }
    }
    this.#lastAck = seqs;
    this.#client.post(
      'ack',
      changed && at !== undefined ? { runs, deleted, deps, at } : { runs, deleted, deps },
      fn,
      at,
    );
  }

  /** #seqOf finds which delta row a saved value acknowledges: a row from query()/deleted(), or a dict with the key. */
  #seqOf(row: Value, fn: string, deleted: boolean): number {
    if (!this.#opened()) {
      throw new Error(
        `${fn}: in a tracked model, call the tracked query() first; ${fn} acknowledges rows it returned`,
      );
    }
    if (row instanceof Row) {
      if (row.origin === (deleted ? 'deleted' : 'tracked')) return row.seq;
      throw new Error(
        deleted
          ? `${fn}: this row comes from query(), not deleted(); use save.row to acknowledge it`
          : `${fn}: this row comes from ${row.origin === 'deleted' ? 'deleted(); use save.delete' : 'query(..., delta=False), which is not tracked'}`,
      );
    }
    const fields = rowToWire(row, fn);
    const key = this.#init.uniqueKey.map((k) => {
      const v = fields[keyField(fields, k)];
      if (v === undefined || v === null)
        throw new Error(
          `${fn}: the value has no ${k} (the @unique_key); pass the row from ${deleted ? 'deleted()' : 'query()'}`,
        );
      return v;
    });
    const seq = callAs(this.#client, fn, 'tracked.seqForKey', { key, deleted });
    if (seq === null) {
      const desc = this.#init.uniqueKey.map((k, i) => `${k}=${String(key[i])}`).join(', ');
      throw new Error(
        `${fn}: key (${desc}) is not among the rows ${deleted ? 'deleted()' : 'query()'} returned in this run`,
      );
    }
    return seq;
  }
}

/**
 * keyField is the field of `fields` that holds the key column `key`: DuckDB's names are
 * case-insensitive, so `@unique_key: ID` names a column `id` too (an exact match first).
 */
function keyField(fields: Readonly<Record<string, unknown>>, key: string): string {
  if (key in fields) return key;
  const lower = key.toLowerCase();
  return Object.keys(fields).find((f) => f.toLowerCase() === lower) ?? key;
}

function ids(deps: readonly Response[]): number[] {
  return deps.map((d) => d.id);
}
