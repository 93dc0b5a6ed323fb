/** lib/starlark — a Starlark interpreter. See API.md for the embedding contract. */
import { universe as universeMap } from './eval/builtins.js';
import { decodeUTF8, List, type Unmade, type Value } from './eval/value.js';
import { equal as equalValues } from './eval/compare.js';
import { freeze as freezeValue } from './eval/freeze.js';
import { truth as truthOf } from './eval/ops.js';
import { repr as reprOf, toStr } from './eval/repr.js';
import { Func } from './eval/function.js';

export type { Value } from './eval/value.js';
export { None, Float, HostValue, Builtin } from './eval/value.js';
export const True: Value = true;
export const False: Value = false;

export { typeOf as typeName } from './eval/hashtable.js';

/** str returns str(v) as a JS string. */
export function str(v: Value): string {
  return decodeUTF8(toStr(v));
}
/** repr returns repr(v) as a JS string. */
export function repr(v: Value): string {
  return decodeUTF8(reprOf(v));
}
export function truth(v: Value): boolean {
  return truthOf(v);
}
export function equal(a: Value, b: Value): boolean {
  return equalValues(a, b);
}
export function freeze(v: Value): void {
  freezeValue(v);
}
export type { Unmade } from './eval/value.js';
export { steppedSlice } from './eval/value.js';
/** makeUnmadeList is a list of src's elements, made when something first reads it whole (see Unmade). */
export function makeUnmadeList(src: Unmade): Value {
  return List.ofUnmade(src);
}

export {
  toStarlark,
  toJS,
  type ToJSOptions,
  makeString,
  makeFloat,
  makeList,
  makeTuple,
  makeDict,
  makeModule,
  makeStruct,
} from './eval/convert.js';
export { unpackArgs } from './eval/unpack.js';
export {
  unpack,
  unpackPositionalArgs,
  anyValue,
  string,
  int,
  bigInt,
  orNone,
  type Kind,
  type ParamSpec,
  type Unpacked,
} from './eval/params.js';
export { intFloorDiv } from './eval/int.js';
export { Thread, type ThreadOptions } from './eval/thread.js';
export { execFile, checkFile, parse as parseFile, call, type FileOptions } from './eval/exec.js';
/** The syntax tree returned by parseFile/checkFile (names and string literal values are internal byte strings: read them with str()). */
export type * as ast from './syntax/ast.js';
export const universe: ReadonlyMap<string, Value> = universeMap;
export { encodeJSON, json } from './lib/json/json.js';
export { structBuiltin } from './eval/builtins.js';
export { StarlarkError, ScanOrSyntaxError, ResolveErrors, type Position } from './syntax/position.js';
export { EvalError, type CallFrame } from './eval/errors.js';
export { NoSuchAttrError } from './eval/attrs.js';
export { runScriptFile, type ScriptIO } from './run-script.js';
export { fileLoader, type FileLoaderOptions } from './file-loader.js';
export { threeway } from './eval/compare.js';
export { iterableElems as elements } from './eval/sequence.js';
export { MAX_NESTING } from './syntax/parser.js';
export { DEFAULT_MAX_STEPS, MAX_LIST_ELEMS, MAX_STRING_BYTES } from './eval/limits.js';

/** definedAt is where a Starlark function was defined (file:line:col), or undefined for any other value. */
export function definedAt(v: Value): string | undefined {
  return v instanceof Func ? `${v.code.file}:${v.code.line}:${v.code.col}` : undefined;
}
