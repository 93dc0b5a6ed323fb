/**
 * The compiler turns a resolved AST into a tree of JS closures. Expressions become
 * `(fr) => Value`; statements become `(fr) => Code` where the code signals normal completion,
 * break, continue or return without throwing. Every name was bound to a slot by the resolver,
 * so no name is looked up in a map at run time.
 */
import type * as A from '../syntax/ast.js';
import { getAttr, setField, callMethod } from './attrs.js';
import { Func, MANDATORY, type FuncCode, type ModuleCtx } from './function.js';
import { Dict, SetValue, typeOf } from './hashtable.js';
import { intAdd, intSub, intMul } from './int.js';
import {
  binary, compare, contains, equal, getIndex, iterableElems, quote, repr, setIndex, slice, toArray, truth, unary,
} from './ops.js';
import type { Thread } from './thread.js';
import {
  Builtin, Bytes, Cell, Float, HostValue, List, None, Range, StarErr, Tuple, fail, type Value,
} from './value.js';
import { decodeUTF8, encodeUTF8, errorMessage } from './value.js';
import { nearest } from '../resolve/resolver.js';
import { isStackOverflow } from '../syntax/position.js';

const NORMAL = 0;
const BREAK = 1;
const CONTINUE = 2;
const RETURN = 3;

const MAX = Number.MAX_SAFE_INTEGER;

/** Frame is the activation record of one function call (or of the module's top level). */
export class Frame {
  l: Array<Value | undefined | Cell>;
  readonly fv: Cell[];
  readonly g: Array<Value | undefined>;
  readonly th: Thread;
  pos = 0;
  ret: Value = None;
  constructor(l: Array<Value | undefined | Cell>, fv: Cell[], g: Array<Value | undefined>, th: Thread) {
    this.l = l;
    this.fv = fv;
    this.g = g;
    this.th = th;
  }
}

/** The FuncCode of a compiled def/lambda, with what the call fast paths need. */
type CompiledCode = FuncCode & {
  /** no *args, **kwargs or keyword-only parameters */
  simple: boolean;
  /** no *args or **kwargs (keyword-only parameters allowed) */
  noStar: boolean;
  nlocals: number;
  run: (th: Thread, fn: Func, l: Array<Value | undefined | Cell>) => Value;
  active: number;
};

type Ex = (fr: Frame) => Value;
/** ModuleRunner runs a module; pos() is the last position known at top level (packed). */
export type ModuleRunner = ((th: Thread) => void) & { pos(): number };
type St = (fr: Frame) => number;
type Assign = (fr: Frame, v: Value) => void;

/** packPos encodes a position as one number for cheap bookkeeping in frames. */
export function packPos(n: { line: number; col: number }): number {
  return n.line * 1048576 + n.col;
}
export function unpackPos(p: number): { line: number; col: number } {
  return { line: Math.floor(p / 1048576), col: p % 1048576 };
}

/** Maximum depth of nested Starlark calls before a clean error (JS stack safety). */
const MAX_DEPTH = 1200;

/** toStarErr converts anything thrown inside the interpreter into a StarErr. */
export function toStarErr(e: unknown): StarErr {
  if (e instanceof StarErr) return e;
  const inner = (e as { __starErr?: StarErr } | null)?.__starErr;
  if (inner instanceof StarErr) return inner;
  if (isStackOverflow(e)) return new StarErr('stack overflow (maximum call depth exceeded)');
  // A host's Error carries a JS (UTF-16) message; internal messages are byte strings.
  return new StarErr(errorMessage(e));
}

/** addFrame records a call frame on an error unwinding through it. */
function addFrame(e: unknown, name: string, fr: Frame, file: string): StarErr {
  const err = toStarErr(e);
  err.frames.push({ name, pos: fr.pos, file });
  return err;
}

/** callBuiltin invokes a builtin, attributing errors to it for backtraces. */
export function callBuiltin(th: Thread, b: Builtin, args: Value[], kwargs: Array<[string, Value]>): Value {
  try {
    return b.impl(th, b, args, kwargs);
  } catch (e) {
    throw builtinErr(e, b.name);
  }
}

export function builtinErr(e: unknown, name: string): StarErr {
  const err = toStarErr(e);
  if (err.frames.length === 0) err.builtinName ??= name;
  else err.frames.push({ name, pos: -1, file: '<builtin>' });
  return err;
}

const EMPTY_KW: Array<[string, Value]> = [];

/** callValue calls any callable value. */
export function callValue(th: Thread, f: Value, args: Value[], kwargs: Array<[string, Value]> | null): Value {
  if (f instanceof Func) return f.code.invoke(th, f, args, kwargs);
  if (f instanceof Builtin) return callBuiltin(th, f, args, kwargs ?? EMPTY_KW);
  if (f instanceof HostValue && f.call) {
    try {
      return f.call(th, args, kwargs ?? EMPTY_KW);
    } catch (e) {
      throw builtinErr(e, f.type());
    }
  }
  return fail(`invalid call of non-function (${typeOf(f)})`);
}

export interface CompileOptions {
  file: string;
  predeclared: (name: string) => Value | undefined;
  module: ModuleCtx;
}

interface Scope {
  /** indexes of locals that are cells */
  cells: number[];
  nlocals: number;
}

export class Compiler {
  readonly file: string;
  readonly o: CompileOptions;
  constructor(o: CompileOptions) {
    this.o = o;
    this.file = o.file;
  }

  // ---------------------------------------------------------------- module

  /** compileModule returns a function running the top level of the file. */
  compileModule(f: A.File): ModuleRunner {
    const mod = f.module!;
    const body: St[] = [];
    const positions: number[] = [];
    this.guard(() => {
      for (const s of f.stmts) {
        const st = this.stmt(s);
        if (st === null) continue;
        body.push(st);
        positions.push(packPos(s));
      }
    });
    const n = body.length;
    const nlocals = mod.locals.length;
    const cells = mod.locals.filter((b) => b.scope === 'cell').map((b) => b.index);
    const g = this.o.module.globals;
    const file = this.file;
    let pos = 0;
    const run = (th: Thread) => {
      const l: Array<Value | undefined | Cell> = new Array(nlocals).fill(undefined);
      for (const c of cells) l[c] = new Cell(undefined);
      const fr = new Frame(l, [], g, th);
      pos = packPos(f.stmts[0] ?? { line: 1, col: 1 });
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
      }
    };
    return Object.assign(run, { pos: () => pos });
  }

  /** compileExprModule compiles a lone expression (for evalExpr). */
  compileExpr(x: A.Expr, mod: A.ModuleInfo): (th: Thread) => Value {
    const ex = this.guard(() => this.expr(x));
    const start = packPos(x);
    const nlocals = mod.locals.length;
    const cells = mod.locals.filter((b) => b.scope === 'cell').map((b) => b.index);
    const g = this.o.module.globals;
    const file = this.file;
    return (th: Thread) => {
      const l: Array<Value | undefined | Cell> = new Array(nlocals).fill(undefined);
      for (const c of cells) l[c] = new Cell(undefined);
      const fr = new Frame(l, [], g, th);
      fr.pos = start;
      try {
        return ex(fr);
      } catch (e) {
        throw addFrame(e, '<expr>', fr, file);
      }
    };
  }

  /** the node being compiled, for the position of a compile-time stack overflow */
  at: { line: number; col: number } | undefined;

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
        err.frames.push({ name: '<toplevel>', pos: packPos(this.at ?? { line: 1, col: 1 }), file: this.file });
        throw err;
      }
      throw e;
    }
  }

  // ---------------------------------------------------------------- statements

  block(stmts: readonly A.Stmt[]): St {
    const ss: St[] = [];
    // Loops, not map callbacks: nesting depth costs fewer JS frames.
    for (let i = 0; i < stmts.length; i++) {
      const st = this.stmt(stmts[i]!);
      if (st !== null) ss.push(st);
    }
    switch (ss.length) {
      case 0:
        return () => NORMAL;
      case 1:
        return ss[0]!;
      case 2: {
        const [a, b] = ss as [St, St];
        return (fr) => {
          const c = a(fr);
          if (c !== NORMAL) return c;
          return b(fr);
        };
      }
      case 3: {
        const [a, b, d] = ss as [St, St, St];
        return (fr) => {
          let c = a(fr);
          if (c !== NORMAL) return c;
          c = b(fr);
          if (c !== NORMAL) return c;
          return d(fr);
        };
      }
    }
    const n = ss.length;
    return (fr) => {
      for (let i = 0; i < n; i++) {
        const c = ss[i]!(fr);
        if (c !== NORMAL) return c;
      }
      return NORMAL;
    };
  }

  stmt(s: A.Stmt): St | null {
    this.at = s;
    switch (s.kind) {
      case 'ExprStmt': {
        const x = this.expr(s.x);
        return (fr) => {
          x(fr);
          return NORMAL;
        };
      }
      case 'Assign':
        return s.op === '=' ? this.assignStmt(s) : this.augAssign(s);
      case 'Branch':
        if (s.tok === 'pass') return null;
        return s.tok === 'break' ? () => BREAK : () => CONTINUE;
      case 'Return': {
        if (!s.result) {
          return (fr) => {
            fr.ret = None;
            return RETURN;
          };
        }
        const x = this.expr(s.result);
        return (fr) => {
          fr.ret = x(fr);
          return RETURN;
        };
      }
      case 'If': {
        const cond = this.expr(s.cond);
        const then = this.block(s.then);
        if (s.els.length === 0) {
          return (fr) => {
            const c = cond(fr);
            if (c === true || (c !== false && truth(c))) return then(fr);
            return NORMAL;
          };
        }
        const els = this.block(s.els);
        return (fr) => {
          const c = cond(fr);
          if (c === true || (c !== false && truth(c))) return then(fr);
          return els(fr);
        };
      }
      case 'For':
        return this.forStmt(s);
      case 'While': {
        const cond = this.expr(s.cond);
        const body = this.block(s.body);
        return (fr) => {
          const th = fr.th;
          for (;;) {
            if (++th.steps >= th.limit) {
              fr.pos = packPos(s);
              th.overLimit();
            }
            const c = cond(fr);
            if (!(c === true || (c !== false && truth(c)))) return NORMAL;
            const r = body(fr);
            if (r === BREAK) return NORMAL;
            if (r === RETURN) return r;
          }
        };
      }
      case 'Def': {
        const mk = this.function(s.fn!);
        const set = this.assignTarget(s.name);
        return (fr) => {
          set(fr, mk(fr));
          return NORMAL;
        };
      }
      case 'Load':
        return this.load(s);
    }
  }

  load(s: A.LoadStmt): St {
    const pos = packPos(s);
    const module = s.module;
    const targets = s.to.map((id) => this.assignTarget(id));
    const names = s.from.map((id) => id.name);
    const positions = s.from.map((id) => packPos(id));
    return (fr) => {
      fr.pos = pos;
      const th = fr.th;
      if (!th.load) fail(`cannot load ${decodeUTF8(module)}: load not implemented by this application`);
      let m: Map<string, Value>;
      try {
        m = th.load(th, decodeUTF8(module));
      } catch (e) {
        const msg = errorMessage(toStarErr(e));
        throw new StarErr(`cannot load ${module}: ${msg}`);
      }
      for (let i = 0; i < names.length; i++) {
        const v = m.get(decodeUTF8(names[i]!)) ?? m.get(names[i]!);
        if (v === undefined) {
          fr.pos = positions[i]!;
          const hint = nearest(names[i]!, [...m.keys()].map(encodeUTF8));
          fail(`load: name ${names[i]} not found in module ${module}${hint ? ` (did you mean ${hint}?)` : ''}`);
        }
        targets[i]!(fr, v);
      }
      return NORMAL;
    };
  }

  assignStmt(s: A.AssignStmt): St {
    const rhs = this.expr(s.rhs);
    const lhs = s.lhs;
    if (lhs.kind === 'Ident') {
      const b = lhs.binding!;
      const i = b.index;
      if (b.scope === 'local') {
        return (fr) => {
          fr.l[i] = rhs(fr);
          return NORMAL;
        };
      }
      if (b.scope === 'global') {
        return (fr) => {
          fr.g[i] = rhs(fr);
          return NORMAL;
        };
      }
    }
    if (lhs.kind === 'Index') {
      const xe = this.expr(lhs.x);
      const ie = this.expr(lhs.y);
      const pos = packPos(lhs);
      return (fr) => {
        const v = rhs(fr);
        const x = xe(fr);
        const k = ie(fr);
        if (x instanceof Dict && !x.ht.frozen && x.ht.itercount === 0 && (typeof k === 'number' || typeof k === 'string')) {
          x.ht.m.set(k, v);
          return NORMAL;
        }
        fr.pos = pos;
        setIndex(x, k, v);
        return NORMAL;
      };
    }
    const set = this.assignTarget(lhs);
    return (fr) => {
      set(fr, rhs(fr));
      return NORMAL;
    };
  }

  augAssign(s: A.AssignStmt): St {
    const op = s.op.slice(0, -1);
    const pos = packPos(s);
    const rhs = this.expr(s.rhs);
    const apply = (fr: Frame, x: Value, y: Value): Value => {
      if (op === '+') {
        if (typeof x === 'number' && typeof y === 'number') {
          const r = x + y;
          if (r <= MAX && r >= -MAX) return r;
        }
        if (x instanceof List) {
          // list += iterable extends the list in place (any iterable, as in starlark-go).
          fr.pos = pos;
          const src = y instanceof List || y instanceof Tuple ? y.elems : typeof y === 'object' ? iterableElems(y) : undefined;
          if (src !== undefined) {
            if (x.frozen) fail('cannot apply += to frozen list');
            if (x.itercount > 0) fail('cannot apply += to list during iteration');
            if (src === x.elems) x.elems.push(...src.slice());
            else for (const e of src) x.elems.push(e);
            return x;
          }
        }
      }
      fr.pos = pos;
      return binary(op, x, y);
    };
    const lhs = s.lhs;
    switch (lhs.kind) {
      case 'Ident': {
        const get = this.ident(lhs);
        const set = this.assignTarget(lhs);
        const b = lhs.binding!;
        if (b.scope === 'local') {
          const i = b.index;
          const plus = op === '+';
          return (fr) => {
            const x = fr.l[i] === undefined ? get(fr) : (fr.l[i] as Value);
            const y = rhs(fr);
            if (plus && typeof x === 'number' && typeof y === 'number') {
              const r = x + y;
              if (r <= MAX && r >= -MAX) {
                fr.l[i] = r;
                return NORMAL;
              }
            }
            fr.l[i] = apply(fr, x, y);
            return NORMAL;
          };
        }
        return (fr) => {
          set(fr, apply(fr, get(fr), rhs(fr)));
          return NORMAL;
        };
      }
      case 'Index': {
        const xe = this.expr(lhs.x);
        const ie = this.expr(lhs.y);
        return (fr) => {
          const x = xe(fr);
          const k = ie(fr);
          fr.pos = packPos(lhs);
          const old = getIndex(x, k);
          const v = apply(fr, old, rhs(fr));
          fr.pos = packPos(lhs);
          setIndex(x, k, v);
          return NORMAL;
        };
      }
      case 'Dot': {
        const xe = this.expr(lhs.x);
        const name = lhs.name;
        return (fr) => {
          const x = xe(fr);
          fr.pos = packPos(lhs);
          const old = getAttr(x, name);
          const v = apply(fr, old, rhs(fr));
          fr.pos = packPos(lhs);
          setField(x, name, v);
          return NORMAL;
        };
      }
      case 'Paren':
        return this.augAssign({ ...s, lhs: lhs.x });
    }
    return fail(`can't use ${lhs.kind} in augmented assignment`);
  }

  assignTarget(lhs: A.Expr): Assign {
    switch (lhs.kind) {
      case 'Ident': {
        const b = lhs.binding!;
        const i = b.index;
        switch (b.scope) {
          case 'local':
            return (fr, v) => {
              fr.l[i] = v;
            };
          case 'cell':
            return (fr, v) => {
              (fr.l[i] as Cell).v = v;
            };
          case 'free':
            return (fr, v) => {
              fr.fv[i]!.v = v;
            };
          case 'global':
            return (fr, v) => {
              fr.g[i] = v;
            };
        }
        return () => fail(`cannot assign to ${lhs.name}`);
      }
      case 'Index': {
        const xe = this.expr(lhs.x);
        const ie = this.expr(lhs.y);
        const pos = packPos(lhs);
        return (fr, v) => {
          const x = xe(fr);
          const k = ie(fr);
          fr.pos = pos;
          setIndex(x, k, v);
        };
      }
      case 'Dot': {
        const xe = this.expr(lhs.x);
        const pos = packPos(lhs);
        return (fr, v) => {
          const x = xe(fr);
          fr.pos = pos;
          setField(x, lhs.name, v);
        };
      }
      case 'Paren':
        return this.assignTarget(lhs.x);
      case 'Tuple':
      case 'List': {
        const targets: Assign[] = [];
        for (let i = 0; i < lhs.elems.length; i++) targets.push(this.assignTarget(lhs.elems[i]!));
        const n = targets.length;
        const pos = packPos(lhs);
        if (n === 2) {
          const [t0, t1] = targets as [Assign, Assign];
          return (fr, v) => {
            if (v instanceof Tuple && v.elems.length === 2) {
              t0(fr, v.elems[0]!);
              t1(fr, v.elems[1]!);
              return;
            }
            fr.pos = pos;
            const e = unpack(v, 2);
            t0(fr, e[0]!);
            t1(fr, e[1]!);
          };
        }
        return (fr, v) => {
          fr.pos = pos;
          const e = unpack(v, n);
          for (let i = 0; i < n; i++) targets[i]!(fr, e[i]!);
        };
      }
    }
    return () => fail(`can't assign to ${lhs.kind}`);
  }

  forStmt(s: A.ForStmt): St {
    const xe = this.expr(s.x);
    const set = this.assignTarget(s.vars);
    const body = this.block(s.body);
    const pos = packPos(s);
    const localIdx = s.vars.kind === 'Ident' && s.vars.binding!.scope === 'local' ? s.vars.binding!.index : -1;
    return (fr) => {
      const x = xe(fr);
      const th = fr.th;
      if (x instanceof Range) {
        const n = x.len;
        for (let i = 0; i < n; i++) {
          if (++th.steps >= th.limit) {
            fr.pos = pos;
            th.overLimit();
          }
          const v = x.start + i * x.step;
          if (localIdx >= 0) fr.l[localIdx] = v;
          else set(fr, v);
          const r = body(fr);
          if (r === BREAK) break;
          if (r === RETURN) return r;
        }
        return NORMAL;
      }
      let elems: Value[];
      let owner: List | Dict | SetValue | null = null;
      if (x instanceof List) {
        elems = x.elems;
        owner = x;
      } else if (x instanceof Tuple) elems = x.elems;
      else if (x instanceof Dict || x instanceof SetValue) {
        elems = x.ht.keys();
        owner = x;
      } else if (x instanceof HostValue && x.iterate) {
        const it = x.iterate();
        for (let r = it.next(); !r.done; r = it.next()) {
          if (++th.steps >= th.limit) {
            fr.pos = pos;
            th.overLimit();
          }
          set(fr, r.value);
          const c = body(fr);
          if (c === BREAK) break;
          if (c === RETURN) return c;
        }
        return NORMAL;
      } else {
        fr.pos = packPos(s.x);
        elems = toArrayOrUndefined(x) ?? fail(`${typeOf(x)} value is not iterable`);
      }
      if (owner !== null) {
        if (owner instanceof List) owner.itercount++;
        else owner.ht.itercount++;
      }
      try {
        const n = elems.length;
        for (let i = 0; i < n; i++) {
          if (++th.steps >= th.limit) {
            fr.pos = pos;
            th.overLimit();
          }
          if (localIdx >= 0) fr.l[localIdx] = elems[i]!;
          else set(fr, elems[i]!);
          const r = body(fr);
          if (r === BREAK) break;
          if (r === RETURN) return r;
        }
      } finally {
        if (owner !== null) {
          if (owner instanceof List) owner.itercount--;
          else owner.ht.itercount--;
        }
      }
      return NORMAL;
    };
  }

  // ---------------------------------------------------------------- functions

  /** function compiles a def/lambda; the result makes a Func value in the enclosing frame. */
  function(fi: A.FunctionInfo): (fr: Frame) => Value {
    const file = this.file;
    const body = this.block(fi.body);
    const nlocals = fi.locals.length;
    const cells = fi.locals.filter((b) => b.scope === 'cell').map((b) => b.index);
    const numParams = fi.params.filter((p) => p.style === 'plain' || p.style === 'default').length;
    const paramNames = fi.locals.slice(0, numParams + (fi.hasVarargs ? 1 : 0) + (fi.hasKwargs ? 1 : 0)).map((b) => b.name);
    const simple = !fi.hasVarargs && !fi.hasKwargs && fi.numKwonly === 0;
    const name = fi.name;
    const startPos = packPos(fi);
    const run = (th: Thread, fn: Func, l: Array<Value | undefined | Cell>): Value => {
      if (++th.steps >= th.limit) th.overLimit();
      if (code.active > 0 && !fn.module.allowRecursion) fail(`function ${name} called recursively`);
      if (++th.depth > MAX_DEPTH) {
        th.depth--;
        fail('stack overflow (maximum call depth exceeded)');
      }
      for (let i = 0; i < cells.length; i++) {
        const c = cells[i]!;
        l[c] = new Cell(l[c] as Value | undefined);
      }
      code.active++;
      const fr = new Frame(l, fn.freevars, fn.module.globals, th);
      fr.pos = startPos;
      try {
        return body(fr) === RETURN ? fr.ret : None;
      } catch (e) {
        throw addFrame(e, name, fr, file);
      } finally {
        code.active--;
        th.depth--;
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
      invoke(th, fn, args, kwargs) {
        const l: Array<Value | undefined | Cell> = new Array(nlocals);
        if (simple && (kwargs === null || kwargs.length === 0) && args.length === numParams) {
          for (let i = 0; i < numParams; i++) l[i] = args[i];
        } else {
          bindArgs(code, fn, l, args, kwargs ?? EMPTY_KW);
        }
        return run(th, fn, l);
      },
    };
    // Defaults are evaluated when the def executes; keyword-only params without one are MANDATORY.
    const dflts: Array<Ex | null> = [];
    let seenDefault = false;
    for (const p of fi.params) {
      if (p.style === 'default') {
        seenDefault = true;
        dflts.push(this.expr(p.dflt!));
      } else if (p.style === 'plain' && seenDefault) dflts.push(null);
      else if (p.style === 'plain' && fi.numKwonly > 0 && isKwonly(fi, p)) dflts.push(null);
    }
    const freevars = fi.freevars.map((b) => ({ scope: b.scope, index: b.index }));
    return (fr) => {
      const d: Value[] = new Array(dflts.length);
      for (let i = 0; i < dflts.length; i++) {
        const e = dflts[i];
        d[i] = e ? e(fr) : MANDATORY;
      }
      const fv: Cell[] = new Array(freevars.length);
      for (let i = 0; i < freevars.length; i++) {
        const b = freevars[i]!;
        fv[i] = b.scope === 'free' ? fr.fv[b.index]! : (fr.l[b.index] as Cell);
      }
      return new Func(code, d, fv, this.o.module);
    };
  }

  // ---------------------------------------------------------------- expressions

  ident(id: A.Ident): Ex {
    const b = id.binding!;
    const i = b.index;
    const name = b.name;
    const pos = packPos(id);
    switch (b.scope) {
      case 'local':
        return (fr) => {
          const v = fr.l[i];
          if (v === undefined) {
            fr.pos = pos;
            fail(`local variable ${name} referenced before assignment`);
          }
          return v as Value;
        };
      case 'cell':
        return (fr) => {
          const v = (fr.l[i] as Cell).v;
          if (v === undefined) {
            fr.pos = pos;
            fail(`local variable ${name} referenced before assignment`);
          }
          return v;
        };
      case 'free':
        return (fr) => {
          const v = fr.fv[i]!.v;
          if (v === undefined) {
            fr.pos = pos;
            fail(`local variable ${name} referenced before assignment`);
          }
          return v;
        };
      case 'global':
        return (fr) => {
          const v = fr.g[i];
          if (v === undefined) {
            fr.pos = pos;
            fail(`global variable ${name} referenced before assignment`);
          }
          return v;
        };
      case 'predeclared':
      case 'universal': {
        const v = this.o.predeclared(name);
        if (v === undefined) return (fr) => {
          fr.pos = pos;
          return fail(`undefined: ${name}`);
        };
        return () => v;
      }
    }
    return (fr) => {
      fr.pos = pos;
      return fail(`undefined: ${name}`);
    };
  }

  exprs(xs: readonly A.Expr[]): Ex[] {
    const out: Ex[] = [];
    for (let i = 0; i < xs.length; i++) out.push(this.expr(xs[i]!));
    return out;
  }

  expr(e: A.Expr): Ex {
    this.at = e;
    switch (e.kind) {
      case 'Ident':
        return this.ident(e);
      case 'Literal': {
        let v: Value;
        if (e.tok === 'FLOAT') v = new Float(e.value as number);
        else if (e.tok === 'BYTES') v = new Bytes(e.value as string);
        else v = e.value as Value;
        return () => v;
      }
      case 'Paren':
        return this.expr(e.x);
      case 'List': {
        const xs = this.exprs(e.elems);
        const n = xs.length;
        return (fr) => {
          const out: Value[] = new Array(n);
          for (let i = 0; i < n; i++) out[i] = xs[i]!(fr);
          return new List(out);
        };
      }
      case 'Tuple': {
        const xs = this.exprs(e.elems);
        const n = xs.length;
        if (n === 2) {
          const [a, b] = xs as [Ex, Ex];
          return (fr) => new Tuple([a(fr), b(fr)]);
        }
        return (fr) => {
          const out: Value[] = new Array(n);
          for (let i = 0; i < n; i++) out[i] = xs[i]!(fr);
          return new Tuple(out);
        };
      }
      case 'Dict': {
        const ks: Ex[] = [];
        const vs: Ex[] = [];
        for (let i = 0; i < e.entries.length; i++) {
          ks.push(this.expr(e.entries[i]!.key));
          vs.push(this.expr(e.entries[i]!.value));
        }
        const ps = e.entries.map((en) => packPos(en));
        const n = ks.length;
        return (fr) => {
          const d = new Dict();
          for (let i = 0; i < n; i++) {
            const k = ks[i]!(fr);
            const v = vs[i]!(fr);
            fr.pos = ps[i]!;
            if (d.ht.has(k)) fail(`duplicate key: ${repr(k)}`);
            d.ht.set(k, v);
          }
          return d;
        };
      }
      case 'Unary': {
        const x = this.expr(e.x);
        const op = e.op;
        const pos = packPos(e);
        if (op === 'not') return (fr) => {
          const v = x(fr);
          return v === false ? true : v === true ? false : !truth(v);
        };
        if (op === '-') return (fr) => {
          const v = x(fr);
          if (typeof v === 'number' && v !== 0) return -v;
          fr.pos = pos;
          return unary(op, v);
        };
        return (fr) => {
          const v = x(fr);
          fr.pos = pos;
          return unary(op, v);
        };
      }
      case 'Binary':
        return this.binary(e);
      case 'Cond': {
        const c = this.expr(e.cond);
        const t = this.expr(e.t);
        const f = this.expr(e.f);
        return (fr) => {
          const v = c(fr);
          return v === true || (v !== false && truth(v)) ? t(fr) : f(fr);
        };
      }
      case 'Index': {
        const xe = this.expr(e.x);
        const ie = this.expr(e.y);
        const pos = packPos(e);
        return (fr) => {
          const x = xe(fr);
          const k = ie(fr);
          if (typeof k === 'number') {
            if (x instanceof List && k >= 0 && k < x.elems.length) return x.elems[k]!;
          }
          if (x instanceof Dict && (typeof k === 'string' || typeof k === 'number')) {
            const v = x.ht.m.get(k);
            if (v !== undefined) return v;
          }
          fr.pos = pos;
          return getIndex(x, k);
        };
      }
      case 'Slice': {
        const xe = this.expr(e.x);
        const lo = e.lo ? this.expr(e.lo) : null;
        const hi = e.hi ? this.expr(e.hi) : null;
        const st = e.step ? this.expr(e.step) : null;
        const pos = packPos(e);
        return (fr) => {
          const x = xe(fr);
          const a = lo ? lo(fr) : undefined;
          const b = hi ? hi(fr) : undefined;
          const c = st ? st(fr) : undefined;
          fr.pos = pos;
          return slice(x, a, b, c);
        };
      }
      case 'Dot': {
        const xe = this.expr(e.x);
        const name = e.name;
        const pos = packPos(e);
        return (fr) => {
          const x = xe(fr);
          fr.pos = pos;
          return getAttr(x, name);
        };
      }
      case 'Call':
        return this.call(e);
      case 'Comprehension':
        return this.comprehension(e);
      case 'Lambda':
        return this.function(e.fn!);
    }
  }

  binary(e: A.BinaryExpr): Ex {
    const op = e.op;
    const x = this.expr(e.x);
    const pos = packPos(e);
    if (op === 'and') {
      const y = this.expr(e.y);
      return (fr) => {
        const v = x(fr);
        return v === false || (v !== true && !truth(v)) ? v : y(fr);
      };
    }
    if (op === 'or') {
      const y = this.expr(e.y);
      return (fr) => {
        const v = x(fr);
        return v === true || (v !== false && truth(v)) ? v : y(fr);
      };
    }
    // Small-int constant on the right: x + 1, i - 1, n * 2, x == 0, i < 10 ...
    if (e.y.kind === 'Literal' && e.y.tok === 'INT' && typeof e.y.value === 'number') {
      const k = e.y.value;
      switch (op) {
        case '+':
          return (fr) => {
            const a = x(fr);
            if (typeof a === 'number') {
              const r = a + k;
              if (r <= MAX && r >= -MAX) return r;
              return intAdd(a, k);
            }
            fr.pos = pos;
            return binary(op, a, k);
          };
        case '-':
          return (fr) => {
            const a = x(fr);
            if (typeof a === 'number') {
              const r = a - k;
              if (r <= MAX && r >= -MAX) return r + 0;
              return intSub(a, k);
            }
            fr.pos = pos;
            return binary(op, a, k);
          };
        case '==':
          return (fr) => {
            const a = x(fr);
            return typeof a === 'number' ? a === k : equal(a, k);
          };
        case '!=':
          return (fr) => {
            const a = x(fr);
            return typeof a === 'number' ? a !== k : !equal(a, k);
          };
        case '<':
          return (fr) => {
            const a = x(fr);
            if (typeof a === 'number') return a < k;
            fr.pos = pos;
            return compare(op, a, k);
          };
        case '>':
          return (fr) => {
            const a = x(fr);
            if (typeof a === 'number') return a > k;
            fr.pos = pos;
            return compare(op, a, k);
          };
      }
    }
    const y = this.expr(e.y);
    switch (op) {
      case '+':
        return (fr) => {
          const a = x(fr);
          const b = y(fr);
          if (typeof a === 'number' && typeof b === 'number') {
            const r = a + b;
            if (r <= MAX && r >= -MAX) return r;
          } else if (typeof a === 'string' && typeof b === 'string') return a + b;
          fr.pos = pos;
          return binary(op, a, b);
        };
      case '-':
        return (fr) => {
          const a = x(fr);
          const b = y(fr);
          if (typeof a === 'number' && typeof b === 'number') {
            const r = a - b;
            if (r <= MAX && r >= -MAX) return r + 0;
          }
          fr.pos = pos;
          return binary(op, a, b);
        };
      case '*':
        return (fr) => {
          const a = x(fr);
          const b = y(fr);
          if (typeof a === 'number' && typeof b === 'number') {
            const r = a * b;
            if (r <= MAX && r >= -MAX) return r + 0;
            return intMul(a, b);
          }
          fr.pos = pos;
          return binary(op, a, b);
        };
      case '==':
        return (fr) => {
          const a = x(fr);
          const b = y(fr);
          if (a === b && typeof a !== 'object') return true;
          if (typeof a === 'number' && typeof b === 'number') return false;
          if (typeof a === 'string' && typeof b === 'string') return false;
          fr.pos = pos;
          return equal(a, b);
        };
      case '!=':
        return (fr) => {
          const a = x(fr);
          const b = y(fr);
          if (a === b && typeof a !== 'object') return false;
          if (typeof a === 'number' && typeof b === 'number') return true;
          if (typeof a === 'string' && typeof b === 'string') return true;
          fr.pos = pos;
          return !equal(a, b);
        };
      case '<':
      case '<=':
      case '>':
      case '>=': {
        const lt = op === '<';
        const le = op === '<=';
        const gt = op === '>';
        return (fr) => {
          const a = x(fr);
          const b = y(fr);
          if (typeof a === 'number' && typeof b === 'number') return lt ? a < b : le ? a <= b : gt ? a > b : a >= b;
          fr.pos = pos;
          return compare(op, a, b);
        };
      }
      case 'in':
        return (fr) => {
          const a = x(fr);
          const b = y(fr);
          fr.pos = pos;
          return contains(b, a);
        };
      case 'not in':
        return (fr) => {
          const a = x(fr);
          const b = y(fr);
          fr.pos = pos;
          return !contains(b, a);
        };
    }
    return (fr) => {
      const a = x(fr);
      const b = y(fr);
      fr.pos = pos;
      return binary(op, a, b);
    };
  }

  call(e: A.CallExpr): Ex {
    const pos = packPos(e);
    const simplePositional = e.args.every((a) => a.style === 'pos');
    const argEx: Ex[] = [];
    for (let i = 0; i < e.args.length; i++) argEx.push(this.expr(e.args[i]!.value));
    const n = argEx.length;
    // Method call fast path: x.name(args) without materialising a bound method.
    if (e.fn.kind === 'Dot' && simplePositional) {
      const recvEx = this.expr(e.fn.x);
      const name = e.fn.name;
      const dotPos = packPos(e.fn);
      return (fr) => {
        const recv = recvEx(fr);
        const args: Value[] = new Array(n);
        for (let i = 0; i < n; i++) args[i] = argEx[i]!(fr);
        fr.pos = pos;
        const r = callMethod(fr.th, recv, name, args);
        if (r !== undefined) return r;
        fr.pos = dotPos;
        const f = getAttr(recv, name);
        fr.pos = pos;
        return callValue(fr.th, f, args, null);
      };
    }
    const fnEx = this.expr(e.fn);
    if (simplePositional) {
      return (fr) => {
        const f = fnEx(fr);
        if (f instanceof Func) {
          const code = f.code as CompiledCode;
          const np = code.numParams;
          // Positional arguments only; missing trailing ones take their defaults.
          if (code.simple && n <= np && n >= np - f.defaults.length) {
            const l: Array<Value | undefined | Cell> = new Array(code.nlocals);
            for (let i = 0; i < n; i++) l[i] = argEx[i]!(fr);
            if (n < np) {
              const d = f.defaults;
              const m = np - d.length;
              for (let i = n; i < np; i++) {
                const dv = d[i - m]!;
                if (dv === MANDATORY) {
                  fr.pos = pos;
                  return callValue(fr.th, f, l.slice(0, n) as Value[], null); // reports it
                }
                l[i] = dv;
              }
            }
            fr.pos = pos;
            return code.run(fr.th, f, l);
          }
        }
        const args: Value[] = new Array(n);
        for (let i = 0; i < n; i++) args[i] = argEx[i]!(fr);
        fr.pos = pos;
        return callValue(fr.th, f, args, null);
      };
    }
    const styles = e.args.map((a) => a.style);
    const names = e.args.map((a) => a.name ?? '');
    if (e.args.every((a) => a.style === 'pos' || a.style === 'named')) return this.keywordCall(e, fnEx, argEx);
    return (fr) => {
      const f = fnEx(fr);
      const args: Value[] = [];
      let kwargs: Array<[string, Value]> | null = null;
      for (let i = 0; i < n; i++) {
        const v = argEx[i]!(fr);
        switch (styles[i]) {
          case 'pos':
            args.push(v);
            break;
          case 'named':
            (kwargs ??= []).push([names[i]!, v]);
            break;
          case 'star': {
            fr.pos = pos;
            const elems = toArrayOrUndefined(v);
            if (elems === undefined) fail(`argument after * must be iterable, not ${typeOf(v)}`);
            for (const x of elems) args.push(x);
            break;
          }
          case 'starstar': {
            fr.pos = pos;
            if (!(v instanceof Dict)) fail(`argument after ** must be a mapping, not ${typeOf(v)}`);
            kwargs ??= [];
            for (const [k, x] of v.ht.items()) {
              if (typeof k !== 'string') fail(`keywords must be strings, not ${typeOf(k)}`);
              kwargs.push([k, x]);
            }
            break;
          }
        }
      }
      fr.pos = pos;
      return callValue(fr.th, f, args, kwargs);
    };
  }

  /**
   * keywordCall compiles f(a, b, k=v, ...) (positional then named arguments, no * or **). When f
   * is a compiled function without *args/**kwargs, the named arguments go straight into the
   * callee's parameter slots (the mapping is cached per call site and callee code); any case the
   * cache can't settle (missing or mandatory parameters, too many positionals, unknown names) is
   * handed to the general binder with the values already evaluated.
   */
  keywordCall(e: A.CallExpr, fnEx: Ex, argEx: Ex[]): Ex {
    const pos = packPos(e);
    const n = argEx.length;
    const npos = e.args.filter((a) => a.style === 'pos').length;
    const names = e.args.slice(npos).map((a) => a.name!);
    const nnamed = names.length;
    let cachedCode: CompiledCode | null = null;
    let slots: number[] | null = null; // parameter index of each named argument, or null: no fast path
    const mapFor = (code: CompiledCode): number[] | null => {
      if (!code.noStar || npos > code.numParams - code.numKwonly) return null;
      const out: number[] = new Array(nnamed);
      for (let j = 0; j < nnamed; j++) {
        const k = code.paramNames.indexOf(names[j]!);
        if (k < npos || k >= code.numParams || out.includes(k)) return null;
        out[j] = k;
      }
      return out;
    };
    const general = (fr: Frame, f: Value, vals: Array<Value | undefined | Cell>, sl: number[] | null): Value => {
      const args: Value[] = new Array(npos);
      for (let i = 0; i < npos; i++) args[i] = vals[i] as Value;
      const kwargs: Array<[string, Value]> = new Array(nnamed);
      for (let j = 0; j < nnamed; j++) kwargs[j] = [names[j]!, vals[sl === null ? npos + j : sl[j]!] as Value];
      fr.pos = pos;
      return callValue(fr.th, f, args, kwargs);
    };
    return (fr) => {
      const f = fnEx(fr);
      if (f instanceof Func) {
        const code = f.code as CompiledCode;
        if (code !== cachedCode) {
          cachedCode = code;
          slots = mapFor(code);
        }
        const sl = slots;
        if (sl !== null) {
          const l: Array<Value | undefined | Cell> = new Array(code.nlocals);
          for (let i = 0; i < npos; i++) l[i] = argEx[i]!(fr);
          for (let j = 0; j < nnamed; j++) l[sl[j]!] = argEx[npos + j]!(fr);
          const np = code.numParams;
          const d = f.defaults;
          const m = np - d.length;
          for (let i = npos; i < np; i++) {
            if (l[i] !== undefined) continue;
            const dv = i >= m ? d[i - m]! : MANDATORY;
            if (dv === MANDATORY) return general(fr, f, l, sl); // reports the missing argument
            l[i] = dv;
          }
          fr.pos = pos;
          return code.run(fr.th, f, l);
        }
      }
      const vals: Value[] = new Array(n);
      for (let i = 0; i < n; i++) vals[i] = argEx[i]!(fr);
      return general(fr, f, vals, null);
    };
  }

  comprehension(e: A.Comprehension): Ex {
    const clauses = e.clauses;
    let inner: (fr: Frame, acc: List | Dict) => void;
    if (e.curly) {
      const body = e.body as A.DictEntry;
      const k = this.expr(body.key);
      const v = this.expr(body.value);
      const pos = packPos(body);
      inner = (fr, acc) => {
        const kk = k(fr);
        const vv = v(fr);
        fr.pos = pos;
        (acc as Dict).ht.set(kk, vv, 'hash table');
      };
    } else {
      const b = this.expr(e.body as A.Expr);
      inner = (fr, acc) => {
        (acc as List).elems.push(b(fr));
      };
    }
    for (let ci = clauses.length - 1; ci >= 0; ci--) {
      const c = clauses[ci]!;
      const next = inner;
      if (c.kind === 'IfClause') {
        const cond = this.expr(c.cond);
        inner = (fr, acc) => {
          const v = cond(fr);
          if (v === true || (v !== false && truth(v))) next(fr, acc);
        };
      } else {
        const xe = this.expr(c.x);
        const set = this.assignTarget(c.vars);
        const pos = packPos(c);
        const xpos = packPos(c.x);
        inner = (fr, acc) => {
          const x = xe(fr);
          const th = fr.th;
          if (x instanceof Range) {
            for (let i = 0; i < x.len; i++) {
              if (++th.steps >= th.limit) {
                fr.pos = pos;
                th.overLimit();
              }
              set(fr, x.start + i * x.step);
              next(fr, acc);
            }
            return;
          }
          fr.pos = xpos;
          if (x instanceof HostValue && x.iterate) {
            const it = x.iterate();
            for (let r = it.next(); !r.done; r = it.next()) {
              if (++th.steps >= th.limit) {
                fr.pos = pos;
                th.overLimit();
              }
              set(fr, r.value);
              next(fr, acc);
            }
            return;
          }
          const owner = x instanceof List ? x : x instanceof Dict || x instanceof SetValue ? x.ht : null;
          const elems = x instanceof List || x instanceof Tuple ? x.elems : toArrayOrUndefined(x) ?? fail(`${typeOf(x)} value is not iterable`);
          if (owner) owner.itercount++;
          try {
            for (let i = 0; i < elems.length; i++) {
              if (++th.steps >= th.limit) {
                fr.pos = pos;
                th.overLimit();
              }
              set(fr, elems[i]!);
              next(fr, acc);
            }
          } finally {
            if (owner) owner.itercount--;
          }
        };
      }
    }
    const run = inner;
    if (e.curly) return (fr) => {
      const d = new Dict();
      run(fr, d);
      return d;
    };
    return (fr) => {
      const l = new List([]);
      run(fr, l);
      return l;
    };
  }
}

function isKwonly(fi: A.FunctionInfo, p: A.Param): boolean {
  let seenStar = false;
  for (const q of fi.params) {
    if (q.style === 'star') seenStar = true;
    if (q === p) return seenStar;
  }
  return false;
}

function toArrayOrUndefined(x: Value): Value[] | undefined {
  if (x instanceof List || x instanceof Tuple) return x.elems;
  if (typeof x !== 'object') return undefined;
  try {
    return toArray(x);
  } catch {
    return undefined;
  }
}

/** unpack implements `a, b = v`. */
function unpack(v: Value, n: number): Value[] {
  const elems = toArrayOrUndefined(v);
  if (elems === undefined) fail(`got ${typeOf(v)} in sequence assignment`);
  if (elems.length > n) fail(`too many values to unpack (got ${elems.length}, want ${n})`);
  if (elems.length < n) fail(`too few values to unpack (got ${elems.length}, want ${n})`);
  return elems;
}

/** bindArgs binds positional and keyword arguments to parameters (starlark-go semantics). */
function bindArgs(code: FuncCode, fn: Func, l: Array<Value | undefined | Cell>, args: Value[], kwargs: Array<[string, Value]>): void {
  const name = code.name;
  let nparams = code.numParams;
  const total = nparams + (code.hasVarargs ? 1 : 0) + (code.hasKwargs ? 1 : 0);
  if (total === 0) {
    const nactual = args.length + kwargs.length;
    if (nactual > 0) fail(`function ${name} accepts no arguments (${nactual} given)`);
    return;
  }
  let kwdict: Dict | null = null;
  if (code.hasKwargs) {
    kwdict = new Dict();
    l[nparams + (code.hasVarargs ? 1 : 0)] = kwdict;
  }
  const nonkwonly = nparams - code.numKwonly;
  let n = args.length;
  if (args.length > nonkwonly) {
    if (!code.hasVarargs) {
      const atMost = fn.defaults.length > code.numKwonly ? 'at most ' : '';
      fail(`function ${name} accepts ${atMost}${nonkwonly} positional argument${nonkwonly === 1 ? '' : 's'} (${args.length} given)`);
    }
    n = nonkwonly;
  }
  for (let i = 0; i < n; i++) l[i] = args[i];
  if (code.hasVarargs) l[nparams] = new Tuple(args.slice(n));
  const names = code.paramNames;
  for (const [k, v] of kwargs) {
    let i = -1;
    for (let j = 0; j < nparams; j++) if (names[j] === k) {
      i = j;
      break;
    }
    if (i >= 0) {
      if (l[i] !== undefined) fail(`function ${name} got multiple values for parameter ${quote(k)}`);
      l[i] = v;
      continue;
    }
    if (kwdict === null) fail(`function ${name} got an unexpected keyword argument ${quote(k)}`);
    if (kwdict.ht.has(k)) fail(`function ${name} got multiple values for parameter ${quote(k)}`);
    kwdict.ht.set(k, v);
  }
  if (n < nparams || code.numKwonly > 0) {
    const m = nparams - fn.defaults.length;
    const missing: string[] = [];
    let i: number;
    for (i = n; i < m; i++) if (l[i] === undefined) missing.push(names[i]!);
    for (; i < nparams; i++) {
      if (l[i] === undefined) {
        const d = fn.defaults[i - m]!;
        if (d === MANDATORY) {
          missing.push(names[i]!);
          continue;
        }
        l[i] = d;
      }
    }
    if (missing.length > 0) {
      fail(`function ${name} missing ${missing.length} argument${missing.length > 1 ? 's' : ''} (${missing.join(', ')})`);
    }
  }
  nparams = 0;
}
