// The host modules a .star model sees (query, deleted, save, env, http), running in the
// model's worker and calling the main thread through the channel.
//
// A save in a tracked model is a conditional acknowledgement: it carries the ids of the
// requests the script issued since its previous save and did not read, and the main thread
// commits it only if all of them ended in 2xx.

import {
  Builtin,
  HostValue,
  None,
  elements,
  makeModule,
  makeString,
  repr,
  toJS,
  truth,
  typeName,
  unpackArgs,
  type Thread,
  type Value,
} from '../starlark/index.js';
import { HostCallError, type Client } from './channel.js';
import { CallSite } from './call-site.js';
import { EbbError, RUN_CODES } from '../errors.js';
import { HttpModule } from './http-module.js';
import { SeqRuns } from '../detect/seq-runs.js';
import { EMPTY_PAGE, pageRows, type PageLists, type RowsPage } from './rows-page.js';
import { BATCH, FLUSH_MS, PAGE, type ModelInit, type ModelOps, type PageWant } from './protocol.js';
import { Row, RowShape, type RowOrigin } from './row.js';
import { MIN_SECRET } from './secret-forms.js';
import { starToWire, type Wire } from './wire.js';

/** Fetches a page after a sequence number, with what the script showed it needs. */
type PageFetch = (after: number, want: PageWant) => RowsPage;

/** Reads what a page came without, when the script first needs it (rows first…first+count-1). */
type ListsFetch = (first: number, count: number) => PageLists;

/** RowStream is what query() and deleted() return: rows fetched page by page. */
class RowStream extends HostValue {
  readonly #fetch: PageFetch;
  readonly #lists: ListsFetch | undefined;
  readonly #origin: RowOrigin;
  readonly #once: boolean;
  #used = false;

  constructor(fetch: PageFetch, origin: RowOrigin, once: boolean, lists?: ListsFetch) {
    super();
    this.#fetch = fetch;
    this.#lists = lists;
    this.#origin = origin;
    this.#once = once;
  }

  type(): string {
    return 'query_result';
  }

  override *iterate(): Iterator<Value> {
    if (this.#once && this.#used) {
      throw new Error('this query result was already read; call query() again, or keep list(query(...))');
    }
    this.#used = true;
    let after = 0;
    // Pages come without their values or row texts until the script shows that it reads them:
    // a loop that only acknowledges rows never has them read from DuckDB.
    let values = this.#lists === undefined;
    let rowTexts = false;
    for (;;) {
      const page = this.#fetch(after, { values, rows: rowTexts });
      if (page.count === 0) return;
      const shape = new RowShape(page.columns);
      const rows = pageRows(page, shape, this.#origin, this.#lists?.(page.first, page.count));
      for (let i = 0; i < page.count; i++) {
        const r = rows.row(i);
        yield r;
        after = r.seq;
      }
      values ||= rows.valuesRead();
      rowTexts ||= rows.rowsRead();
    }
  }
}

/** Host is the state of one model run on the worker side: its open queries and pending acks. */
export class Host {
  readonly #client: Client<ModelOps>;
  readonly #init: ModelInit;
  readonly http: HttpModule;
  #trackedSql: string | undefined;
  #sinkRows: Array<Record<string, Wire>> = [];
  #lastFlush = performance.now();

  /** The runs of the last ack message posted (what a following ack without dependencies may join). */
  #lastAck: SeqRuns | undefined;

  readonly #site = new CallSite();
  #ackAt: string | undefined;
  #sinkCount = 0;
  /** Where the rows not yet flushed were saved: from row `first` on, at `at`. */
  #sinkSites: Array<{ readonly first: number; readonly at: string | undefined }> = [];

  constructor(client: Client<ModelOps>, init: ModelInit) {
    this.#client = client;
    this.#init = init;
    this.http = new HttpModule(client, init);
  }

  get tracked(): boolean {
    return this.#init.kind === 'tracked';
  }

  /** predeclared returns the names the model's script can use. */
  predeclared(): Record<string, Value> {
    return {
      query: new Builtin('query', (_th, _fn, args, kwargs) => this.#query(args, kwargs)),
      deleted: new Builtin('deleted', (_th, _fn, args, kwargs) => this.#deleted(args, kwargs)),
      save: makeModule('save', {
        row: new Builtin('save.row', (th, _fn, args, kwargs) => {
          const [row] = unpackArgs('save.row', args, kwargs, 'row');
          this.#save([row!], 'save.row', th);
          return None;
        }),
        rows: new Builtin('save.rows', (th, _fn, args, kwargs) => {
          const [rows] = unpackArgs('save.rows', args, kwargs, 'rows');
          this.#save(iterate(rows!, 'save.rows'), 'save.rows', th);
          return None;
        }),
        delete: new Builtin('save.delete', (th, _fn, args, kwargs) => {
          const [row] = unpackArgs('save.delete', args, kwargs, 'row');
          this.#saveDelete(row!, th);
          return None;
        }),
      }),
      env: makeModule('env', {
        get: new Builtin('env.get', (_th, _fn, args, kwargs) => {
          const [name, dflt, secret] = unpackArgs('env.get', args, kwargs, 'name', 'default?', 'secret?');
          if (typeof name !== 'string')
            throw new Error(`env.get: name must be a string, not ${typeName(name!)}`);
          const key = toJS(name) as string;
          const value = this.#init.env[key];
          if (value === undefined) {
            if (dflt !== undefined) return dflt;
            throw new EbbError(
              RUN_CODES.envMissing,
              `env.get: ${key} is not set (ebb looked in ${this.#init.envSources}); set it there, ` +
                `or write env.get(${JSON.stringify(key)}, None) if the model can do without it`,
            );
          }
          // A value is a secret unless the script says it is not (secret=False: a URL, a region),
          // so that messages about it stay readable.
          if (value !== '' && (secret === undefined || truth(secret))) {
            this.#client.post('secret', value, 'env.get');
            if (value.length < MIN_SECRET)
              this.#client.post(
                'print',
                `warning: env.get(${JSON.stringify(key)}): the value is shorter than ${MIN_SECRET} characters, ` +
                  'too short to be redacted from output (it would mangle any text holding those characters); ' +
                  'use a longer secret, or write secret=False if it is not one',
                'env.get',
              );
          }
          return makeString(value);
        }),
      }),
      http: this.http.module(),
    };
  }

  #query(args: Value[], kwargs: Array<[string, Value]>): Value {
    if (args.length === 0) throw new Error('query: missing argument for sql');
    const sql = args[0]!;
    if (typeof sql !== 'string') throw new Error(`query: sql must be a string, not ${typeName(sql)}`);
    let delta = true;
    for (const [k, v] of kwargs) {
      if (k === 'delta') delta = truth(v);
      else
        throw new Error(
          `query: unexpected keyword argument "${k}" (parameters are positional: query(sql, p1, p2, delta=False))`,
        );
    }
    const text = toJS(sql) as string;
    const params = args.slice(1).map((p, i) => param(p, i + 1));
    if (this.tracked && delta) {
      if (this.#trackedSql !== undefined && this.#trackedSql !== text) {
        throw new Error(
          'query: a tracked model has one tracked query, and this is a second one with different SQL; ' +
            'use query(sql, delta=False) for lookups and reference data',
        );
      }
      if (this.#trackedSql === undefined) {
        this.#call('query', 'tracked.open', { sql: text, params });
        this.#trackedSql = text;
      }
      return new RowStream(
        (after, want) => this.#call('query', 'tracked.page', { after, limit: PAGE, ...want }),
        'tracked',
        false,
        (first, count) => ({
          values: () => this.#call('query', 'tracked.values', { after: first - 1, limit: count }),
          rows: () => this.#call('query', 'tracked.rows', { after: first - 1, limit: count }),
        }),
      );
    }
    const id = this.#call('query', 'cursor.open', { sql: text, params });
    let done = false;
    return new RowStream(
      () => {
        if (done) return EMPTY_PAGE;
        const page = this.#call('query', 'cursor.next', { id });
        if (page.count === 0) done = true;
        return page;
      },
      'plain',
      true,
    );
  }

  #deleted(args: Value[], kwargs: Array<[string, Value]>): Value {
    unpackArgs('deleted', args, kwargs);
    if (!this.tracked) throw new Error('deleted: only a tracked model (@kind: tracked) has deleted rows');
    if (this.#trackedSql === undefined)
      throw new Error(
        'deleted: call the tracked query() first; deleted() gives the keys that disappeared from it',
      );
    return new RowStream(
      (after) => this.#call('deleted', 'deleted.page', { after, limit: PAGE }),
      'deleted',
      false,
    );
  }

  #save(rows: Iterable<Value>, fn: string, th: Thread): void {
    const at = this.#site.of(th);
    if (this.tracked) {
      // One save, one set of dependencies, however many messages its rows take.
      let deps: number[] | undefined;
      let seqs = new SeqRuns();
      for (const r of rows) {
        deps ??= this.http.takeDeps();
        seqs.add(this.#seqOf(r, fn, false));
        if (seqs.size >= BATCH) {
          this.#ack(seqs, false, deps, fn, at);
          seqs = new SeqRuns();
        }
      }
      if (deps) this.#ack(seqs, false, deps, fn, at);
      return;
    }
    // Requests before a save of a non-tracked model are checked at the end (a failed unread one fails the model).
    const first = this.#sinkCount + this.#sinkRows.length + 1;
    for (const r of rows) this.#sinkRows.push(rowToWire(r, fn));
    const sites = this.#sinkSites;
    const previous = sites[sites.length - 1];
    if (this.#sinkCount + this.#sinkRows.length >= first && (previous === undefined || previous.at !== at))
      sites.push({ first, at });
    if (this.#sinkRows.length >= BATCH || performance.now() - this.#lastFlush >= FLUSH_MS) this.flush();
  }

  #saveDelete(row: Value, th: Thread): void {
    if (!this.tracked)
      throw new Error('save.delete: only a tracked model (@kind: tracked) acknowledges deletions');
    this.#ack(
      SeqRuns.of([this.#seqOf(row, 'save.delete', true)]),
      true,
      this.http.takeDeps(),
      'save.delete',
      this.#site.of(th),
    );
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
      if (prev.deps.length === 0 && prev.deleted === deleted && this.#lastAck.size < BATCH) {
        // The queued message's pairs are the runs' own array: appending extends the message.
        this.#lastAck.append(seqs);
        return;
      }
    }
    const changed = at !== this.#ackAt;
    this.#ackAt = at;
    const runs = seqs.pairs;
    this.#lastAck = seqs;
    this.#client.post(
      'ack',
      changed && at !== undefined ? { runs, deleted, deps, at } : { runs, deleted, deps },
      fn,
      at,
    );
  }

  /** seqOf finds which delta row a saved value acknowledges: a row from query()/deleted(), or a dict with the key. */
  #seqOf(row: Value, fn: string, deleted: boolean): number {
    if (this.#trackedSql === undefined) {
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
      if (!(k in fields) || fields[k] === null)
        throw new Error(
          `${fn}: the value has no ${k} (the @unique_key); pass the row from ${deleted ? 'deleted()' : 'query()'}`,
        );
      return fields[k]!;
    });
    const seq = this.#call(fn, 'tracked.seqForKey', { key, deleted });
    if (seq === null) {
      const desc = this.#init.uniqueKey.map((k, i) => `${k}=${String(key[i])}`).join(', ');
      throw new Error(
        `${fn}: key (${desc}) is not among the rows ${deleted ? 'deleted()' : 'query()'} returned in this run`,
      );
    }
    return seq;
  }

  /** #call makes a host call; a failure reads like the builtin's own error ("query: …"). */
  #call<K extends keyof ModelOps & string>(
    fn: string,
    op: K,
    payload: ModelOps[K]['req'],
  ): ModelOps[K]['rep'] {
    try {
      return this.#client.call(op, payload);
    } catch (err) {
      if (err instanceof HostCallError && err.origin === undefined)
        throw new Error(`${fn}: ${err.message}`, { cause: err });
      throw err;
    }
  }

  /**
   * flush sends the rows a non-tracked model saved so far to the main thread, which stores them
   * in order while the script goes on; if storing fails, the script's next host call fails
   * with the failure attributed to the save.
   */
  flush(): void {
    this.#lastFlush = performance.now();
    if (this.#sinkRows.length > 0) {
      const rows = this.#sinkRows;
      const sites = this.#sinkSites;
      this.#sinkRows = [];
      this.#sinkSites = [];
      const end = this.#sinkCount + rows.length;
      this.#client.post('sink.rows', { rows }, `save.row (${sinkOrigin(sites, end)})`, sites[0]?.at);
      this.#sinkCount = end;
    }
    this.#client.postNow();
  }
}

/** Sites named in a sink.rows origin before "…". */
const MAX_SITES = 4;

/**
 * sinkOrigin describes the rows of one sink.rows message ending at row `end`: "rows 1–500", or,
 * when they were saved at several places, each range with its place ("rows 1–10 at
 * models/x.star:4:13, row 11 at models/x.star:8:9").
 */
function sinkOrigin(
  sites: ReadonlyArray<{ readonly first: number; readonly at: string | undefined }>,
  end: number,
): string {
  const range = (from: number, to: number) => (from === to ? `row ${from}` : `rows ${from}–${to}`);
  if (sites.length <= 1) return range(sites[0]!.first, end);
  const parts = sites.slice(0, MAX_SITES).map((s, i) => {
    const to = i + 1 < sites.length ? sites[i + 1]!.first - 1 : end;
    return s.at === undefined ? range(s.first, to) : `${range(s.first, to)} at ${s.at}`;
  });
  return parts.join(', ') + (sites.length > MAX_SITES ? `, … ${range(sites[MAX_SITES]!.first, end)}` : '');
}

function* iterate(x: Value, fn: string): Generator<Value> {
  if (x instanceof HostValue && x.iterate) {
    const it = x.iterate();
    for (let r = it.next(); !r.done; r = it.next()) yield r.value;
    return;
  }
  const t = typeName(x);
  if (t !== 'list' && t !== 'tuple') throw new Error(`${fn}: want a list of rows, got ${t}`);
  yield* elements(x)!;
}

function param(p: Value, i: number): Wire {
  const t = typeName(p);
  if (t === 'int' || t === 'float' || t === 'string' || t === 'bool' || t === 'NoneType')
    return starToWire(p, `query: parameter ${i}`);
  throw new Error(
    `query: parameter ${i} has type ${t}; pass int, float, string, bool or None (values are bound, never spliced into the SQL)`,
  );
}

function rowToWire(row: Value, fn: string): Record<string, Wire> {
  const value = row instanceof Row ? row.toJSON() : row;
  const t = typeName(value);
  if (t !== 'dict' && t !== 'struct')
    throw new Error(`${fn}: want a row, dict or struct, got ${t} ${repr(row)}`);
  const wire = starToWire(value, fn) as Record<string, Wire>;
  for (const name of Object.keys(wire)) {
    // A column needs a name DuckDB can hold (its parser refuses "" as an identifier).
    if (name.trim() === '')
      throw new Error(
        `${fn}: a column name cannot be empty or blank, got ${JSON.stringify(name)} in ${repr(row)}`,
      );
  }
  return wire;
}
