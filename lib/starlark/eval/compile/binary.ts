/**
 * Compiling binary operators. `and`/`or` short-circuit; every other operator gets a closure
 * specialised for its operator, with the common operand shapes (two small ints, two strings,
 * a small-int constant on the right) handled inline before falling back to the general
 * `binary` (ops.ts) and `compare`/`equal` (compare.ts). The closures repeat one another on
 * purpose: one shape per closure keeps each call site monomorphic, which is most of the
 * interpreter's speed on arithmetic and comparison loops; do not fold them into a shared helper.
 *
 * binaryOp is the language's binary operator for the other callers (augmented assignment):
 * ops.ts's `binary` plus string formatting (`"%d" % x`), which lives in format.ts above ops.
 */
import type * as A from '../../syntax/ast.js';
import { interpolate } from '../format.js';
import { intAdd, intMul, intSub } from '../int.js';
import { compare, equal } from '../compare.js';
import { binary, contains, truth } from '../ops.js';
import { packPos } from '../pos.js';
import type { Value } from '../value.js';
import { MAX, type CompileContext, type Ex } from './context.js';

/** binaryOp applies a binary operator (not and/or) to two values. */
export function binaryOp(op: string, x: Value, y: Value): Value {
  if (op === '%' && typeof x === 'string') return interpolate(x, y);
  return binary(op, x, y);
}

/** binaryExpr compiles `x op y`. */
export function binaryExpr(ctx: CompileContext, e: A.BinaryExpr): Ex {
  const op = e.op;
  const x = ctx.expr(e.x);
  const pos = packPos(e);
  if (op === 'and') {
    const y = ctx.expr(e.y);
    return (fr) => {
      const v = x(fr);
      return v === false || (v !== true && !truth(v)) ? v : y(fr);
    };
  }
  if (op === 'or') {
    const y = ctx.expr(e.y);
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
          return binaryOp(op, a, k);
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
          return binaryOp(op, a, k);
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
  const y = ctx.expr(e.y);
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
        return binaryOp(op, a, b);
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
        return binaryOp(op, a, b);
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
        return binaryOp(op, a, b);
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
        if (typeof a === 'number' && typeof b === 'number')
          return lt ? a < b : le ? a <= b : gt ? a > b : a >= b;
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
    return binaryOp(op, a, b);
  };
}
