import type { Thread } from './thread.js';
import { SObject, type Cell, type Value } from './value.js';

/** FuncCode is a compiled def/lambda body; `invoke` binds arguments and runs it. */
export interface FuncCode {
  readonly name: string;
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly paramNames: readonly string[];
  readonly numParams: number;
  readonly numKwonly: number;
  readonly hasVarargs: boolean;
  readonly hasKwargs: boolean;
  invoke(thread: Thread, fn: Func, args: Value[], kwargs: Array<[string, Value]> | null): Value;
}

/** ModuleCtx is the per-module state shared by all its functions. */
export interface ModuleCtx {
  readonly file: string;
  readonly globals: Array<Value | undefined>;
  readonly globalNames: readonly string[];
  readonly allowRecursion: boolean;
}

/** Func is a Starlark function value (def or lambda). */
export class Func extends SObject {
  readonly code: FuncCode;
  readonly defaults: Value[];
  readonly freevars: Cell[];
  readonly module: ModuleCtx;
  constructor(code: FuncCode, defaults: Value[], freevars: Cell[], module: ModuleCtx) {
    super();
    this.code = code;
    this.defaults = defaults;
    this.freevars = freevars;
    this.module = module;
  }
  type(): string {
    return 'function';
  }
  get name(): string {
    return this.code.name;
  }
}

/** Mandatory is the type of MANDATORY, the default that marks a keyword-only parameter without one. */
export class Mandatory extends SObject {
  type(): string {
    return 'mandatory';
  }
}
export const MANDATORY = new Mandatory();
