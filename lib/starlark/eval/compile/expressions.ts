/**
 * Compiling expressions: names (by the slot the resolver gave them), literals, list, tuple
 * and dict displays, unary operators, conditionals, indexing, slicing and attributes; binary
 * operators, calls, comprehensions and lambdas have their own files. Indexing keeps fast paths
 * for a list with an int and a dict with an int or string key.
 */
import type * as A from '../../syntax/ast.js';
import { getAttr } from '../attrs.js';
import { Dict } from '../hashtable.js';
import { getIndex, slice } from '../indexing.js';
import { truth, unary } from '../ops.js';
import { repr } from '../repr.js';
import { packPos } from '../pos.js';
import { Bytes, Float, List, fail, tuple, type Cell, type Value } from '../value.js';
import { binaryExpr } from './binary.js';
import { callExpr } from './calls.js';
import { comprehension } from './comprehensions.js';
import type { CompileContext, Ex } from './context.js';
import { functionExpr } from './functions.js';

/** ident compiles a name read from the slot the resolver bound it to. */
export function ident(ctx: CompileContext, id: A.Ident): Ex {
  const b = id.binding!;
  const i = b.index;
  const name = b.name;
  const pos = packPos(id);
  switch (b.scope) {
    case 'local':
      return (fr) => {
        const v = fr.locals[i];
        if (v === undefined) {
          fr.pos = pos;
          fail(`local variable ${name} referenced before assignment`);
        }
        return v as Value;
      };
    case 'cell':
      return (fr) => {
        const v = (fr.locals[i] as Cell).v;
        if (v === undefined) {
          fr.pos = pos;
          fail(`local variable ${name} referenced before assignment`);
        }
        return v;
      };
    case 'free':
      return (fr) => {
        const v = fr.free[i]!.v;
        if (v === undefined) {
          fr.pos = pos;
          fail(`local variable ${name} referenced before assignment`);
        }
        return v;
      };
    case 'global':
      return (fr) => {
        const v = fr.globals[i];
        if (v === undefined) {
          fr.pos = pos;
          fail(`global variable ${name} referenced before assignment`);
        }
        return v;
      };
    case 'predeclared':
    case 'universal': {
      const v = ctx.options.predeclared(name);
      if (v === undefined)
        return (fr) => {
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

function exprs(ctx: CompileContext, xs: readonly A.Expr[]): Ex[] {
  const out: Ex[] = [];
  for (let i = 0; i < xs.length; i++) out.push(ctx.expr(xs[i]!));
  return out;
}

/** expression compiles any expression (the CompileContext's expr). */
export function expression(ctx: CompileContext, e: A.Expr): Ex {
  ctx.at = e;
  switch (e.kind) {
    case 'Ident':
      return ident(ctx, e);
    case 'Literal': {
      let v: Value;
      if (e.tok === 'FLOAT') v = new Float(e.value as number);
      else if (e.tok === 'BYTES') v = new Bytes(e.value as string);
      else v = e.value as Value;
      return () => v;
    }
    case 'Paren':
      return ctx.expr(e.x);
    case 'List': {
      const xs = exprs(ctx, e.elems);
      const n = xs.length;
      return (fr) => {
        const out: Value[] = new Array(n);
        for (let i = 0; i < n; i++) out[i] = xs[i]!(fr);
        return new List(out);
      };
    }
    case 'Tuple': {
      const xs = exprs(ctx, e.elems);
      const n = xs.length;
      if (n === 2) {
        const [a, b] = xs as [Ex, Ex];
        // Array literals: allocation sites V8 can pretenure when their tuples live on.
        return (fr) => tuple([a(fr), b(fr)]);
      }
      if (n === 3) {
        const [a, b, c] = xs as [Ex, Ex, Ex];
        return (fr) => tuple([a(fr), b(fr), c(fr)]);
      }
      return (fr) => {
        const out: Value[] = new Array(n);
        for (let i = 0; i < n; i++) out[i] = xs[i]!(fr);
        return tuple(out);
      };
    }
    case 'Dict': {
      const ks: Ex[] = [];
      const vs: Ex[] = [];
      for (let i = 0; i < e.entries.length; i++) {
        ks.push(ctx.expr(e.entries[i]!.key));
        vs.push(ctx.expr(e.entries[i]!.value));
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
      const x = ctx.expr(e.x);
      const op = e.op;
      const pos = packPos(e);
      if (op === 'not')
        return (fr) => {
          const v = x(fr);
          return v === false ? true : v === true ? false : !truth(v);
        };
      if (op === '-')
        return (fr) => {
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
      return binaryExpr(ctx, e);
    case 'Cond': {
      const c = ctx.expr(e.cond);
      const t = ctx.expr(e.t);
      const f = ctx.expr(e.f);
      return (fr) => {
        const v = c(fr);
        return v === true || (v !== false && truth(v)) ? t(fr) : f(fr);
      };
    }
    case 'Index': {
      const xe = ctx.expr(e.x);
      const ie = ctx.expr(e.y);
      const pos = packPos(e);
      return (fr) => {
        const x = xe(fr);
        const k = ie(fr);
        if (typeof k === 'number') {
          if (x instanceof List && x.unmade === null) {
            const s = x.store;
            if (k >= 0 && k < s.length) return s[k]!;
          }
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
      const xe = ctx.expr(e.x);
      const lo = e.lo ? ctx.expr(e.lo) : null;
      const hi = e.hi ? ctx.expr(e.hi) : null;
      const st = e.step ? ctx.expr(e.step) : null;
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
      const xe = ctx.expr(e.x);
      const name = e.name;
      const pos = packPos(e);
      return (fr) => {
        const x = xe(fr);
        fr.pos = pos;
        return getAttr(x, name);
      };
    }
    case 'Call':
      return callExpr(ctx, e);
    case 'Comprehension':
      return comprehension(ctx, e);
    case 'Lambda':
      return functionExpr(ctx, e.fn!);
  }
}
