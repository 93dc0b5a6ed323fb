/**
 * Compiling def and lambda: the body once, and a closure that makes a Func value each time
 * the def executes (evaluating the defaults, capturing the free variables' cells). The
 * compiled code's `run` is the activation: step and depth accounting, the recursion check,
 * cells for captured locals, and the frame an error unwinding through it records.
 */
import type * as A from '../../syntax/ast.js';
import { MAX_DEPTH, addFrame, bindArgs, type CompiledCode } from '../call.js';
import { Frame, RETURN, type Locals } from '../frame.js';
import { Func, MANDATORY } from '../function.js';
import { packPos } from '../pos.js';
import type { Thread } from '../thread.js';
import { Cell, None, fail, type Value } from '../value.js';
import type { CompileContext, Ex } from './context.js';

const EMPTY_KW: Array<[string, Value]> = [];

/** functionExpr compiles a def/lambda; the result makes a Func value in the enclosing frame. */
export function functionExpr(ctx: CompileContext, fi: A.FunctionInfo): (fr: Frame) => Value {
  const file = ctx.file;
  const body = ctx.block(fi.body);
  const nlocals = fi.locals.length;
  const cells = fi.locals.filter((b) => b.scope === 'cell').map((b) => b.index);
  const numParams = fi.params.filter((p) => p.style === 'plain' || p.style === 'default').length;
  const paramNames = fi.locals
    .slice(0, numParams + (fi.hasVarargs ? 1 : 0) + (fi.hasKwargs ? 1 : 0))
    .map((b) => b.name);
  const simple = !fi.hasVarargs && !fi.hasKwargs && fi.numKwonly === 0;
  const name = fi.name;
  const startPos = packPos(fi);
  const run = (thread: Thread, fn: Func, locals: Locals): Value => {
    if (++thread.steps >= thread.limit) thread.overLimit();
    if (code.active > 0 && !fn.module.allowRecursion) fail(`function ${name} called recursively`);
    if (++thread.depth > MAX_DEPTH) {
      thread.depth--;
      fail('Starlark stack overflow');
    }
    for (let i = 0; i < cells.length; i++) {
      const c = cells[i]!;
      locals[c] = new Cell(locals[c] as Value | undefined);
    }
    code.active++;
    const fr = new Frame(locals, fn.freevars, fn.module.globals, thread, file);
    fr.pos = startPos;
    const outer = thread.frame;
    thread.frame = fr;
    try {
      return body(fr) === RETURN ? fr.ret : None;
    } catch (e) {
      throw addFrame(e, name, fr, file);
    } finally {
      thread.frame = outer;
      code.active--;
      thread.depth--;
    }
  };
  const code: CompiledCode = {
    active: 0,
    name,
    file,
    line: fi.line,
    col: fi.col,
    paramNames,
    numParams,
    numKwonly: fi.numKwonly,
    hasVarargs: fi.hasVarargs,
    hasKwargs: fi.hasKwargs,
    simple,
    noStar: !fi.hasVarargs && !fi.hasKwargs,
    nlocals,
    run,
    invoke(thread, fn, args, kwargs) {
      const locals: Locals = new Array(nlocals);
      if (simple && (kwargs === null || kwargs.length === 0) && args.length === numParams) {
        for (let i = 0; i < numParams; i++) locals[i] = args[i];
      } else {
        bindArgs(code, fn, locals, args, kwargs ?? EMPTY_KW);
      }
      return run(thread, fn, locals);
    },
  };
  // Defaults are evaluated when the def executes; keyword-only params without one are MANDATORY.
  const dflts: Array<Ex | null> = [];
  let seenDefault = false;
  for (const p of fi.params) {
    if (p.style === 'default') {
      seenDefault = true;
      dflts.push(ctx.expr(p.dflt!));
    } else if (p.style === 'plain' && seenDefault) dflts.push(null);
    else if (p.style === 'plain' && fi.numKwonly > 0 && isKwonly(fi, p)) dflts.push(null);
  }
  const freevars = fi.freevars.map((b) => ({ scope: b.scope, index: b.index }));
  return (fr) => {
    const defaults: Value[] = new Array(dflts.length);
    for (let i = 0; i < dflts.length; i++) {
      const e = dflts[i];
      defaults[i] = e ? e(fr) : MANDATORY;
    }
    const captured: Cell[] = new Array(freevars.length);
    for (let i = 0; i < freevars.length; i++) {
      const b = freevars[i]!;
      captured[i] = b.scope === 'free' ? fr.free[b.index]! : (fr.locals[b.index] as Cell);
    }
    return new Func(code, defaults, captured, ctx.options.module);
  };
}

function isKwonly(fi: A.FunctionInfo, p: A.Param): boolean {
  let seenStar = false;
  for (const q of fi.params) {
    if (q.style === 'star') seenStar = true;
    if (q === p) return seenStar;
  }
  return false;
}
