/**
 * Compiling list and dict comprehensions: the clauses nest from the innermost outwards into
 * one closure per clause, each `for` counting steps like a for statement.
 */
import type * as A from '../../syntax/ast.js';
import type { Frame } from '../frame.js';
import { Dict, SetValue, typeOf } from '../hashtable.js';
import { truth } from '../ops.js';
import { packPos } from '../pos.js';
import { HostValue, List, Range, fail, isTuple, tupleElems, type Unmade } from '../value.js';
import { toArrayOrUndefined, type Assign, type CompileContext, type Ex } from './context.js';

/** comprehension compiles `[x for …]` and `{k: v for …}`. */
export function comprehension(ctx: CompileContext, e: A.Comprehension): Ex {
  const clauses = e.clauses;
  let inner: (fr: Frame, acc: List | Dict) => void;
  if (e.curly) {
    const body = e.body as A.DictEntry;
    const k = ctx.expr(body.key);
    const v = ctx.expr(body.value);
    const pos = packPos(body);
    inner = (fr, acc) => {
      const kk = k(fr);
      const vv = v(fr);
      fr.pos = pos;
      (acc as Dict).ht.set(kk, vv, 'hash table');
    };
  } else {
    const b = ctx.expr(e.body as A.Expr);
    inner = (fr, acc) => {
      // A comprehension's list is new and never a list of elements not yet made: its store directly.
      (acc as List).store.push(b(fr));
    };
  }
  for (let ci = clauses.length - 1; ci >= 0; ci--) {
    const c = clauses[ci]!;
    const next = inner;
    if (c.kind === 'IfClause') {
      const cond = ctx.expr(c.cond);
      inner = (fr, acc) => {
        const v = cond(fr);
        if (v === true || (v !== false && truth(v))) next(fr, acc);
      };
    } else {
      const xe = ctx.expr(c.x);
      const set = ctx.assignTarget(c.vars);
      const pos = packPos(c);
      const xpos = packPos(c.x);
      inner = (fr, acc) => {
        const x = xe(fr);
        const th = fr.thread;
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
        if (x instanceof List && x.unmade !== null) {
          forUnmade(fr, x, x.unmade, set, pos, next, acc);
          return;
        }
        const owner = x instanceof List ? x : x instanceof Dict || x instanceof SetValue ? x.ht : null;
        const elems =
          x instanceof List
            ? x.store // unmade === null: forUnmade took the others
            : isTuple(x)
              ? tupleElems(x)
              : (toArrayOrUndefined(x) ?? fail(`${typeOf(x)} value is not iterable`));
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
  if (e.curly)
    return (fr) => {
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

/** forUnmade is a `for` clause over l, a list whose elements are not made yet (see forUnmade in statements.ts). */
function forUnmade(
  fr: Frame,
  l: List,
  src: Unmade,
  set: Assign,
  pos: number,
  next: (fr: Frame, acc: List | Dict) => void,
  acc: List | Dict,
): void {
  const th = fr.thread;
  l.itercount++;
  try {
    for (let i = 0; i < src.n; i++) {
      if (++th.steps >= th.limit) {
        fr.pos = pos;
        th.overLimit();
      }
      set(fr, src.at(i));
      next(fr, acc);
    }
  } finally {
    l.itercount--;
  }
}
