// Row is a query() result row in Starlark: columns as attributes and by index (row["email"]),
// plus `.change` and `.before` for rows of a tracked query. json.encode(row) gives the
// columns only.

import {
  Float,
  HostValue,
  None,
  makeDict,
  makeString,
  repr,
  toJS,
  typeName,
  type Value,
} from '../starlark/index.js';

/** RowShape is shared by the rows of one result: column names (JS strings) and their positions. */
export class RowShape {
  readonly names: readonly string[];
  readonly index: ReadonlyMap<string, number>;
  /** The column names as json.encode orders a dict's keys, and where each is in a row. */
  readonly jsonKeys: readonly string[];
  readonly jsonOrder: readonly number[];
  /** The positions of the @unique_key's columns (matched in any case), to name a row in errors. */
  readonly keys: readonly number[];
  constructor(names: readonly string[], uniqueKey: readonly string[] = []) {
    this.names = names;
    this.index = new Map(names.map((n, i) => [n, i]));
    const lower = names.map((n) => n.toLowerCase());
    this.keys = uniqueKey.map((k) => lower.indexOf(k.toLowerCase())).filter((i) => i >= 0);
    // Byte order of the interpreter's strings, as json.encode sorts keys; a repeated name is
    // one key holding its last column's value, as in the dict toJSON gives.
    const keys = [...this.index].map(([n, i]) => [makeString(n) as string, i] as const);
    keys.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    this.jsonKeys = keys.map(([k]) => k);
    this.jsonOrder = keys.map(([, i]) => i);
  }
}

export type RowOrigin = 'tracked' | 'deleted' | 'plain';

/**
 * A column's value, or a function that decodes it when first read: a script that only
 * acknowledges rows (`save.row(row)`) never pays for building their values.
 */
export type LazyValues = readonly Value[] | ((column: number) => Value);

export class Row extends HostValue {
  readonly shape: RowShape;
  readonly origin: RowOrigin;
  readonly seq: number;
  readonly change: string | undefined;
  readonly #decode: ((column: number) => Value) | undefined;
  readonly #json: (() => string | undefined) | undefined;
  #values: Value[];
  #before: Value | (() => Value);

  /** `json` gives the row's JSON text as json.encode writes it, when its page has one (row-json.ts). */
  constructor(
    shape: RowShape,
    values: LazyValues,
    origin: RowOrigin,
    seq: number,
    change?: string,
    before: Value | (() => Value) = None,
    json?: () => string | undefined,
  ) {
    super();
    this.shape = shape;
    this.origin = origin;
    this.seq = seq;
    this.change = change;
    if (typeof values === 'function') {
      this.#decode = values;
      this.#values = new Array<Value>(shape.names.length);
    } else {
      this.#decode = undefined;
      this.#values = values as Value[];
    }
    this.#before = before;
    this.#json = json;
  }

  /** value is column `i`, decoded once. */
  value(i: number): Value {
    let v = this.#values[i];
    if (v === undefined && this.#decode) {
      v = this.#decode(i);
      this.#values[i] = v;
    }
    return v!;
  }

  get values(): readonly Value[] {
    for (let i = 0; i < this.shape.names.length; i++) this.value(i);
    return this.#values;
  }

  get before(): Value {
    if (typeof this.#before === 'function') this.#before = this.#before();
    return this.#before;
  }

  type(): string {
    return 'row';
  }

  override attr(name: string): Value | undefined {
    const i = this.shape.index.get(name);
    if (i !== undefined) return this.value(i);
    if (name === 'change' && this.change !== undefined) return makeString(this.change);
    if (name === 'before' && this.origin !== 'plain') return this.before;
    return undefined;
  }

  override attrNames(): string[] {
    const names = [...this.shape.index.keys()];
    if (this.origin !== 'plain') names.push('before', 'change');
    return names.sort();
  }

  override get(key: Value): Value | undefined {
    if (typeof key !== 'string')
      throw new Error(`row index must be a column name (a string), not ${typeName(key)}`);
    const i = this.shape.index.get(toJS(key) as string);
    if (i === undefined)
      throw new Error(`row has no column ${repr(key)} (columns: ${this.shape.names.join(', ')})`);
    return this.value(i);
  }

  /** The row's JSON text from its page, when it has one: json.encode then writes no value. */
  override jsonText(): string | undefined {
    return this.#json?.();
  }

  /**
   * The row's columns for json.encode, without building a dict (the same text as toJSON's).
   * JSON has no NaN or infinity (docs/values.md): a float column holding one is refused here,
   * naming the row's key and the column, rather than deep in the encoder.
   */
  override jsonFields(): readonly [readonly string[], readonly Value[]] {
    const values = this.shape.jsonOrder.map((i) => this.value(i));
    for (let j = 0; j < values.length; j++) {
      const v = values[j];
      if (v instanceof Float && !Number.isFinite(v.v)) this.#refuseNonFinite(this.shape.jsonOrder[j]!, v.v);
    }
    return [this.shape.jsonKeys, values];
  }

  #refuseNonFinite(column: number, v: number): never {
    const name = this.shape.names[column]!;
    const what = Number.isNaN(v) ? 'nan' : v > 0 ? '+inf' : '-inf';
    const key = this.shape.keys.map((i) => `${this.shape.names[i]}=${repr(this.value(i))}`).join(', ');
    throw new Error(
      `${key ? `row (${key})` : 'a row'}: column ${name} is ${what}, which JSON cannot hold; ` +
        `map it in the query (CASE WHEN isfinite(${name}) THEN ${name} END sends null), or leave such rows out`,
    );
  }

  /** The row's columns as a dict: what json.encode writes and what save.row stores. */
  override toJSON(): Value {
    return makeDict(this.shape.names.map((n, i) => [makeString(n), this.value(i)]));
  }

  override repr(): string {
    return `row(${this.shape.names.map((n, i) => `${n}=${repr(this.value(i))}`).join(', ')})`;
  }
}
