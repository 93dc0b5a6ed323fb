/**
 * Typed argument unpacking for host modules (lib/starlark/lib/*, an embedding application):
 * starlark-go's `UnpackArgs(fn, args, kwargs, "x", &x, "base?", &base)` with the pointers
 * replaced by parameter kinds, so each value arrives converted to the JS type the module wants
 * and every error starts with the builtin's name, as the interpreter's own builtins do:
 *
 *   const [x, format] = unpack('parse_time', args, kwargs, ['x', string], ['format?', string]);
 *   // x: string, format: string | undefined
 *
 * A name ending in "?" is optional (absent → undefined); positional arguments bind in order,
 * keyword arguments by name. Strings are handed over as JS (UTF-16) strings.
 */
import { typeOf } from './hashtable.js';
import { didYouMean, unpackPositional } from './unpack.js';
import { decodeUTF8, fail, type Value } from './value.js';

/** Kind converts one argument; `fail` is called with the message tail when it does not fit. */
export interface Kind<T> {
  convert(v: Value, fail: (why: string) => never): T;
}

/** ParamSpec is one parameter: its name ("b?" when optional) and kind. */
export type ParamSpec = readonly [name: string, kind: Kind<unknown>];

/** The JS value a ParamSpec yields: optional parameters may be undefined. */
export type Unpacked<S extends ParamSpec> = S extends readonly [infer N, Kind<infer T>]
  ? N extends `${string}?`
    ? T | undefined
    : T
  : never;

/** Any Starlark value, unconverted. */
export const anyValue: Kind<Value> = { convert: (v) => v };

/** A string, as a JS string. */
export const string: Kind<string> = {
  convert: (v, no) => (typeof v === 'string' ? decodeUTF8(v) : no(`got ${typeOf(v)}, want string`)),
};

/** An int that fits a JS number exactly (a bigint is "out of range"). */
export const int: Kind<number> = {
  convert: (v, no) => {
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return no(`${v} out of range`);
    return no(`got ${typeOf(v)}, want int`);
  },
};

/** Any int, as a bigint. */
export const bigInt: Kind<bigint> = {
  convert: (v, no) => {
    if (typeof v === 'number') return BigInt(v);
    if (typeof v === 'bigint') return v;
    return no(`got ${typeOf(v)}, want int`);
  },
};

/** orNone makes a kind accept None as "not given" (undefined). */
export function orNone<T>(k: Kind<T>): Kind<T | undefined> {
  return {
    convert: (v, no) => (typeof v === 'object' && typeOf(v) === 'NoneType' ? undefined : k.convert(v, no)),
  };
}

/**
 * unpack binds a builtin's arguments to typed parameters, or fails with
 * "fn: for parameter name: …" (and unpackArgs's messages for missing or unexpected ones).
 * Every host builtin goes through it on every call (a seed loop's http.post 100,000 times): it
 * binds in one pass, without arrays of names or a closure per argument.
 */
export function unpack<const S extends readonly ParamSpec[]>(
  fnName: string,
  args: Value[],
  kwargs: Array<[string, Value]>,
  ...params: S
): { -readonly [I in keyof S]: Unpacked<S[I]> } {
  const n = params.length;
  if (args.length > n) fail(`${fnName}: got ${args.length} arguments, want at most ${n}`);
  const out: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = i < args.length ? args[i] : undefined;
  if (kwargs.length > 0) bindKeywords(fnName, out, kwargs, params);
  for (let i = 0; i < n; i++) {
    const name = params[i]![0];
    if (out[i] === undefined && !name.endsWith('?')) fail(`${fnName}: missing argument for ${name}`);
  }
  for (let i = 0; i < n; i++) {
    const v = out[i] as Value | undefined;
    if (v === undefined) continue;
    const [name, kind] = params[i]!;
    const outerFn = failingFn;
    const outerParam = failingParam;
    failingFn = fnName;
    failingParam = name;
    try {
      out[i] = kind.convert(v, noFit);
    } finally {
      failingFn = outerFn;
      failingParam = outerParam;
    }
  }
  return out as { -readonly [I in keyof S]: Unpacked<S[I]> };
}

/** The builtin and parameter ("b?" if optional) whose argument is being converted: what noFit names. */
let failingFn = '';
let failingParam = '';

/** noFit fails the conversion under way (unpack sets failingFn and failingParam around each). */
function noFit(why: string): never {
  const param = failingParam.endsWith('?') ? failingParam.slice(0, -1) : failingParam;
  return fail(`${failingFn}: for parameter ${param}: ${why}`);
}

/** bindKeywords puts keyword arguments in their parameters' places, as unpackArgs does. */
function bindKeywords(
  fnName: string,
  out: unknown[],
  kwargs: Array<[string, Value]>,
  params: readonly ParamSpec[],
): void {
  for (const [k, v] of kwargs) {
    // Found without a list of the names (made per call, it cost every http.post(url, json=…)).
    const i = paramIndex(params, k);
    if (i < 0) {
      const names = params.map((p) => (p[0].endsWith('?') ? p[0].slice(0, -1) : p[0]));
      fail(`${fnName}: unexpected keyword argument "${k}"${didYouMean(k, names)}`);
    }
    if (out[i] !== undefined) fail(`${fnName}: got multiple values for keyword argument ${k}`);
    out[i] = v;
  }
}

/** paramIndex is the index of the parameter named `name` ("name" or optional "name?"), or -1. */
function paramIndex(params: readonly ParamSpec[], name: string): number {
  // "x?" is how a spec marks x optional, never a name (a **kwargs key may be any string).
  if (name.endsWith('?')) return -1;
  const n = name.length;
  for (let i = 0; i < params.length; i++) {
    const p = params[i]![0];
    if (p === name || (p.length === n + 1 && p.charCodeAt(n) === 63 && p.startsWith(name))) return i;
  }
  return -1;
}

/**
 * unpackPositionalArgs binds positional-only arguments (keywords are refused): the required
 * parameters first, then the optional ones ("b?"); errors name the parameter as unpack's do.
 */
export function unpackPositionalArgs<const S extends readonly ParamSpec[]>(
  fnName: string,
  args: Value[],
  kwargs: Array<[string, Value]>,
  ...params: S
): { -readonly [I in keyof S]: Unpacked<S[I]> } {
  const required = params.filter((p) => !p[0].endsWith('?')).length;
  unpackPositional(fnName, args, kwargs, required, params.length);
  const out = params.map(([name, kind], i) => {
    const v = args[i];
    const param = name.endsWith('?') ? name.slice(0, -1) : name;
    return v === undefined
      ? undefined
      : kind.convert(v, (why) => fail(`${fnName}: for parameter ${param}: ${why}`));
  });
  return out as { -readonly [I in keyof S]: Unpacked<S[I]> };
}
