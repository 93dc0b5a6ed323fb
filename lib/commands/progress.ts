// The ticker that shows a sending model's progress on stderr while `ebb run` works. On a
// terminal it redraws one line in place (a carriage return, no cursor escapes) a few times a
// second; elsewhere (a log, a pipe) it writes a plain line every ten seconds, so only long
// models leave lines. Either way, when a model that sent something ends, its final counts stay
// as one line above the model's result. The figures come from the engine (ProgressSource);
// the text is ./progress-line.ts.

import type { ProgressSnapshot, ProgressSource } from '../run/index.js';
import type { IO } from './io.js';
import { progressLine } from './progress-line.js';

/** How often the line is redrawn on a terminal, and written elsewhere. */
const LIVE_EVERY_MS = 200;
const PLAIN_EVERY_MS = 10_000;

export interface TickerOptions {
  /** Overrides the interval between draws (ms); 0 draws only on tick() (tests). */
  readonly everyMs?: number;
}

export class ProgressTicker {
  readonly #io: IO;
  readonly #everyMs: number;
  #model: string | undefined;
  #source: ProgressSource | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** The visible length of the line on screen (live), 0 when none is shown. */
  #shown = 0;
  #lastText = '';

  constructor(io: IO, options: TickerOptions = {}) {
    this.#io = io;
    this.#everyMs = options.everyMs ?? (io.terminal ? LIVE_EVERY_MS : PLAIN_EVERY_MS);
  }

  /** watch starts following a model that may send; the previous one, if any, is ended. */
  watch(model: string, source: ProgressSource): void {
    if (this.#model !== undefined) this.end(this.#model);
    this.#model = model;
    this.#source = source;
    if (this.#everyMs > 0) {
      this.#timer = setInterval(() => this.tick(), this.#everyMs);
      this.#timer.unref();
    }
  }

  /** tick draws the current model's line (live: only when its text changed). */
  tick(): void {
    const s = this.#source?.();
    if (!s || !worthShowing(s)) return;
    if (this.#io.terminal) this.#drawLive(s);
    else this.#io.stderr(this.#plain(s) + '\n');
  }

  /** pause takes the live line off the screen before other output; the next tick redraws it. */
  pause(): void {
    if (this.#shown === 0) return;
    this.#io.stderr('\r' + ' '.repeat(this.#shown) + '\r');
    this.#shown = 0;
    this.#lastText = '';
  }

  /** end stops following `model` and leaves its final line, if it sent or had rows to send. */
  end(model: string): void {
    if (model !== this.#model) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    const s = this.#source?.();
    this.#model = undefined;
    this.#source = undefined;
    if (!s || !worthShowing(s)) {
      this.pause();
      return;
    }
    if (this.#io.terminal) {
      this.#drawLive(s);
      this.#io.stderr('\n');
      this.#shown = 0;
      this.#lastText = '';
    } else {
      this.#io.stderr(this.#plain(s) + '\n');
    }
  }

  /** close stops the timer (the run is over or failed). */
  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.pause();
  }

  #drawLive(s: ProgressSnapshot): void {
    const terminal = this.#io.terminal!;
    const text = progressLine(s, { width: terminal.columns(), color: terminal.color, bar: true });
    if (text === this.#lastText) return;
    const visible = text.replace(/\x1b\[[0-9;]*m/g, '').length;
    this.#io.stderr('\r' + text + ' '.repeat(Math.max(0, this.#shown - visible)));
    this.#shown = visible;
    this.#lastText = text;
  }

  #plain(s: ProgressSnapshot): string {
    return progressLine(s, { width: Number.POSITIVE_INFINITY, color: false, bar: false });
  }
}

/** A model is worth a line once it has rows to send or has sent requests. */
function worthShowing(s: ProgressSnapshot): boolean {
  return (s.total ?? 0) > 0 || s.requests + s.inFlight > 0;
}
