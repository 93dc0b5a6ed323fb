/**
 * Compiling statements: blocks, expression statements, assignments (plain, augmented, to
 * names, indexes, fields and tuples), if, for, while, return, break/continue, def and load.
 * A statement compiles to a closure returning how it completed (frame.ts), so control flow
 * never throws. Loops count steps against the thread's budget at every iteration.
 */
import type * as A from '../../syntax/ast.js';
import { getAttr, setField } from '../attrs.js';
import { toStarErr } from '../call.js';
import { BREAK, CONTINUE, NORMAL, RETURN, type Frame } from '../frame.js';
import { Dict, SetValue, typeOf } from '../hashtable.js';
import { getIndex, setIndex } from '../indexing.js';
import { truth } from '../ops.js';
import { iterableElems, listExtend } from '../sequence.js';
import { packPos } from '../pos.js';
import { nearest } from '../../resolve/resolver.js';
import {
  HostValue,
  List,
  None,
  Range,
  StarErr,
  decodeUTF8,
  encodeUTF8,
  errorMessage,
  fail,
  isTuple,
  tupleElems,
  type Cell,
  type Unmade,
  type Value,
} from '../value.js';
import { binaryOp } from './binary.js';
import { MAX, toArrayOrUndefined, type Assign, type CompileContext, type St } from './context.js';
import { ident } from './expressions.js';
import { functionExpr } from './functions.js';

/** block compiles a statement list; it stops at the first statement that does not complete normally. */
export function block(ctx: CompileContext, stmts: readonly A.Stmt[]): St {
  const ss: St[] = [];
  // Loops, not map callbacks: nesting depth costs fewer JS frames.
  for (let i = 0; i < stmts.length; i++) {
    const st = statement(ctx, stmts[i]!);
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

/** statement compiles one statement; null for one that does nothing (pass). */
export function statement(ctx: CompileContext, s: A.Stmt): St | null {
  ctx.at = s;
  switch (s.kind) {
    case 'ExprStmt': {
      const x = ctx.expr(s.x);
      if (s.x.kind !== 'Call') {
        return (fr) => {
          x(fr);
          return NORMAL;
        };
      }
      // A call whose result the statement drops (Thread.resultDropped). The mark of an
      // enclosing statement is put back after, should an argument run statements of its own.
      const pos = packPos(s.x);
      return (fr) => {
        const th = fr.thread;
        const frame = th.dropFrame;
        const at = th.dropPos;
        th.dropFrame = fr;
        th.dropPos = pos;
        try {
          x(fr);
        } finally {
          th.dropFrame = frame;
          th.dropPos = at;
        }
        return NORMAL;
      };
    }
    case 'Assign':
      return s.op === '=' ? assignStmt(ctx, s) : augAssign(ctx, s);
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
      const x = ctx.expr(s.result);
      return (fr) => {
        fr.ret = x(fr);
        return RETURN;
      };
    }
    case 'If': {
      const cond = ctx.expr(s.cond);
      const then = block(ctx, s.then);
      if (s.els.length === 0) {
        return (fr) => {
          const c = cond(fr);
          if (c === true || (c !== false && truth(c))) return then(fr);
          return NORMAL;
        };
      }
      const els = block(ctx, s.els);
      return (fr) => {
        const c = cond(fr);
        if (c === true || (c !== false && truth(c))) return then(fr);
        return els(fr);
      };
    }
    case 'For':
      return forStmt(ctx, s);
    case 'While': {
      const cond = ctx.expr(s.cond);
      const body = block(ctx, s.body);
      return (fr) => {
        const th = fr.thread;
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
      const mk = functionExpr(ctx, s.fn!);
      const set = assignTarget(ctx, s.name);
      return (fr) => {
        set(fr, mk(fr));
        return NORMAL;
      };
    }
    case 'Load':
      return loadStmt(ctx, s);
  }
}

/** loadStmt compiles `load("module", "name", alias="name")` through the thread's load hook. */
function loadStmt(ctx: CompileContext, s: A.LoadStmt): St {
  const pos = packPos(s);
  const module = s.module;
  const targets = s.to.map((id) => assignTarget(ctx, id));
  const names = s.from.map((id) => id.name);
  const positions = s.from.map((id) => packPos(id));
  return (fr) => {
    fr.pos = pos;
    const th = fr.thread;
    if (!th.load) fail(`cannot load ${decodeUTF8(module)}: load not implemented by this application`);
    let m: Map<string, Value>;
    try {
      m = th.load(th, decodeUTF8(module));
    } catch (e) {
      const msg = errorMessage(toStarErr(e));
      throw new StarErr(`cannot load ${module}: ${msg}`, e);
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

/** assignStmt compiles `lhs = rhs`, with fast paths for a local, a global and `d[k] = v`. */
function assignStmt(ctx: CompileContext, s: A.AssignStmt): St {
  const rhs = ctx.expr(s.rhs);
  const lhs = s.lhs;
  if (lhs.kind === 'Ident') {
    const b = lhs.binding!;
    const i = b.index;
    if (b.scope === 'local') {
      return (fr) => {
        fr.locals[i] = rhs(fr);
        return NORMAL;
      };
    }
    if (b.scope === 'global') {
      return (fr) => {
        fr.globals[i] = rhs(fr);
        return NORMAL;
      };
    }
  }
  if (lhs.kind === 'Index') {
    const xe = ctx.expr(lhs.x);
    const ie = ctx.expr(lhs.y);
    const pos = packPos(lhs);
    return (fr) => {
      const v = rhs(fr);
      const x = xe(fr);
      const k = ie(fr);
      if (
        x instanceof Dict &&
        !x.ht.frozen &&
        x.ht.itercount === 0 &&
        (typeof k === 'number' || typeof k === 'string')
      ) {
        x.ht.m.set(k, v);
        return NORMAL;
      }
      fr.pos = pos;
      setIndex(x, k, v);
      return NORMAL;
    };
  }
  const set = assignTarget(ctx, lhs);
  return (fr) => {
    set(fr, rhs(fr));
    return NORMAL;
  };
}

/** augAssign compiles `lhs op= rhs`: the target is evaluated once; list += extends in place. */
function augAssign(ctx: CompileContext, s: A.AssignStmt): St {
  const op = s.op.slice(0, -1);
  const pos = packPos(s);
  const rhs = ctx.expr(s.rhs);
  const apply = (fr: Frame, x: Value, y: Value): Value => {
    if (op === '+') {
      if (typeof x === 'number' && typeof y === 'number') {
        const r = x + y;
        if (r <= MAX && r >= -MAX) return r;
      }
      if (x instanceof List) {
        // list += iterable extends the list in place (any iterable, as in starlark-go).
        fr.pos = pos;
        const src =
          y instanceof List
            ? y.elems
            : isTuple(y)
              ? tupleElems(y)
              : typeof y === 'object'
                ? iterableElems(y)
                : undefined;
        if (src !== undefined) {
          if (x.frozen) fail('cannot apply += to frozen list');
          if (x.itercount > 0) fail('cannot apply += to list during iteration');
          listExtend(x, src);
          return x;
        }
      }
    } else if (op === '|' && x instanceof Dict && y instanceof Dict) {
      // dict |= dict updates the dict in place, so an alias sees it (as in starlark-go).
      fr.pos = pos;
      x.ht.checkMutable('apply |= to', 'hash table');
      for (const [k, v] of y.ht.items()) x.ht.set(k, v);
      return x;
    }
    fr.pos = pos;
    return binaryOp(op, x, y);
  };
  const lhs = s.lhs;
  switch (lhs.kind) {
    case 'Ident': {
      const get = ident(ctx, lhs);
      const set = assignTarget(ctx, lhs);
      const b = lhs.binding!;
      if (b.scope === 'local') {
        const i = b.index;
        const plus = op === '+';
        return (fr) => {
          const x = fr.locals[i] === undefined ? get(fr) : (fr.locals[i] as Value);
          const y = rhs(fr);
          if (plus && typeof x === 'number' && typeof y === 'number') {
            const r = x + y;
            if (r <= MAX && r >= -MAX) {
              fr.locals[i] = r;
              return NORMAL;
            }
          }
          fr.locals[i] = apply(fr, x, y);
          return NORMAL;
        };
      }
      return (fr) => {
        set(fr, apply(fr, get(fr), rhs(fr)));
        return NORMAL;
      };
    }
    case 'Index': {
      const xe = ctx.expr(lhs.x);
      const ie = ctx.expr(lhs.y);
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
      const xe = ctx.expr(lhs.x);
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
      return augAssign(ctx, { ...s, lhs: lhs.x });
  }
  return fail(`can't use ${lhs.kind} in augmented assignment`);
}

/** assignTarget compiles what an assignment, a for loop or a comprehension stores into. */
export function assignTarget(ctx: CompileContext, lhs: A.Expr): Assign {
  switch (lhs.kind) {
    case 'Ident': {
      const b = lhs.binding!;
      const i = b.index;
      switch (b.scope) {
        case 'local':
          return (fr, v) => {
            fr.locals[i] = v;
          };
        case 'cell':
          return (fr, v) => {
            (fr.locals[i] as Cell).v = v;
          };
        case 'free':
          return (fr, v) => {
            fr.free[i]!.v = v;
          };
        case 'global':
          return (fr, v) => {
            fr.globals[i] = v;
          };
      }
      return () => fail(`cannot assign to ${lhs.name}`);
    }
    case 'Index': {
      const xe = ctx.expr(lhs.x);
      const ie = ctx.expr(lhs.y);
      const pos = packPos(lhs);
      return (fr, v) => {
        const x = xe(fr);
        const k = ie(fr);
        fr.pos = pos;
        setIndex(x, k, v);
      };
    }
    case 'Dot': {
      const xe = ctx.expr(lhs.x);
      const pos = packPos(lhs);
      return (fr, v) => {
        const x = xe(fr);
        fr.pos = pos;
        setField(x, lhs.name, v);
      };
    }
    case 'Paren':
      return assignTarget(ctx, lhs.x);
    case 'Tuple':
    case 'List': {
      const targets: Assign[] = [];
      for (let i = 0; i < lhs.elems.length; i++) targets.push(assignTarget(ctx, lhs.elems[i]!));
      const n = targets.length;
      const pos = packPos(lhs);
      if (n === 2) {
        const [t0, t1] = targets as [Assign, Assign];
        return (fr, v) => {
          if (isTuple(v) && v.length === 2) {
            t0(fr, v[0]!);
            t1(fr, v[1]!);
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

/** forStmt compiles `for vars in x:`; a list, dict or set cannot be mutated while it iterates. */
function forStmt(ctx: CompileContext, s: A.ForStmt): St {
  const xe = ctx.expr(s.x);
  const set = assignTarget(ctx, s.vars);
  const body = block(ctx, s.body);
  const pos = packPos(s);
  const localIdx = s.vars.kind === 'Ident' && s.vars.binding!.scope === 'local' ? s.vars.binding!.index : -1;
  return (fr) => {
    const x = xe(fr);
    const th = fr.thread;
    if (x instanceof Range) {
      const n = x.len;
      for (let i = 0; i < n; i++) {
        if (++th.steps >= th.limit) {
          fr.pos = pos;
          th.overLimit();
        }
        const v = x.start + i * x.step;
        if (localIdx >= 0) fr.locals[localIdx] = v;
        else set(fr, v);
        const r = body(fr);
        if (r === BREAK) break;
        if (r === RETURN) return r;
      }
      return NORMAL;
    }
    if (x instanceof List && x.unmade !== null) return forUnmade(fr, x, x.unmade, set, body, pos);
    let elems: Value[];
    let owner: List | Dict | SetValue | null = null;
    if (x instanceof List) {
      elems = x.store; // unmade === null: forUnmade took the others
      owner = x;
    } else if (isTuple(x)) elems = tupleElems(x);
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
        if (localIdx >= 0) fr.locals[localIdx] = elems[i]!;
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

/**
 * forUnmade runs a for loop over l, a list whose elements are not made yet (see Unmade): each is
 * read from the source as the loop reaches it (a pair is made then, so it dies young unless the
 * body keeps it). The source never changes (l cannot be mutated while it iterates, and a source
 * is never mutated).
 */
function forUnmade(fr: Frame, l: List, src: Unmade, set: Assign, body: St, pos: number): number {
  const th = fr.thread;
  l.itercount++;
  try {
    for (let i = 0; i < src.n; i++) {
      if (++th.steps >= th.limit) {
        fr.pos = pos;
        th.overLimit();
      }
      set(fr, src.at(i));
      const r = body(fr);
      if (r === BREAK) break;
      if (r === RETURN) return r;
    }
  } finally {
    l.itercount--;
  }
  return NORMAL;
}

// ---------------------------------------------------------------- functions

/** unpack implements `a, b = v`. */
function unpack(v: Value, n: number): Value[] {
  const elems = toArrayOrUndefined(v);
  if (elems === undefined) fail(`got ${typeOf(v)} in sequence assignment`);
  if (elems.length > n) fail(`too many values to unpack (got ${elems.length}, want ${n})`);
  if (elems.length < n) fail(`too few values to unpack (got ${elems.length}, want ${n})`);
  return elems;
}
