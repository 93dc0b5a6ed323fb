/**
 * Frame is the activation record of one function call (or of a module's top level), the one
 * argument every compiled closure takes; statements report how they completed with the codes
 * below instead of throwing, so loops and returns cost no exception.
 */
import type { Thread } from './thread.js';
import { None, type Cell, type Value } from './value.js';

/** How a compiled statement completed. */
export const NORMAL = 0;
export const BREAK = 1;
export const CONTINUE = 2;
export const RETURN = 3;

/** A frame's local slots: values, or Cells for locals captured by nested functions. */
export type Locals = Array<Value | undefined | Cell>;

export class Frame {
  locals: Locals;
  /** cells of the enclosing function's locals this function's code refers to (free variables) */
  readonly free: Cell[];
  /** the module's global slots */
  readonly globals: Array<Value | undefined>;
  readonly thread: Thread;
  /** the file the frame's code comes from (for Thread.position) */
  readonly file: string;
  /** packed position (pos.ts) of the operation being executed, for errors */
  pos = 0;
  /** the value of the last return statement executed */
  ret: Value = None;
  constructor(locals: Locals, free: Cell[], globals: Array<Value | undefined>, thread: Thread, file: string) {
    this.locals = locals;
    this.free = free;
    this.globals = globals;
    this.thread = thread;
    this.file = file;
  }
}
