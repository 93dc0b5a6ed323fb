// Progress of long model runs: a line rewritten in place on a terminal, a plain line every
// ten seconds otherwise.

import { formatCount } from '../run/index.js';
import type { IO } from './io.js';

const TTY_EVERY_MS = 100;
const PLAIN_EVERY_MS = 10_000;

export class Progress {
  readonly #io: IO;
  readonly #now: () => number;
  #shown = false;
  #last = Number.NEGATIVE_INFINITY;
  #start = new Map<string, { at: number; done: number }>();

  constructor(io: IO, now: () => number = () => performance.now()) {
    this.#io = io;
    this.#now = now;
  }

  /** update reports `done` of `total` rows for a model; it draws at most every so often. */
  update(model: string, done: number, total: number): void {
    const now = this.#now();
    const start = this.#start.get(model) ?? { at: now, done };
    if (!this.#start.has(model)) this.#start.set(model, start);
    const every = this.#io.isTTY ? TTY_EVERY_MS : PLAIN_EVERY_MS;
    if (now - this.#last < every && done < total) return;
    this.#last = now;
    const secs = (now - start.at) / 1000;
    const rate = secs > 0 ? (done - start.done) / secs : 0;
    const eta = rate > 0 ? Math.ceil((total - done) / rate) : undefined;
    const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
    const text =
      `      ${model}  ${formatCount(done)}/${formatCount(total)} rows (${pct}%)` +
      (rate > 0 ? `  ${formatCount(Math.round(rate))} rows/s` : '') +
      (eta !== undefined && done < total ? `  ETA ${eta}s` : '');
    if (this.#io.isTTY) {
      this.#io.stderr(`\r\x1b[2K${text}`);
      this.#shown = true;
    } else if (secs >= PLAIN_EVERY_MS / 1000) {
      this.#io.stderr(text + '\n');
    }
  }

  /** clear removes the in-place line before other output is written. */
  clear(): void {
    if (!this.#shown) return;
    this.#io.stderr('\r\x1b[2K');
    this.#shown = false;
  }
}
