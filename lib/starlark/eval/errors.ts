import { StarlarkError, formatPos, type Position } from '../syntax/position.js';
import { unpackPos } from './pos.js';
import { StarErr, decodeUTF8 } from './value.js';

export interface CallFrame {
  readonly name: string;
  readonly pos: Position;
}

/** EvalError is a Starlark runtime error with the call stack at the point of failure. */
export class EvalError extends StarlarkError {
  /** position of the innermost Starlark frame */
  readonly pos: Position;
  /** call frames, outermost first */
  readonly frames: ReadonlyArray<CallFrame>;
  /** name of the builtin that raised the error, if any */
  readonly builtin: string | undefined;

  constructor(msg: string, frames: CallFrame[], builtin?: string) {
    const top = frames[frames.length - 1];
    const pos = top ? top.pos : { file: '<unknown>', line: 0, col: 0 };
    super(msg, `${formatPos(pos)}: ${msg}`);
    this.name = 'EvalError';
    this.pos = pos;
    this.frames = frames;
    this.builtin = builtin;
  }

  /** backtrace renders the stack like starlark-go's EvalError.Backtrace. */
  backtrace(): string {
    let out = 'Traceback (most recent call last):\n';
    const frames = this.frames.slice();
    let suffix = '';
    if (this.builtin !== undefined) suffix = ` in ${this.builtin}`;
    else {
      const last = frames[frames.length - 1];
      if (last && last.pos.file === '<builtin>') {
        suffix = ` in ${last.name}`;
        frames.pop();
      }
    }
    for (const f of frames) {
      const where = f.pos.file === '<builtin>' ? '<builtin>' : formatPos(f.pos);
      out += `  ${where}: in ${f.name}\n`;
    }
    return `${out}Error${suffix}: ${this.msg}`;
  }
}

/** toEvalError converts an internal error (frames innermost first) into the public EvalError. */
export function toEvalError(e: StarErr): EvalError {
  const frames: CallFrame[] = [];
  for (let i = e.frames.length - 1; i >= 0; i--) {
    const f = e.frames[i]!;
    const p = f.pos < 0 ? { line: 0, col: 0 } : unpackPos(f.pos);
    frames.push({ name: f.name, pos: { file: f.file, line: p.line, col: p.col } });
  }
  const err = new EvalError(decodeUTF8(e.msg), frames, e.builtinName);
  if (e.cause !== undefined) err.cause = e.cause;
  return err;
}

export { StarErr };
