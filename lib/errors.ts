// One error hierarchy for ebb. Every error has a stable `code` (one of the registry in
// ./error-codes.ts) that tests and tools can match on, and an exit code for the CLI (1: a model
// or check failed, 2: bad invocation).

import { CODE, type EbbCode, ERROR_CODES, type Stops } from './error-codes.js';
import type { TrackedCounts } from './runtime/tracked-counts.js';

/** Where in a user's file something went wrong (1-based line and column). */
export interface Location {
  readonly file: string;
  readonly line?: number;
  readonly col?: number;
}

/** formatLocation writes `file`, `file:line` or `file:line:col`, the form editors jump to. */
export function formatLocation(loc: Location): string {
  if (loc.line === undefined) return loc.file;
  return loc.col === undefined ? `${loc.file}:${loc.line}` : `${loc.file}:${loc.line}:${loc.col}`;
}

/**
 * The stable codes of problems found in a project before anything runs (ebb validate, and
 * the model a run skips). docs/errors.md lists them; tools match on them, never on the wording.
 */
export const PROBLEM_CODES = {
  /** A directive is unknown, malformed, misplaced, repeated or has a bad value. */
  directive: CODE.EBB_DIRECTIVE,
  /** A model file's path is not a valid model name (depth, characters, reserved schema, clash). */
  name: CODE.EBB_MODEL_NAME,
  /** A model's SQL does not parse, or is not one SELECT. */
  sqlSyntax: CODE.EBB_SQL_SYNTAX,
  /** A model's SQL parses but does not bind: a missing table or column, a type error. */
  bind: CODE.EBB_SQL_BIND,
  /** @unique_key names a column the model's query does not return. */
  uniqueKey: CODE.EBB_UNIQUE_KEY,
  /** A .star file does not parse. */
  starSyntax: CODE.EBB_STAR_SYNTAX,
  /** A .star file uses a name that is not defined. */
  starName: CODE.EBB_STAR_NAME,
  /** Models read each other in a circle (a model reading its own table is one too). */
  cycle: CODE.EBB_CYCLE,
  /** The project file (ebb.yaml) is not valid: YAML, an unknown key, a bad value. */
  projectFile: CODE.EBB_PROJECT_FILE,
  /** A variable the project reads (a `${VAR}` of the project file) is set nowhere. */
  envMissing: CODE.EBB_ENV_MISSING,
} as const;

export type ProblemCode = (typeof PROBLEM_CODES)[keyof typeof PROBLEM_CODES];

/**
 * The exit codes of the CLI: 0 ok, 1 a model or check failed, 2 bad invocation, 75 the state is
 * held by another ebb process (EX_TEMPFAIL: try again later).
 */
export type ExitCode = 1 | 2 | 75;

export class EbbError extends Error {
  readonly code: EbbCode;
  readonly exitCode: ExitCode;
  constructor(code: EbbCode, message: string, options?: { exitCode?: ExitCode; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EbbError';
    this.code = code;
    this.exitCode = options?.exitCode ?? 1;
  }
  /** What this error ends (the registry's `stops` of its code): a request, the model, the run. */
  get stops(): Stops {
    return ERROR_CODES[this.code].stops;
  }
  /** Whether running again later may succeed with nothing changed (the registry's `transient`). */
  get transient(): boolean {
    return ERROR_CODES[this.code].transient;
  }
}

/** A problem in one place of a user's project: a model file, a directive, a name. */
export interface ProjectProblem extends Location {
  readonly code: ProblemCode;
  readonly message: string;
}

/** All problems found in a project, reported together rather than the first only. */
export class ProjectError extends EbbError {
  readonly problems: readonly ProjectProblem[];
  constructor(problems: readonly ProjectProblem[]) {
    super(CODE.EBB_PROJECT, problems.map((p) => `${formatLocation(p)}: ${p.message}`).join('\n'));
    this.name = 'ProjectError';
    this.problems = problems;
  }
}

export class NoProjectError extends EbbError {
  constructor(start: string) {
    super(
      CODE.EBB_NO_PROJECT,
      `no ebb project found: neither ${start} nor any folder above it holds a models/ folder ` +
        `(create one with "ebb init", or pass --project DIR)`,
      { exitCode: 2 },
    );
    this.name = 'NoProjectError';
  }
}

export class CycleError extends EbbError {
  readonly cycle: readonly string[];
  readonly files: readonly string[];
  constructor(cycle: readonly string[], files: readonly string[]) {
    super(
      CODE.EBB_CYCLE,
      cycle.length === 2
        ? `model ${cycle[0]} reads its own table (${files.join(', ')}); a model cannot depend on itself: ` +
            `read another model, or use @kind: append/merge to add to its table`
        : `dependency cycle: ${cycle.join(' → ')} (→ reads from; files: ${files.join(', ')}); ` +
            `remove one of these references to break it`,
    );
    this.name = 'CycleError';
    this.cycle = cycle;
    this.files = files;
  }
}

export class SelectorError extends EbbError {
  constructor(message: string) {
    super(CODE.EBB_SELECTOR, message, { exitCode: 2 });
    this.name = 'SelectorError';
  }
}

export class UsageError extends EbbError {
  constructor(message: string) {
    super(CODE.EBB_USAGE, message, { exitCode: 2 });
    this.name = 'UsageError';
  }
}

export class StateLockedError extends EbbError {
  /** Who holds the state, as far as it is known: "ebb run (pid 123) since …", or "another process". */
  readonly holder: string;
  constructor(path: string, detail: string) {
    super(
      CODE.EBB_STATE_LOCKED,
      `state ${path} is in use by another ebb process${detail ? ` (${detail})` : ''}; ` +
        `wait for it to finish (--wait DURATION waits for it), or use another --state. DuckDB lets no other process ` +
        `open a state file, even read-only, while one has it open; ebb status shows what a running run publishes`,
      { exitCode: 75 },
    );
    this.name = 'StateLockedError';
    this.holder = detail || 'another process holds it';
  }
}

/** A file or folder ebb must create or read cannot be (ebb init in a read-only place, …). */
export class FileSystemError extends EbbError {
  constructor(message: string, cause?: unknown) {
    super(CODE.EBB_FILESYSTEM, message, { cause });
    this.name = 'FileSystemError';
  }
}

/**
 * ProjectFileError is a statement of the project file (ebb.yaml) that DuckDB refused as the
 * state opened: a setting, an extension, a secret, a source; the message names the file's line.
 */
export class ProjectFileError extends EbbError {
  readonly file: string;
  readonly line: number;
  /** The message without the file's position in front. */
  readonly detail: string;
  constructor(file: string, line: number, detail: string) {
    super(CODE.EBB_PROJECT_FILE, `${formatLocation({ file, line })}: ${detail}`);
    this.name = 'ProjectFileError';
    this.file = file;
    this.line = line;
    this.detail = detail;
  }
}

/**
 * CoordinatorError is the coordinator (EBB_COORDINATOR, PostgreSQL) unreachable or refusing:
 * the run stops sending — it never goes on without the shared limits — and what was delivered
 * is still acknowledged.
 */
export class CoordinatorError extends EbbError {
  constructor(message: string, cause?: unknown) {
    super(CODE.EBB_COORDINATOR, message, { cause });
    this.name = 'CoordinatorError';
  }
}

/**
 * ShardError is a sharded state used the wrong way: a run with another shard count than its
 * state files were built with, an unsharded state with --shard or the reverse, a reshard that
 * cannot start. Nothing was changed; the message gives the fix (often `ebb reshard`). Exit 2.
 */
export class ShardError extends EbbError {
  constructor(message: string) {
    super(CODE.EBB_SHARD_MISMATCH, message, { exitCode: 2 });
    this.name = 'ShardError';
  }
}

export class StateError extends EbbError {
  constructor(message: string, cause?: unknown) {
    super(CODE.EBB_STATE, message, { cause });
    this.name = 'StateError';
  }
}

/**
 * The state file fails DuckDB's checksums (a disk or copy that damaged it, a file written by
 * something else): not a bug in ebb, and nothing ebb can repair in place.
 */
export class StateCorruptError extends EbbError {
  constructor(path: string, detail: string, cause?: unknown) {
    super(
      CODE.EBB_STATE_CORRUPT,
      `state ${path} is damaged (${detail}). ebb cannot repair it: restore the file (and its .wal, if any) from a backup; ` +
        `or move it aside and run again to start a new state, and then every tracked model sends all its rows again ` +
        `(its destinations must accept them: an upsert, or an idempotent API) and table, merge and append models are rebuilt`,
      { cause },
    );
    this.name = 'StateCorruptError';
  }
}

/** isCorruptionMessage tells whether a DuckDB error says the database file is damaged. */
export function isCorruptionMessage(message: string): boolean {
  return /Corrupt database file|does not match stored checksum/i.test(message);
}

/** A model failed while running: its SQL did not bind, a merge key repeated, etc. */
export class ModelError extends EbbError {
  readonly model: string;
  readonly file: string;
  /** The message without the file name in front. */
  readonly detail: string;
  constructor(model: string, file: string, message: string, cause?: unknown, code: EbbCode = CODE.EBB_MODEL) {
    // A message that already starts with the file's position (file:line:col: …) is kept as is.
    super(code, message.startsWith(`${file}:`) ? message : `${file}: ${message}`, { cause });
    this.name = 'ModelError';
    this.model = model;
    this.file = file;
    this.detail = message;
  }
}

/**
 * The codes of errors met while a model runs, beside ModelError's own EBB_MODEL (a script
 * failed, SQL failed at run time). docs/errors.md lists them.
 */
export const RUN_CODES = {
  /** A model was not run because a model it reads failed. */
  upstreamFailed: CODE.EBB_UPSTREAM_FAILED,
  /** A merge or tracked model's query returned a key twice. */
  duplicateKey: CODE.EBB_DUPLICATE_KEY,
  /** A merge model's row has a NULL in its @unique_key. */
  nullKey: CODE.EBB_NULL_KEY,
  /** @unique_key names a column the model's result does not have. */
  uniqueKey: CODE.EBB_UNIQUE_KEY,
  /** An append model's result no longer fits its table's columns. */
  columnsChanged: CODE.EBB_COLUMNS_CHANGED,
  /** A model reads the table of a .star model that saved no rows (so has no table). */
  noTable: CODE.EBB_NO_TABLE,
  /** A warning, not an error: a tracked .star model had rows to send and acknowledged none. */
  nothingAcknowledged: CODE.EBB_NOTHING_ACKNOWLEDGED,
  /** A warning, not an error: a tracked model ran, but some of its rows failed to deliver or were rejected (exit 3). */
  rowsNotDelivered: CODE.EBB_ROWS_NOT_DELIVERED,
  /** A .star model's env.get of a variable set nowhere, without a default. */
  envMissing: CODE.EBB_ENV_MISSING,
  /** A .star model's load() of a file that does not exist. */
  loadMissing: CODE.EBB_LOAD_MISSING,
  /** A warning, not an error: a .star model that is not tracked ran in shard 0 only, not in this shard. */
  shardSkipped: CODE.EBB_SHARD_SKIPPED,
} as const;

/** errorCode is the stable code of any error: an EbbError's own, else EBB_INTERNAL. */
export function errorCode(err: unknown): EbbCode {
  return err instanceof EbbError ? err.code : CODE.EBB_INTERNAL;
}

/** What a model did before it failed: its rows, and a tracked model's counts. */
export interface PartialWork {
  readonly rows: number | null;
  readonly details?: TrackedCounts;
}

/**
 * PartialRunError is a model that failed or was interrupted after doing part of its work (a
 * script that acknowledged rows before it failed): what it did is committed and counted.
 */
export class PartialRunError extends ModelError {
  readonly partial: PartialWork;
  readonly interrupted: boolean;
  constructor(
    model: string,
    file: string,
    message: string,
    partial: PartialWork,
    interrupted: boolean,
    code?: EbbCode,
  ) {
    super(model, file, message, undefined, interrupted ? CODE.EBB_INTERRUPTED : (code ?? CODE.EBB_MODEL));
    this.name = 'PartialRunError';
    this.partial = partial;
    this.interrupted = interrupted;
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
