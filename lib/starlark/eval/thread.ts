/**
 * Thread is the state of one Starlark execution: the host's hooks (print, load), its
 * thread-local values (host modules keep per-thread settings there, e.g. the time module's
 * clock), the step budget and cancellation, and the call depth.
 */
import type { Position } from '../syntax/position.js';
import { unpackPos } from './pos.js';
import type { Value } from './sobject.js';
import { StarErr } from './star-err.js';

/** The part of a running Frame (frame.ts) the thread sees: where it is. */
interface RunningFrame {
  readonly file: string;
  readonly pos: number;
}

export interface ThreadOptions {
  name?: string;
  print?: (thread: Thread, msg: string) => void;
  load?: (thread: Thread, module: string) => Map<string, Value>;
  maxSteps?: number;
}

/** Thread is the state of one Starlark execution: host hooks, step budget, cancellation. */
export class Thread {
  readonly name: string;
  readonly print: ((thread: Thread, msg: string) => void) | undefined;
  readonly load: ((thread: Thread, module: string) => Map<string, Value>) | undefined;
  readonly local = new Map<string, unknown>();
  /** steps counts loop iterations and calls; `limit` is compared against it at those points. */
  steps = 0;
  limit: number;
  maxSteps: number;
  cancelReason: string | undefined;
  /** depth of nested Starlark calls (to turn runaway recursion into an error) */
  depth = 0;
  /** number of execFile calls in progress on this thread */
  running = 0;
  /** the innermost frame running on this thread (a module's top level or a function call) */
  frame: RunningFrame | undefined = undefined;
  /**
   * The call whose statement drops its result (`f(x)` on a line of its own): the frame it runs
   * in and its position (its '('), while the statement runs. See resultDropped.
   */
  dropFrame: RunningFrame | undefined = undefined;
  dropPos = -1;

  constructor(options: ThreadOptions = {}) {
    this.name = options.name ?? '';
    this.print = options.print;
    this.load = options.load;
    this.maxSteps = options.maxSteps && options.maxSteps > 0 ? options.maxSteps : Infinity;
    this.limit = this.maxSteps;
  }

  /**
   * position is where the running script is: the call or operation being executed in the
   * innermost Starlark frame (inside a builtin, the builtin's call site), as an error raised
   * there would report it. Undefined when no Starlark code runs on the thread.
   */
  position(): Position | undefined {
    const fr = this.frame;
    if (fr === undefined) return undefined;
    const { line, col } = unpackPos(fr.pos);
    return { file: fr.file, line, col };
  }

  /**
   * resultDropped tells a builtin that its result is dropped: it was called as a statement of
   * its own, not within an expression (an argument, an assignment, a return), so nothing can
   * ever read what it returns and a host may leave out what only the result would carry. A
   * call's position is its '(', one per call in a file, and each call of a function has a frame
   * of its own: only the statement's own call matches.
   */
  resultDropped(): boolean {
    const fr = this.frame;
    return fr !== undefined && fr === this.dropFrame && fr.pos === this.dropPos;
  }

  /** cancel makes the running script fail at its next step. */
  cancel(reason: string): void {
    this.cancelReason ??= reason;
    this.limit = -1;
  }

  /** overLimit is called when steps reaches limit: it throws the cancellation error. */
  overLimit(): never {
    if (this.cancelReason !== undefined) {
      throw new StarErr(`Starlark computation cancelled: ${this.cancelReason}`);
    }
    this.cancelReason = 'too many steps';
    this.limit = -1;
    throw new StarErr('Starlark computation cancelled: too many steps');
  }
}
