/**
 * The call runtime: calling any callable value (compiled function, builtin, host value),
 * binding arguments to parameters with starlark-go's rules and messages, and attributing an
 * error to the calls it unwinds through (the frames of EvalError's backtrace). The compiler's
 * call sites (compile/calls.ts) take fast paths around this for the common shapes and fall
 * back to it for everything else.
 */
import { isStackOverflow } from '../syntax/position.js';
import type { Frame, Locals } from './frame.js';
import { Func, MANDATORY, type FuncCode } from './function.js';
import { Dict, typeOf } from './hashtable.js';
import { quote } from './repr.js';
import type { Thread } from './thread.js';
import { didYouMean } from './unpack.js';
import { Builtin, HostValue, StarErr, errorMessage, fail, tuple, type Value } from './value.js';

/** The FuncCode of a compiled def/lambda, with what the call fast paths need. */
export type CompiledCode = FuncCode & {
  /** no *args, **kwargs or keyword-only parameters */
  simple: boolean;
  /** no *args or **kwargs (keyword-only parameters allowed) */
  noStar: boolean;
  nlocals: number;
  /** runs the body with the parameters already bound in `locals` */
  run: (thread: Thread, fn: Func, locals: Locals) => Value;
  /** activations in progress, for the recursion check */
  active: number;
};

/** Maximum depth of nested Starlark calls before a clean error (JS stack safety). */
export const MAX_DEPTH = 1200;

const EMPTY_KW: Array<[string, Value]> = [];

/** toStarErr converts anything thrown inside the interpreter into a StarErr. */
export function toStarErr(e: unknown): StarErr {
  if (e instanceof StarErr) return e;
  const inner = (e as { __starErr?: StarErr } | null)?.__starErr;
  if (inner instanceof StarErr) return inner;
  if (isStackOverflow(e)) return new StarErr('Starlark stack overflow');
  // A host's Error carries a JS (UTF-16) message; internal messages are byte strings.
  return new StarErr(errorMessage(e), e);
}

/** addFrame records a call frame on an error unwinding through it. */
export function addFrame(e: unknown, name: string, fr: Frame, file: string): StarErr {
  const err = toStarErr(e);
  err.frames.push({ name, pos: fr.pos, file });
  return err;
}

/** callBuiltin invokes a builtin, attributing errors to it for backtraces. */
export function callBuiltin(
  thread: Thread,
  b: Builtin,
  args: Value[],
  kwargs: Array<[string, Value]>,
): Value {
  try {
    return b.impl(thread, b, args, kwargs);
  } catch (e) {
    throw builtinErr(e, b.name);
  }
}

/** builtinErr names the builtin an error came from (or adds its frame when it came from deeper). */
export function builtinErr(e: unknown, name: string): StarErr {
  const err = toStarErr(e);
  if (err.frames.length === 0) err.builtinName ??= name;
  else err.frames.push({ name, pos: -1, file: '<builtin>' });
  return err;
}

/** callValue calls any callable value. */
export function callValue(
  thread: Thread,
  f: Value,
  args: Value[],
  kwargs: Array<[string, Value]> | null,
): Value {
  if (f instanceof Func) return f.code.invoke(thread, f, args, kwargs);
  if (f instanceof Builtin) return callBuiltin(thread, f, args, kwargs ?? EMPTY_KW);
  if (f instanceof HostValue && f.call) {
    try {
      return f.call(thread, args, kwargs ?? EMPTY_KW);
    } catch (e) {
      throw builtinErr(e, f.type());
    }
  }
  return fail(`invalid call of non-function (${typeOf(f)})`);
}

/** bindArgs binds positional and keyword arguments to parameters (starlark-go semantics). */
export function bindArgs(
  code: FuncCode,
  fn: Func,
  l: Locals,
  args: Value[],
  kwargs: Array<[string, Value]>,
): void {
  const name = code.name;
  const nparams = code.numParams;
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
      fail(
        `function ${name} accepts ${atMost}${nonkwonly} positional argument${nonkwonly === 1 ? '' : 's'} (${args.length} given)`,
      );
    }
    n = nonkwonly;
  }
  for (let i = 0; i < n; i++) l[i] = args[i];
  if (code.hasVarargs) l[nparams] = tuple(args.slice(n));
  const names = code.paramNames;
  for (const [k, v] of kwargs) {
    let i = -1;
    for (let j = 0; j < nparams; j++)
      if (names[j] === k) {
        i = j;
        break;
      }
    if (i >= 0) {
      if (l[i] !== undefined) fail(`function ${name} got multiple values for parameter ${quote(k)}`);
      l[i] = v;
      continue;
    }
    if (kwdict === null) {
      const hint = didYouMean(k, names.slice(0, nparams));
      fail(`function ${name} got an unexpected keyword argument ${quote(k)}${hint}`);
    }
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
      fail(
        `function ${name} missing ${missing.length} argument${missing.length > 1 ? 's' : ''} (${missing.join(', ')})`,
      );
    }
  }
}
