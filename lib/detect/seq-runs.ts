// Sequence numbers of delta rows as runs of consecutive ones: what a save acknowledges is
// almost always a run (a loop saves rows in the order query() gave them), so a batch of 500
// rows is one pair, not 500 numbers to copy between threads, grow arrays with, sort and turn
// back into ranges. Pure: the model's worker builds them, the main thread and TrackedSession
// read them.

/** SeqRuns is [first, count, first, count, …] in the order the rows were saved. */
export class SeqRuns {
  readonly pairs: number[];
  #size: number;

  constructor(pairs: number[] = []) {
    this.pairs = pairs;
    let n = 0;
    for (let k = 1; k < pairs.length; k += 2) n += pairs[k]!;
    this.#size = n;
  }

  static of(seqs: Iterable<number>): SeqRuns {
    const runs = new SeqRuns();
    for (const s of seqs) runs.add(s);
    return runs;
  }

  /** The number of sequence numbers. */
  get size(): number {
    return this.#size;
  }

  add(seq: number): void {
    const p = this.pairs;
    const n = p.length;
    if (n > 0 && p[n - 2]! + p[n - 1]! === seq) p[n - 1]!++;
    else p.push(seq, 1);
    this.#size++;
  }

  /** append adds another's runs after these. */
  append(other: SeqRuns): void {
    const q = other.pairs;
    for (let k = 0; k < q.length; k += 2) {
      const p = this.pairs;
      const n = p.length;
      if (n > 0 && p[n - 2]! + p[n - 1]! === q[k]!) p[n - 1]! += q[k + 1]!;
      else p.push(q[k]!, q[k + 1]!);
    }
    this.#size += other.size;
  }

  /** take removes and returns the first `n` sequence numbers (all of them if there are fewer). */
  take(n: number): SeqRuns {
    const p = this.pairs;
    const head: number[] = [];
    let left = n;
    let k = 0;
    for (; k < p.length && left > 0; k += 2) {
      const count = p[k + 1]!;
      if (count <= left) {
        head.push(p[k]!, count);
        left -= count;
        continue;
      }
      head.push(p[k]!, left);
      p[k]! += left;
      p[k + 1] = count - left;
      left = 0;
      break;
    }
    p.splice(0, k);
    const taken = new SeqRuns(head);
    this.#size -= taken.size;
    return taken;
  }

  /** forEach calls `fn` with each sequence number, in order of the runs (faster than iterating). */
  forEach(fn: (seq: number) => void): void {
    const p = this.pairs;
    for (let k = 0; k < p.length; k += 2) for (let s = p[k]!, end = p[k]! + p[k + 1]!; s < end; s++) fn(s);
  }

  *[Symbol.iterator](): Iterator<number> {
    const p = this.pairs;
    for (let k = 0; k < p.length; k += 2) for (let s = p[k]!, end = p[k]! + p[k + 1]!; s < end; s++) yield s;
  }

  /** sorted gives the runs in order with overlapping and adjacent ones merged: ranges for SQL. */
  sorted(): Array<[first: number, last: number]> {
    const p = this.pairs;
    const order: Array<[number, number]> = [];
    for (let k = 0; k < p.length; k += 2) if (p[k + 1]! > 0) order.push([p[k]!, p[k]! + p[k + 1]! - 1]);
    order.sort((a, b) => a[0] - b[0]);
    const out: Array<[number, number]> = [];
    for (const r of order) {
      const last = out[out.length - 1];
      if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
      else out.push([r[0], r[1]]);
    }
    return out;
  }
}
