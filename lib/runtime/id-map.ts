// IdMap maps the ids of requests in flight to what waits for them, for ids handed out in
// increasing order and mostly retired in about that order (the channel's callbacks, Delivery's
// requests): a ring of slots indexed by the id, instead of a Map. A Map that churns — a set and a
// delete per request, 100,000 times in a seed loop — rehashes into a new table every few dozen
// entries, and each old table keeps a pointer to the next and the entries it held; once one is
// promoted, the scavenger keeps every later table and what their entries point to (promises,
// replies, responses) until a full GC, and copies them to the old generation on the way. A slot
// emptied here holds nothing, and the ring is allocated once.

/** Slots at first; the ring doubles when a new id lands on a slot still in use. */
const FIRST_SLOTS = 256;
/**
 * The ring grows to this many slots at most (an id in flight while this many more were handed
 * out: a request waiting long to retry); past it, an id whose slot is taken goes to a Map.
 */
const MAX_SLOTS = 1 << 16;
const EMPTY = -1;

export class IdMap<V> {
  #ids: Float64Array;
  #values: (V | undefined)[];
  /** Entries whose slot was taken when the ring could not grow. */
  readonly #overflow = new Map<number, V>();
  #size = 0;

  constructor(slots = FIRST_SLOTS) {
    this.#ids = new Float64Array(slots).fill(EMPTY);
    this.#values = new Array<V | undefined>(slots).fill(undefined);
  }

  get size(): number {
    return this.#size;
  }

  get(id: number): V | undefined {
    const i = id % this.#ids.length;
    return this.#ids[i] === id ? this.#values[i] : this.#overflow.get(id);
  }

  has(id: number): boolean {
    return this.#ids[id % this.#ids.length] === id || this.#overflow.has(id);
  }

  /** set adds an id that is not in the map. */
  set(id: number, value: V): void {
    let i = id % this.#ids.length;
    while (this.#ids[i] !== EMPTY && this.#ids.length < MAX_SLOTS) {
      this.#grow();
      i = id % this.#ids.length;
    }
    if (this.#ids[i] === EMPTY) {
      this.#ids[i] = id;
      this.#values[i] = value;
    } else this.#overflow.set(id, value);
    this.#size++;
  }

  /** delete removes an id and gives its value (undefined when it was not there). */
  delete(id: number): V | undefined {
    const i = id % this.#ids.length;
    let value: V | undefined;
    if (this.#ids[i] === id) {
      value = this.#values[i];
      this.#ids[i] = EMPTY;
      this.#values[i] = undefined;
    } else {
      value = this.#overflow.get(id);
      if (value === undefined && !this.#overflow.has(id)) return undefined;
      this.#overflow.delete(id);
    }
    this.#size--;
    return value;
  }

  /** values gives the values, in no particular order. */
  *values(): IterableIterator<V> {
    for (let i = 0; i < this.#ids.length; i++) if (this.#ids[i] !== EMPTY) yield this.#values[i]!;
    yield* this.#overflow.values();
  }

  /** #grow doubles the ring; ids that would share a slot there stay in the overflow. */
  #grow(): void {
    const ids = this.#ids;
    const values = this.#values;
    const n = ids.length * 2;
    this.#ids = new Float64Array(n).fill(EMPTY);
    this.#values = new Array<V | undefined>(n).fill(undefined);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (id === EMPTY) continue;
      // Slots id % n for the ids of one old slot differ: no two old entries meet here.
      const j = id % n;
      this.#ids[j] = id;
      this.#values[j] = values[i];
    }
  }
}
