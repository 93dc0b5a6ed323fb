/**
 * StarErr, the internal Starlark runtime error, and fail, which raises one. The public
 * EvalError (errors.ts) is built from a StarErr once it has unwound to the host.
 */

/** StarErr is the internal Starlark runtime error: a message plus frames filled in while unwinding. */
export class StarErr extends Error {
  msg: string;
  /** innermost-first frames, added by each call as the error unwinds */
  frames: Array<{ name: string; pos: number; file: string }> = [];
  builtinName: string | undefined;
  /** `cause` is the host's exception this error stands for (a Builtin's or HostValue's throw). */
  constructor(msg: string, cause?: unknown) {
    super(msg, cause === undefined ? undefined : { cause });
    this.msg = msg;
  }
}

/** fail throws a Starlark runtime error with the given (byte-string) message. */
export function fail(msg: string): never {
  throw new StarErr(msg);
}
