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
import { unpackArgs, unpackPositional } from './unpack.js';
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
 */
export function unpack<const S extends readonly ParamSpec[]>(
  fnName: string,
  args: Value[],
  kwargs: Array<[string, Value]>,
  ...params: S
): { -readonly [I in keyof S]: Unpacked<S[I]> } {
  const raw = unpackArgs(fnName, args, kwargs, ...params.map((p) => p[0]));
  const out = raw.map((v, i) => {
    if (v === undefined) return undefined;
    const [name, kind] = params[i]!;
    const param = name.endsWith('?') ? name.slice(0, -1) : name;
    return kind.convert(v, (why) => fail(`${fnName}: for parameter ${param}: ${why}`));
  });
  return out as { -readonly [I in keyof S]: Unpacked<S[I]> };
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
