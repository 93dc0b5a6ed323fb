/**
 * The root of the value types, apart so that the thread (thread.ts) can name values without
 * importing value.ts, which names the thread in the signature of builtins: Value is what a
 * Starlark expression evaluates to, SObject the base class of every non-primitive one but the
 * tuple (the representations are described in value.ts).
 */
export type Value = number | bigint | string | boolean | SObject | Tuple;

/** SObject is the base of every non-primitive Starlark value but the tuple. */
export abstract class SObject {
  abstract type(): string;
}

declare const tupleBrand: unique symbol;

/**
 * Tuple is a JS array and nothing more: no wrapper object, so that a tuple built by an array
 * literal (`[a, b]`) is one allocation site V8 can pretenure. A wrapper object per tuple could
 * not be: 1M surviving wrappers were copied twice each by the young-generation GC, which was
 * most of zip's and enumerate's time (bench/README.md). No other JS array is a Value (a list is
 * a List over one), so Array.isArray tells a tuple; the brand keeps a plain Value[] from being
 * passed as a Value by mistake: make one with tuple() (value.ts). Never mutated once made.
 */
export interface Tuple extends ReadonlyArray<Value> {
  readonly [tupleBrand]: true;
}
