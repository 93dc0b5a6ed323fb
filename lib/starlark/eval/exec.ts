/** execFile: parse, resolve, compile and run one Starlark file. */
import { resolveFile } from '../resolve/resolver.js';
import type { File } from '../syntax/ast.js';
import { parseFile } from '../syntax/parser.js';
import { ScanOrSyntaxError, StarlarkError, isStackOverflow } from '../syntax/position.js';
import { universe } from './builtins.js';
import { callValue, toStarErr } from './call.js';
import { Compiler, type ModuleRunner } from './compile/compiler.js';
import { toEvalError } from './errors.js';
import type { ModuleCtx } from './function.js';
import { freeze } from './freeze.js';
import type { Thread } from './thread.js';
import { StarErr, decodeUTF8, encodeUTF8, type Value } from './value.js';

export interface FileOptions {
  /** allow recursive function calls; default false */
  allowRecursion?: boolean;
  /** allow while loops; default false */
  allowWhile?: boolean;
  /** allow the set builtin; default true */
  allowSet?: boolean;
  /** allow rebinding top-level names; default false */
  allowGlobalReassign?: boolean;
  /** allow if/for/while at top level; default: the value of allowGlobalReassign (starlark-go) */
  allowToplevelControl?: boolean;
  /** load binds global (not file-local) names; default false */
  loadBindsGlobally?: boolean;
}

function predeclaredMap(p: Map<string, Value> | Record<string, Value>): Map<string, Value> {
  const m = new Map<string, Value>();
  const entries = p instanceof Map ? p.entries() : Object.entries(p);
  for (const [k, v] of entries) m.set(encodeUTF8(k), v);
  return m;
}

/**
 * outOfStack runs an entry point; if the JS stack runs out before any phase could attribute
 * the failure to a node (a host calling in with almost no stack left), the error is a syntax
 * error at the start of the file rather than a JS exception.
 */
function outOfStack<T>(filename: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof StarlarkError) && isStackOverflow(e)) {
      throw new ScanOrSyntaxError({ file: filename, line: 1, col: 1 }, 'JS stack exhausted');
    }
    throw e;
  }
}

/**
 * parse parses a file; nesting beyond the parser's limit, or JS stack exhaustion, is a syntax
 * error. It throws only ScanOrSyntaxError. Exported as parseFile.
 */
export function parse(filename: string, source: string): File {
  return outOfStack(filename, () => parseFile(filename, source));
}

function resolve(file: File, isPredeclared: (name: string) => boolean, options: FileOptions): void {
  resolveFile(file, {
    isPredeclared,
    isUniversal: (n) => universe.has(decodeUTF8(n)),
    allowSet: options.allowSet ?? true,
    allowGlobalReassign: options.allowGlobalReassign ?? false,
    allowWhile: options.allowWhile ?? false,
    allowToplevelControl: options.allowToplevelControl ?? options.allowGlobalReassign ?? false,
    loadBindsGlobally: options.loadBindsGlobally ?? false,
  });
}

/**
 * checkFile parses and resolves a file without running it, as execFile would with predeclared
 * values of these names and these options. It returns the resolved AST and throws
 * ScanOrSyntaxError or ResolveErrors.
 */
export function checkFile(
  filename: string,
  source: string,
  predeclaredNames: Iterable<string>,
  options: FileOptions = {},
): File {
  const pre = new Set<string>();
  for (const n of predeclaredNames) pre.add(encodeUTF8(n));
  return outOfStack(filename, () => {
    const file = parseFile(filename, source);
    resolve(file, (n) => pre.has(n), options);
    return file;
  });
}

/**
 * execFile runs a file and returns its globals (frozen). It throws ScanOrSyntaxError,
 * ResolveErrors or EvalError; no other exception escapes.
 */
export function execFile(
  thread: Thread,
  filename: string,
  source: string,
  predeclared: Map<string, Value> | Record<string, Value>,
  options: FileOptions = {},
): Map<string, Value> {
  return outOfStack(filename, () => run(thread, filename, source, predeclaredMap(predeclared), options));
}

function run(
  thread: Thread,
  filename: string,
  source: string,
  pre: Map<string, Value>,
  options: FileOptions,
): Map<string, Value> {
  const file = parseFile(filename, source);
  resolve(file, (n) => pre.has(n), options);
  const mod = file.module!;
  const ctx: ModuleCtx = {
    file: filename,
    globals: new Array(mod.globals.length).fill(undefined),
    globalNames: mod.globals.map((b) => b.name),
    allowRecursion: options.allowRecursion ?? false,
  };
  const compiler = new Compiler({
    file: filename,
    module: ctx,
    predeclared: (n) => pre.get(n) ?? universe.get(n),
  });
  let runner: ModuleRunner;
  try {
    runner = compiler.compileModule(file);
  } catch (e) {
    if (e instanceof StarErr) throw toEvalError(e);
    throw e;
  }
  thread.running++;
  try {
    runner(thread);
  } catch (e) {
    const err = toStarErr(e);
    // The stack ran out even for recording the top-level frame (a host deep in its own
    // stack): the error still gets the module's position.
    if (err.frames.length === 0) err.frames.push({ name: '<toplevel>', pos: runner.pos(), file: filename });
    throw toEvalError(err);
  } finally {
    thread.running--;
  }
  const out = new Map<string, Value>();
  mod.globals.forEach((b, i) => {
    const v = ctx.globals[i];
    if (v !== undefined) {
      freeze(v);
      out.set(decodeUTF8(b.name), v);
    }
  });
  return out;
}

/** call calls a Starlark callable from the host; errors surface as EvalError. */
export function call(thread: Thread, fn: Value, args: Value[], kwargs: Array<[string, Value]> = []): Value {
  try {
    return callValue(thread, fn, args, kwargs.length ? kwargs.map(([k, v]) => [encodeUTF8(k), v]) : null);
  } catch (e) {
    if (e instanceof StarErr || !(e instanceof StarlarkError)) {
      const inner = toStarErr(e);
      const pub = toEvalError(inner);
      // If the host rethrows it into a running script, unwinding continues with the same error.
      Object.defineProperty(pub, '__starErr', { value: inner, enumerable: false });
      throw pub;
    }
    throw e;
  }
}
