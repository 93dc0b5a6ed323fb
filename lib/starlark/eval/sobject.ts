/**
 * The root of the value types, apart so that the thread (thread.ts) can name values without
 * importing value.ts, which names the thread in the signature of builtins: Value is what a
 * Starlark expression evaluates to, SObject the base class of every non-primitive one (the
 * representations are described in value.ts).
 */
export type Value = number | bigint | string | boolean | SObject;

/** SObject is the base of every non-primitive Starlark value. */
export abstract class SObject {
  abstract type(): string;
}
