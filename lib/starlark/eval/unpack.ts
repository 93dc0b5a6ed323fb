import { nearest } from '../resolve/resolver.js';
import { typeOf } from './hashtable.js';
import { fail, type Value } from './value.js';

/** didYouMean is the hint for a misspelt name: " (did you mean x?)", or "" when none is near. */
export function didYouMean(name: string, candidates: string[]): string {
  const near = nearest(name, candidates);
  return near ? ` (did you mean ${near}?)` : '';
}

/**
 * unpackArgs binds a builtin's arguments to named parameters ("b?" marks an optional one).
 * Absent optionals are undefined. Errors start with the builtin's name, like starlark-go.
 */
export function unpackArgs(
  fnName: string,
  args: Value[],
  kwargs: Array<[string, Value]>,
  ...params: string[]
): (Value | undefined)[] {
  const n = params.length;
  const out: (Value | undefined)[] = new Array(n).fill(undefined);
  const names = params.map((p) => (p.endsWith('?') ? p.slice(0, -1) : p));
  if (args.length > n) fail(`${fnName}: got ${args.length} arguments, want at most ${n}`);
  for (let i = 0; i < args.length; i++) out[i] = args[i];
  for (const [k, v] of kwargs) {
    const i = names.indexOf(k);
    if (i < 0) fail(`${fnName}: unexpected keyword argument "${k}"${didYouMean(k, names)}`);
    if (out[i] !== undefined) fail(`${fnName}: got multiple values for keyword argument ${k}`);
    out[i] = v;
  }
  for (let i = 0; i < n; i++) {
    if (out[i] === undefined && !params[i]!.endsWith('?'))
      fail(`${fnName}: missing argument for ${names[i]}`);
  }
  return out;
}

/** unpackPositional checks a positional-only call with between min and max arguments. */
export function unpackPositional(
  fnName: string,
  args: Value[],
  kwargs: Array<[string, Value]>,
  min: number,
  max: number,
): void {
  if (kwargs.length > 0) fail(`${fnName}: unexpected keyword arguments`);
  if (args.length < min)
    fail(`${fnName}: got ${args.length} arguments, want ${min < max ? 'at least ' : ''}${min}`);
  if (args.length > max)
    fail(`${fnName}: got ${args.length} arguments, want ${min < max ? 'at most ' : ''}${max}`);
}

/** unpackPositionalArgs checks a positional-only call and returns max slots (undefined when absent). */
export function unpackPositionalArgs(
  fnName: string,
  args: Value[],
  kwargs: Array<[string, Value]>,
  min: number,
  max: number,
): (Value | undefined)[] {
  unpackPositional(fnName, args, kwargs, min, max);
  const out: (Value | undefined)[] = new Array(max).fill(undefined);
  for (let i = 0; i < args.length; i++) out[i] = args[i];
  return out;
}

export function wantString(fnName: string, param: string | number, v: Value): string {
  if (typeof v !== 'string') fail(`${fnName}: for parameter ${param}: got ${typeOf(v)}, want string`);
  return v;
}

export function wantInt(fnName: string, param: string | number, v: Value): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') fail(`${fnName}: for parameter ${param}: ${v} out of range`);
  return fail(`${fnName}: for parameter ${param}: got ${typeOf(v)}, want int`);
}
