/**
 * The `math` module for Starlark programs (after starlark-go's lib/math): rounding (ceil,
 * floor, round), the float arithmetic of IEEE 754 and Go's math package (fabs, copysign, mod,
 * remainder, pow, exp, sqrt, log with an optional base), trigonometric and hyperbolic
 * functions, degrees/radians, gamma, and the constants e and pi.
 *
 * Every function takes ints or floats (an int as its nearest float) and returns a float,
 * except ceil and floor, which return an int and give back an int argument unchanged. Where
 * JavaScript's Math and Go's math disagree on special values (pow of 1 or -1 to a NaN or an
 * infinity, round of halves below zero, a remainder rounded to even), this module answers as
 * Go does, so scripts behave as under starlark-go. It uses the interpreter's own modules, not
 * index.ts (which `ebb star`'s runner, predeclaring math, is exported from); errors are thrown
 * Errors, which the interpreter reports at the call.
 */
import { makeFloat, makeModule } from '../../eval/convert.js';
import { typeOf as typeName } from '../../eval/hashtable.js';
import { anyValue, unpackPositionalArgs, type Kind } from '../../eval/params.js';
import { Builtin, Float, type Value } from '../../eval/value.js';

/** floatOrInt takes an int (as its nearest float) or a float. */
const floatOrInt: Kind<number> = {
  convert(v, fail) {
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number(v);
    if (v instanceof Float) return v.v;
    return fail(`got ${typeName(v)}, want float or int`);
  },
};

// Parameters are named by position ("for parameter 1: ..."), as starlark-go's are.
const X = ['1', floatOrInt] as const;
const Y = ['2', floatOrInt] as const;

function unary(name: string, f: (x: number) => number): [string, Value] {
  const b = new Builtin(name, (_th, _fn, args, kw) => {
    const [x] = unpackPositionalArgs(name, args, kw, X);
    return makeFloat(f(x));
  });
  return [name, b];
}

function binary(name: string, f: (x: number, y: number) => number): [string, Value] {
  const b = new Builtin(name, (_th, _fn, args, kw) => {
    const [x, y] = unpackPositionalArgs(name, args, kw, X, Y);
    return makeFloat(f(x, y));
  });
  return [name, b];
}

/** toInt is a whole float as an interpreter int (a number when safe, else a bigint). */
function toInt(f: number): Value {
  if (Number.isNaN(f)) throw new Error('cannot convert float NaN to integer');
  if (!Number.isFinite(f)) throw new Error('cannot convert float infinity to integer');
  return Number.isSafeInteger(f) ? f + 0 : BigInt(f);
}

/** rounding is ceil or floor: an int comes back as it is, a float as the int it rounds to. */
function rounding(name: string, f: (x: number) => number): [string, Value] {
  const b = new Builtin(name, (_th, _fn, args, kw) => {
    const [x] = unpackPositionalArgs(name, args, kw, ['1', anyValue]);
    if (typeof x === 'number' || typeof x === 'bigint') return x;
    if (x instanceof Float) return toInt(f(x.v));
    throw new Error(`${name}: for parameter 1: got ${typeName(x)}, want float or int`);
  });
  return [name, b];
}

/** pow as Go's math.Pow: 1 to any power and -1 to an infinite one are 1, where JS says NaN. */
function pow(x: number, y: number): number {
  if (x === 1) return 1;
  if (x === -1 && !Number.isFinite(y) && !Number.isNaN(y)) return 1;
  return x ** y;
}

/** round rounds half away from zero, as Go's math.Round (Math.round rounds -0.5 up to -0). */
function round(x: number): number {
  if (!Number.isFinite(x)) return x;
  const t = Math.trunc(x); // keeps the sign of a zero
  return Math.abs(x - t) >= 0.5 ? t + Math.sign(x) : t;
}

/**
 * remainder is IEEE 754's: x - n*y where n is x/y rounded to the nearest integer, ties to the
 * even one. |x| mod 2|y| is exact, which leaves a multiple of 2|y| (even) plus r < 2|y|; then
 * at most two subtractions of |y| bring r into [-|y|/2, |y|/2], a tie staying at +|y|/2 only
 * when the multiple is even (the first subtraction not taken).
 */
function remainder(x: number, y: number): number {
  if (Number.isNaN(x) || Number.isNaN(y) || !Number.isFinite(x) || y === 0) return NaN;
  if (!Number.isFinite(y)) return x;
  const ay = Math.abs(y);
  let r = ay <= Number.MAX_VALUE / 2 ? Math.abs(x) % (2 * ay) : Math.abs(x);
  // Compare r + r with ay rather than r with ay / 2, which underflows for subnormal ay.
  if (r + r > ay) {
    r -= ay;
    if (r + r >= ay) r -= ay;
  }
  return x < 0 ? -r : r;
}

/** gamma is Γ(x): exact products for whole x up to 171, else Lanczos' approximation (g = 7). */
function gamma(x: number): number {
  if (Number.isNaN(x) || x === -Infinity) return NaN;
  if (x === Infinity) return Infinity;
  if (x === 0) return Object.is(x, -0) ? -Infinity : Infinity;
  if (x < 0 && Number.isInteger(x)) return NaN;
  if (Number.isInteger(x) && x <= 171) {
    let p = 1;
    for (let k = 2; k < x; k++) p *= k;
    return p;
  }
  if (x < 0.5) return Math.PI / (Math.sin(Math.PI * x) * gamma(1 - x));
  const z = x - 1;
  let a = LANCZOS[0]!;
  const t = z + 7.5;
  for (let k = 1; k < 9; k++) a += LANCZOS[k]! / (z + k);
  return Math.sqrt(2 * Math.PI) * t ** (z + 0.5) * Math.exp(-t) * a;
}

/** LANCZOS are the coefficients of Lanczos' approximation for g = 7, n = 9 (Numerical Recipes). */
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

const log = new Builtin('log', (_th, _fn, args, kw) => {
  const [x, base] = unpackPositionalArgs('log', args, kw, X, ['2?', floatOrInt]);
  if (base === 1) throw new Error('division by zero');
  return makeFloat(base === undefined ? Math.log(x) : Math.log(x) / Math.log(base));
});

export const math: Value = makeModule('math', {
  ...Object.fromEntries([
    rounding('ceil', Math.ceil),
    rounding('floor', Math.floor),
    binary('copysign', (x, y) => (y < 0 || Object.is(y, -0) ? -Math.abs(x) : Math.abs(x))),
    unary('fabs', Math.abs),
    binary('mod', (x, y) => x % y),
    binary('pow', pow),
    binary('remainder', remainder),
    unary('round', round),
    unary('exp', Math.exp),
    unary('sqrt', Math.sqrt),
    unary('acos', Math.acos),
    unary('asin', Math.asin),
    unary('atan', Math.atan),
    binary('atan2', Math.atan2),
    unary('cos', Math.cos),
    binary('hypot', Math.hypot),
    unary('sin', Math.sin),
    unary('tan', Math.tan),
    unary('degrees', (x) => (360 * x) / (2 * Math.PI)),
    unary('radians', (x) => (2 * Math.PI * x) / 360),
    unary('acosh', Math.acosh),
    unary('asinh', Math.asinh),
    unary('atanh', Math.atanh),
    unary('cosh', Math.cosh),
    unary('sinh', Math.sinh),
    unary('tanh', Math.tanh),
    unary('gamma', gamma),
  ]),
  log,
  e: makeFloat(Math.E),
  pi: makeFloat(Math.PI),
});
