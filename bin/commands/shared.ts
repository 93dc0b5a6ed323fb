// What the command modules of bin/commands share: the global options (--project, --state,
// --wait, --json) and the move into the project root, the process's IO, option parsers, and the
// epilogue every command's --help ends with (an example, exit codes, environment).

import type { Argv } from 'yargs';
import { findRoot } from '../../lib/project/root.js';

/** One command of the CLI: what bin/ebb.ts hands to yargs' .command(). */
export interface CliCommand {
  readonly command: string;
  readonly describe: string;
  readonly builder: (y: Argv) => Argv;
  readonly handler: (argv: Parsed) => Promise<void>;
}

/** The parsed arguments a handler gets. */
export type Parsed = Record<string, unknown>;

interface Globals {
  project?: string | undefined;
  state?: string | undefined;
  json?: boolean | undefined;
  wait?: string | undefined;
}

/** The folder ebb was started in: relative paths given on the command line resolve from it. */
export const START = process.cwd();

/**
 * globals also moves the process into the project root: DuckDB resolves a relative path in a
 * model (read_parquet('extracts/x.parquet')) against the working folder before its
 * file_search_path, so a same-named file in the folder ebb was started from would win.
 */
export function globals(args: unknown) {
  const argv = args as Globals;
  try {
    process.chdir(findRoot(START, argv.project));
  } catch {
    // No project here: the command says so when it opens it.
  }
  return {
    cwd: START,
    project: argv.project,
    state: argv.state,
    json: argv.json,
    wait: argv.wait,
    env: process.env,
  };
}

export async function io() {
  return (await import('../../lib/commands/io.js')).processIO;
}

export function finish(code: number): void {
  process.exitCode = code;
}

/**
 * exitNow ends the process with `code` at once when all its output is written — a command
 * whose work is done and whose state is closed for the exit (lib/commands/io.ts `exiting`).
 * Output a pipe still holds back (a reader slower than the command) is waited for: the process
 * then ends as usual, once it is written.
 */
export function exitNow(code: number): void {
  finish(code);
  if (process.stdout.writableLength === 0 && process.stderr.writableLength === 0) process.exit(code);
}

/** A usage error found while parsing: yargs prints it and exits 2. */
export class BadOption extends Error {}

/** wholeNumber reads an option that must be a whole number of at least `min`. */
export function wholeNumber(name: string, min: number): (value: unknown) => number {
  return (value) => {
    const text = String(Array.isArray(value) ? value[value.length - 1] : value);
    if (!/^\d+$/.test(text) || Number(text) < min) {
      throw new BadOption(`--${name} takes a whole number${min > 0 ? ` from ${min}` : ''}, not "${text}"`);
    }
    return Number(text);
  };
}

/** withProjectOptions declares --project and --state, for commands that open a project. */
export function withProjectOptions(y: Argv): Argv {
  return y
    .option('project', {
      type: 'string',
      describe: 'project folder (default: the nearest folder above the current one that holds models/)',
    })
    .option('state', {
      type: 'string',
      describe: 'state database (default: EBB_STATE, else <project>/state/ebb.duckdb)',
    })
    .option('wait', {
      type: 'string',
      describe: `how long to wait for a state another ebb process holds (read-only commands: 5s; run: 0s)`,
    });
}

export function withJson(y: Argv, what: string): Argv {
  return y.option('json', { type: 'boolean', describe: what });
}

export const EXIT_CODES =
  'Exit codes: 0 ok, 1 a model or check failed, 2 bad invocation, 75 the state is busy (held by another ebb).';
export const STATE_ENV =
  "Environment: EBB_STATE (state path), EBB_MEMORY_LIMIT (DuckDB memory limit, default 400MB), EBB_DEBUG=sql,star (trace every statement, and the .star runner's decisions, to stderr).";

export function epilogue(example: string, env: string = STATE_ENV, exits: string = EXIT_CODES): string {
  return `Example:\n  ${example}\n\n${exits}\n${env}`;
}
