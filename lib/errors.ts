// One error hierarchy for ebb. Every error has a stable `code` that tests and tools can
// match on, and an exit code for the CLI (1: a model or check failed, 2: bad invocation).

/** Where in a user's file something went wrong (1-based line). */
export interface Location {
  readonly file: string;
  readonly line?: number;
}

export function formatLocation(loc: Location): string {
  return loc.line === undefined ? loc.file : `${loc.file}:${loc.line}`;
}

export class EbbError extends Error {
  readonly code: string;
  readonly exitCode: 1 | 2;
  constructor(code: string, message: string, options?: { exitCode?: 1 | 2; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EbbError';
    this.code = code;
    this.exitCode = options?.exitCode ?? 1;
  }
}

/** A problem in one place of a user's project: a model file, a directive, a name. */
export interface ProjectProblem extends Location {
  readonly message: string;
}

/** All problems found in a project, reported together rather than the first only. */
export class ProjectError extends EbbError {
  readonly problems: readonly ProjectProblem[];
  constructor(problems: readonly ProjectProblem[]) {
    super(
      'EBB_PROJECT',
      problems.map((p) => `${formatLocation(p)}: ${p.message}`).join('\n'),
    );
    this.name = 'ProjectError';
    this.problems = problems;
  }
}

export class NoProjectError extends EbbError {
  constructor(start: string) {
    super(
      'EBB_NO_PROJECT',
      `no ebb project found: neither ${start} nor any folder above it holds a models/ folder ` +
        `(create one with "ebb init", or pass --project DIR)`,
      { exitCode: 2 },
    );
    this.name = 'NoProjectError';
  }
}

export class CycleError extends EbbError {
  readonly cycle: readonly string[];
  constructor(cycle: readonly string[], files: readonly string[]) {
    super(
      'EBB_CYCLE',
      `dependency cycle: ${cycle.join(' → ')} (→ reads from; files: ${files.join(', ')}); ` +
        `remove one of these references to break it`,
    );
    this.name = 'CycleError';
    this.cycle = cycle;
  }
}

export class SelectorError extends EbbError {
  constructor(message: string) {
    super('EBB_SELECTOR', message, { exitCode: 2 });
    this.name = 'SelectorError';
  }
}

export class UsageError extends EbbError {
  constructor(message: string) {
    super('EBB_USAGE', message, { exitCode: 2 });
    this.name = 'UsageError';
  }
}

export class StateLockedError extends EbbError {
  constructor(path: string, detail: string) {
    super(
      'EBB_STATE_LOCKED',
      `state ${path} is in use by another ebb process${detail ? ` (${detail})` : ''}; ` +
        `wait for it to finish, or use another --state`,
    );
    this.name = 'StateLockedError';
  }
}

export class StateError extends EbbError {
  constructor(message: string, cause?: unknown) {
    super('EBB_STATE', message, { cause });
    this.name = 'StateError';
  }
}

/** A model failed while running: its SQL did not bind, a merge key repeated, etc. */
export class ModelError extends EbbError {
  readonly model: string;
  readonly file: string;
  /** The message without the file name in front. */
  readonly detail: string;
  constructor(model: string, file: string, message: string, cause?: unknown) {
    // A message that already starts with the file's position (file:line:col: …) is kept as is.
    super('EBB_MODEL', message.startsWith(`${file}:`) ? message : `${file}: ${message}`, { cause });
    this.name = 'ModelError';
    this.model = model;
    this.file = file;
    this.detail = message;
  }
}

/** A model run that failed after doing part of its work: what it did is still reported. */
export class ModelRunError extends ModelError {
  readonly rows: number;
  readonly details: Readonly<Record<string, number>>;
  constructor(failure: ModelError, rows: number, details: Readonly<Record<string, number>>) {
    super(failure.model, failure.file, failure.detail, failure.cause);
    this.rows = rows;
    this.details = details;
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
