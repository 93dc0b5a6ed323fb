/**
 * What the parts of the compiler share. The compiler turns a resolved AST into a tree of JS
 * closures: expressions become `Ex` (frame → value), statements `St` (frame → completion code,
 * frame.ts), assignment targets `Assign`. Each node family has its own file (statements,
 * expressions, binary operators, calls, comprehensions, functions); they reach each other
 * through a CompileContext (compiler.ts implements it), so that a function body can hold
 * statements that hold functions without the files importing each other in a circle.
 */
import type * as A from '../../syntax/ast.js';
import type { Frame } from '../frame.js';
import type { ModuleCtx } from '../function.js';
import { List, isTuple, tupleElems, type Value } from '../value.js';
import { toArray } from '../sequence.js';

export type Ex = (fr: Frame) => Value;
export type St = (fr: Frame) => number;
export type Assign = (fr: Frame, v: Value) => void;

/** Ints beyond ±MAX_SAFE leave the number fast paths for the exact (bigint) ones. */
export const MAX = Number.MAX_SAFE_INTEGER;

export interface CompileOptions {
  file: string;
  /** the value of a predeclared or universal name (undefined: "undefined: name" when executed) */
  predeclared: (name: string) => Value | undefined;
  module: ModuleCtx;
}

export interface CompileContext {
  readonly file: string;
  readonly options: CompileOptions;
  /** the node being compiled, for the position of a compile-time stack overflow */
  at: { line: number; col: number } | undefined;
  expr(e: A.Expr): Ex;
  block(stmts: readonly A.Stmt[]): St;
  assignTarget(lhs: A.Expr): Assign;
}

/** toArrayOrUndefined returns the elements of an iterable value, or undefined for a non-iterable one. */
export function toArrayOrUndefined(x: Value): Value[] | undefined {
  if (x instanceof List) return x.elems;
  if (isTuple(x)) return tupleElems(x);
  if (typeof x !== 'object') return undefined;
  try {
    return toArray(x);
  } catch {
    return undefined;
  }
}
