/**
 * The compiler's entry point: compileModule turns a resolved file into a function running its
 * top level. The Compiler is the CompileContext the node-family files (statements.ts,
 * expressions.ts, …) call back into; every name was bound to a slot by the resolver, so no
 * name is looked up in a map at run time.
 */
import type * as A from '../../syntax/ast.js';
import { isStackOverflow } from '../../syntax/position.js';
import { addFrame } from '../call.js';
import { Frame, type Locals } from '../frame.js';
import { packPos } from '../pos.js';
import type { Thread } from '../thread.js';
import { Cell, StarErr } from '../value.js';
import type { Assign, CompileContext, CompileOptions, Ex, St } from './context.js';
import { expression } from './expressions.js';
import { assignTarget, block, statement } from './statements.js';

export type { CompileOptions } from './context.js';

/** ModuleRunner runs a module; pos() is the last position known at top level (packed). */
export type ModuleRunner = ((thread: Thread) => void) & { pos(): number };

export class Compiler implements CompileContext {
  readonly file: string;
  readonly options: CompileOptions;
  at: { line: number; col: number } | undefined;
  constructor(options: CompileOptions) {
    this.options = options;
    this.file = options.file;
  }

  expr(e: A.Expr): Ex {
    return expression(this, e);
  }

  block(stmts: readonly A.Stmt[]): St {
    return block(this, stmts);
  }

  assignTarget(lhs: A.Expr): Assign {
    return assignTarget(this, lhs);
  }

  /** compileModule returns a function running the top level of the file. */
  compileModule(f: A.File): ModuleRunner {
    const mod = f.module!;
    const body: St[] = [];
    const positions: number[] = [];
    this.guard(() => {
      for (const s of f.stmts) {
        const st = statement(this, s);
        if (st === null) continue;
        body.push(st);
        positions.push(packPos(s));
      }
    });
    const n = body.length;
    const nlocals = mod.locals.length;
    const cells = mod.locals.filter((b) => b.scope === 'cell').map((b) => b.index);
    const globals = this.options.module.globals;
    const file = this.file;
    let pos = 0;
    const run = (thread: Thread) => {
      const locals: Locals = new Array(nlocals).fill(undefined);
      for (const c of cells) locals[c] = new Cell(undefined);
      const fr = new Frame(locals, [], globals, thread, file);
      pos = packPos(f.stmts[0] ?? { line: 1, col: 1 });
      const outer = thread.frame;
      thread.frame = fr;
      try {
        // Each top-level statement starts with its own position, so that even an error
        // raised before any operation records one (a JS stack overflow) is positioned.
        for (let i = 0; i < n; i++) {
          fr.pos = pos = positions[i]!;
          body[i]!(fr);
        }
      } catch (e) {
        pos = fr.pos;
        throw addFrame(e, '<toplevel>', fr, file);
      } finally {
        thread.frame = outer;
      }
    };
    return Object.assign(run, { pos: () => pos });
  }

  /**
   * guard runs a compilation, turning an exhaustion of the JS stack (the parser's nesting
   * limit keeps it from happening unless the host is already deep in its own stack) into a
   * StarErr positioned at the node being compiled.
   */
  guard<T>(compile: () => T): T {
    try {
      return compile();
    } catch (e) {
      if (isStackOverflow(e)) {
        const err = new StarErr('expression nested too deeply');
        err.frames.push({
          name: '<toplevel>',
          pos: packPos(this.at ?? { line: 1, col: 1 }),
          file: this.file,
        });
        throw err;
      }
      throw e;
    }
  }
}
