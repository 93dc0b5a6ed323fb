/** Position is a 1-based source location. */
export interface Position {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export function formatPos(p: Position): string {
  return `${p.file}:${p.line}:${p.col}`;
}

/** StarlarkError is the base of every diagnostic; `.message` includes the position. */
export class StarlarkError extends Error {
  /** msg is the message without position. */
  readonly msg: string;
  constructor(msg: string, full?: string) {
    super(full ?? msg);
    this.msg = msg;
    this.name = 'StarlarkError';
  }
  override toString(): string {
    return this.message;
  }
}

/**
 * isStackOverflow reports whether a JS exception is the engine running out of stack
 * ("Maximum call stack size exceeded", or a regular expression failing with "Stack overflow").
 */
export function isStackOverflow(e: unknown): boolean {
  return (
    (e instanceof RangeError || e instanceof SyntaxError) && /call stack|stack overflow/i.test(e.message)
  );
}

/** ScanOrSyntaxError is the single error reported by the scanner or parser. */
export class ScanOrSyntaxError extends StarlarkError {
  readonly pos: Position;
  constructor(pos: Position, msg: string) {
    super(msg, `${formatPos(pos)}: ${msg}`);
    this.pos = pos;
    this.name = 'ScanOrSyntaxError';
  }
}

/** ResolveErrors lists every name-resolution error of a file, in source order. */
export class ResolveErrors extends StarlarkError {
  readonly errors: ReadonlyArray<{ pos: Position; msg: string }>;
  readonly pos: Position;
  constructor(errors: Array<{ pos: Position; msg: string }>) {
    const first = errors[0]!;
    super(first.msg, errors.map((e) => `${formatPos(e.pos)}: ${e.msg}`).join('\n'));
    this.errors = errors;
    this.pos = first.pos;
    this.name = 'ResolveErrors';
  }
}
