// The host modules a .star model sees (query, deleted, save, env, http), running in the
// model's worker and calling the main thread through the channel.
//
// What save.* does depends on the kind of model (./saves.ts): in a tracked model a save is a
// conditional acknowledgement of delta rows, in any other it stores rows.

import {
  Builtin,
  HostValue,
  None,
  elements,
  makeModule,
  makeString,
  truth,
  typeName,
  anyValue,
  string,
  unpack,
  type Thread,
  type Value,
} from '../starlark/index.js';
import type { Client } from './channel.js';
import { callAs } from './host-call.js';
import { CallSite } from './call-site.js';
import { PAGE_ROWS } from '../detect/page-rows.js';
import { EbbError, RUN_CODES } from '../errors.js';
import { HttpModule } from './http-module.js';
import { EMPTY_PAGE, pageRows, type PageLists, type RowsPage } from './rows-page.js';
import { type ModelInit, type ModelOps, type PageWant, type QueryParam } from './protocol.js';
import { RowShape, type RowOrigin } from './row.js';
import { MAX_MESSAGE, outcomeModule } from './outcome-module.js';
import { oauthModule } from './oauth-module.js';
import { Outcomes } from './outcomes.js';
import type { SaveCall, Saves } from './saves.js';
import { SinkSaves } from './sink-saves.js';
import { TrackedSaves } from './tracked-saves.js';
import { starToWire } from './wire.js';
import { MIN_SECRET } from '../secret-forms.js';

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
  /** The @unique_key (tracked and deleted rows), to name a row in errors. */
  readonly #keys: readonly string[];
  #used = false;

  constructor(
    fetch: PageFetch,
    origin: RowOrigin,
    once: boolean,
    lists?: ListsFetch,
    keys: readonly string[] = [],
  ) {
    super();
    this.#fetch = fetch;
    this.#lists = lists;
    this.#origin = origin;
    this.#once = once;
    this.#keys = keys;
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
      const shape = new RowShape(page.columns, this.#keys);
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
  /** What save.* does: acknowledge delta rows (tracked) or store rows. */
  readonly #saves: Saves;
  /** Saves with an outcome function waiting for their requests (tracked models). */
  readonly #outcomes: Outcomes;
  readonly #site = new CallSite();
  #trackedSql: string | undefined;

  constructor(client: Client<ModelOps>, init: ModelInit) {
    this.#client = client;
    this.#init = init;
    this.http = new HttpModule(client, init);
    this.#outcomes = new Outcomes(client);
    this.http.afterCall = (th) => this.#outcomes.run(th);
    this.http.deciding = () => this.#outcomes.pending > 0;
    this.#saves =
      init.kind === 'tracked'
        ? new TrackedSaves(client, init, this.http, this.#outcomes, () => this.#trackedSql !== undefined)
        : new SinkSaves(client);
  }

  get tracked(): boolean {
    return this.#init.kind === 'tracked';
  }

  /** predeclared returns the names the model's script can use. */
  predeclared(): Record<string, Value> {
    return {
      query: new Builtin('query', (_th, _fn, args, kwargs) => this.#query(args, kwargs)),
      deleted: new Builtin('deleted', (_th, _fn, args, kwargs) => this.#deleted(args, kwargs)),
      save: this.#saveModule(),
      outcome: outcomeModule(),
      oauth: oauthModule(this.#client),
      env: makeModule('env', {
        get: new Builtin('env.get', (_th, _fn, args, kwargs) => {
          const [key, dflt, secret] = unpack(
            'env.get',
            args,
            kwargs,
            ['name', string],
            ['default?', anyValue],
            ['secret?', anyValue],
          );
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

  /** #saveModule is save.*: the script's acknowledgements (tracked) or stored rows. */
  #saveModule(): Value {
    return makeModule('save', {
      row: new Builtin('save.row', (th, fn, args, kwargs) => {
        // save.row(row), the seed loop's call once a row, is its own list of one row: no
        // keyword to look for, no arrays made.
        let rows: readonly Value[] = args;
        let outcome: Value | undefined;
        if (kwargs.length > 0 || args.length !== 1) {
          const [o, rest] = outcomeOf(kwargs);
          outcome = o;
          rows = unpack(fn.name, args, rest, ['row', anyValue]);
        }
        this.#saves.rows(rows, this.#saveCall(th, fn.name, outcome));
        this.#outcomes.run(th);
        return None;
      }),
      rows: new Builtin('save.rows', (th, fn, args, kwargs) => {
        const [outcome, rest] = outcomeOf(kwargs);
        const [rows] = unpack(fn.name, args, rest, ['rows', anyValue]);
        this.#saves.rows(iterate(rows, 'save.rows'), this.#saveCall(th, fn.name, outcome));
        this.#outcomes.run(th);
        return None;
      }),
      reject: new Builtin('save.reject', (th, fn, args, kwargs) => {
        const [row, message] = unpack(fn.name, args, kwargs, ['row', anyValue], ['message', string]);
        this.#saves.reject(row, message.slice(0, MAX_MESSAGE), this.#saveCall(th, fn.name, undefined));
        return None;
      }),
      delete: new Builtin('save.delete', (th, fn, args, kwargs) => {
        const [outcome, rest] = outcomeOf(kwargs);
        const [rows] = unpack(fn.name, args, rest, ['row', anyValue]);
        // A row of deleted(), or a list of them acknowledged as one save (a batch archive).
        const t = typeName(rows);
        const list = t === 'list' || t === 'tuple' ? [...elements(rows)!] : [rows];
        this.#saves.delete(list, this.#saveCall(th, fn.name, outcome));
        this.#outcomes.run(th);
        return None;
      }),
    });
  }

  #query(args: Value[], kwargs: Array<[string, Value]>): Value {
    let delta = true;
    for (const [k, v] of kwargs) {
      if (k === 'delta') delta = truth(v);
      else
        throw new Error(
          `query: unexpected keyword argument "${k}" (parameters are positional: query(sql, p1, p2, delta=False))`,
        );
    }
    // The parameters are positional (query(sql, p1, p2)): only sql is unpacked by name.
    const [text] = unpack('query', args.slice(0, 1), [], ['sql', string]);
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
        (after, want) => this.#call('query', 'tracked.page', { after, limit: PAGE_ROWS, ...want }),
        'tracked',
        false,
        (first, count) => ({
          values: () => this.#call('query', 'tracked.values', { after: first - 1, limit: count }),
          rows: () => this.#call('query', 'tracked.rows', { after: first - 1, limit: count }),
        }),
        this.#init.uniqueKey,
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
    unpack('deleted', args, kwargs);
    if (!this.tracked) throw new Error('deleted: only a tracked model (@kind: tracked) has deleted rows');
    if (this.#trackedSql === undefined)
      throw new Error(
        'deleted: call the tracked query() first; deleted() gives the keys that disappeared from it',
      );
    return new RowStream(
      (after) => this.#call('deleted', 'deleted.page', { after, limit: PAGE_ROWS }),
      'deleted',
      false,
      undefined,
      this.#init.uniqueKey,
    );
  }

  /** flush sends what the script saved so far to the main thread (see Saves). */
  flush(): void {
    this.#saves.flush();
  }

  /**
   * finish waits for the script's requests, runs the outcome functions still held and returns
   * the failed requests no save depended on (HttpModule.finish).
   */
  finish(th: Thread): ReturnType<HttpModule['finish']> {
    // Said before waiting: the main thread records the failed rows it knows while the last
    // requests run (with failures, their retries' backoff), not all after the last one.
    this.#client.post('drain', null, 'finish');
    const lost = this.http.finish(this.tracked, th);
    this.#outcomes.run(th);
    this.#saves.flush();
    return lost;
  }

  #saveCall(th: Thread, fn: string, outcome: Value | undefined): SaveCall {
    return { th, fn, at: this.#site.of(th), outcome: outcome === None ? undefined : outcome };
  }

  #call<K extends keyof ModelOps & string>(
    fn: string,
    op: K,
    payload: ModelOps[K]['req'],
  ): ModelOps[K]['rep'] {
    return callAs(this.#client, fn, op, payload);
  }
}

/** outcomeOf takes save.*'s keyword-only outcome= from the keyword arguments. */
function outcomeOf(kwargs: Array<[string, Value]>): [Value | undefined, Array<[string, Value]>] {
  const i = kwargs.findIndex(([k]) => k === 'outcome');
  return i < 0 ? [undefined, kwargs] : [kwargs[i]![1], kwargs.filter((_, j) => j !== i)];
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

/** param is a query() parameter as the store binds it: only scalars, never spliced into the SQL. */
function param(p: Value, i: number): QueryParam {
  const t = typeName(p);
  const wire =
    t === 'int' || t === 'float' || t === 'string' || t === 'bool' || t === 'NoneType'
      ? starToWire(p, `query: parameter ${i}`)
      : undefined;
  if (wire === null || (wire !== undefined && typeof wire !== 'object')) return wire;
  throw new Error(
    `query: parameter ${i} has type ${t}; pass int, float, string, bool or None (values are bound, never spliced into the SQL)`,
  );
}
