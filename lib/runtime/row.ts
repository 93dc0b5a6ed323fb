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
 * RowSource is where the rows of one page read what the script asks of them, by index: their
 * values decoded when first read (a script that only acknowledges rows never pays for building
 * them), their before, their JSON text. A row holds its source and index rather than closures
 * of its own (three objects fewer per row), and a source makes a row again from its index: a
 * save waiting for its outcome function holds that much, not the rows (outcomes.ts).
 */
export interface RowSource {
  /** The sequence number of row 0. */
  readonly first: number;
  /** value is column `c` of row `i`. */
  value(c: number, i: number): Value;
  /** before is row `i`'s last saved version (None: none). */
  before(i: number): Value;
  /** json is row `i`'s JSON text as json.encode writes it, when the page has one (row-json.ts). */
  json(i: number): string | undefined;
  /** row is row `i`, made anew. */
  row(i: number): Row;
}

export class Row extends HostValue {
  readonly shape: RowShape;
  readonly origin: RowOrigin;
  readonly seq: number;
  readonly change: string | undefined;
  /** Where the values come from (undefined: all of them were given), and the row's index there. */
  readonly #source: RowSource | undefined;
  readonly #index: number;
  #values: Value[];
  /** The before once read (undefined: not yet). */
  #before: Value | undefined;

  /** `values` are the row's values, or the source it reads them from as row `index` there. */
  constructor(
    shape: RowShape,
    values: readonly Value[] | RowSource,
    origin: RowOrigin,
    seq: number,
    change?: string,
    index = 0,
  ) {
    super();
    this.shape = shape;
    this.origin = origin;
    this.seq = seq;
    this.change = change;
    this.#index = index;
    if (Array.isArray(values)) {
      this.#source = undefined;
      this.#values = values as Value[];
      this.#before = None;
    } else {
      this.#source = values as RowSource;
      this.#values = new Array<Value>(shape.names.length);
      this.#before = undefined;
    }
  }

  /** value is column `i`, decoded once. */
  value(i: number): Value {
    let v = this.#values[i];
    if (v === undefined && this.#source !== undefined) {
      v = this.#source.value(i, this.#index);
      this.#values[i] = v;
    }
    return v!;
  }

  get values(): readonly Value[] {
    for (let i = 0; i < this.shape.names.length; i++) this.value(i);
    return this.#values;
  }

  get before(): Value {
    this.#before ??= this.#source!.before(this.#index);
    return this.#before;
  }

  /**
   * remade is where the row can be made again equal to this one — its source, with the index
   * `seq - source.first` — or undefined: a row given its values, or one whose read values
   * include a mutable one (a list or dict the script may have changed since: the made row would
   * not hold the change).
   */
  get remade(): RowSource | undefined {
    const source = this.#source;
    if (source === undefined) return undefined;
    if (this.#before !== undefined && this.#before !== None) return undefined;
    const values = this.#values;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v === 'object' && v !== None && !(v instanceof Float)) return undefined;
    }
    return source;
  }

  /** Two rows are equal when they are one row of one page (a row made again equals the first). */
  override compare(op: string, other: Value): boolean {
    if (op !== '==' && op !== '!=') throw new Error(`row ${op} ${typeName(other)} not implemented`);
    const same =
      other === this ||
      (other instanceof Row &&
        this.#source !== undefined &&
        other.#source === this.#source &&
        other.#index === this.#index &&
        other.origin === this.origin);
    return op === '==' ? same : !same;
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
    return this.#source?.json(this.#index);
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
