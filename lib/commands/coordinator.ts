// Which coordinator a command shares rate limits, breakers and locks through, and the
// connection to it: EBB_COORDINATOR when set — the environment wins, so one machine can point
// elsewhere without editing the project —, else the project file's `coordinator:` key, its
// `${VAR}`s read from the environment and .env (lib/project/project-setup.ts). A key whose
// variables are set nowhere, or that expands to no PostgreSQL URL, stops the command with the
// file's line rather than running without the shared limits. The URL is never printed: commands
// name where it came from (EBB_COORDINATOR, or `ebb.yaml:3 (coordinator:)`), and a connection
// error is redacted with the key's values.

import { CoordinatorError, PROBLEM_CODES, ProjectError } from '../errors.js';
import { Redactor } from '../redact.js';
import { missingRefs, type Context } from '../run/index.js';
import type { PostgresCoordinator } from '../coordinate/postgres.js';

/** A coordinator's URL and where it was set, as messages name it. */
export interface CoordinatorChoice {
  readonly url: string;
  /** The environment variable, or the project file's line (`ebb.yaml:3 (coordinator:)`). */
  readonly from: string;
}

/** coordinatorOf is the coordinator `ctx`'s commands use: undefined when neither sets one. */
export function coordinatorOf(env: NodeJS.ProcessEnv, ctx: Context): CoordinatorChoice | undefined {
  // The environment variable wins over the key.
  const fromEnv = env['EBB_COORDINATOR'];
  if (fromEnv !== undefined && fromEnv !== '')
    return { url: fromEnv, from: 'EBB_COORDINATOR (the environment)' };
  const key = ctx.setup?.coordinator;
  const file = ctx.project.file?.file;
  if (key === undefined || file === undefined) return undefined;
  if (key.missing.length > 0) throw new ProjectError(missingRefs(ctx.project, key.missing));
  if (key.problem !== undefined)
    throw new ProjectError([{ code: PROBLEM_CODES.projectFile, file, line: key.line, message: key.problem }]);
  return { url: key.url, from: `${file}:${key.line} (coordinator:)` };
}

/** A coordinator connected, with where its URL came from. */
export interface ConnectedCoordinator {
  readonly coordinator: PostgresCoordinator;
  readonly from: string;
}

/**
 * connectCoordinator connects to `ctx`'s coordinator (coordinatorOf) when there is one; an
 * unreachable one is a CoordinatorError that names where its URL was set.
 */
export async function connectCoordinator(
  env: NodeJS.ProcessEnv,
  ctx: Context,
): Promise<ConnectedCoordinator | undefined> {
  const choice = coordinatorOf(env, ctx);
  if (choice === undefined) return undefined;
  const { PostgresCoordinator } = await import('../coordinate/postgres.js');
  try {
    return { coordinator: await PostgresCoordinator.connect(choice.url), from: choice.from };
  } catch (err) {
    if (!(err instanceof CoordinatorError)) throw err;
    // The driver's messages name the host, not the password; the key's values are redacted anyway.
    const redact = new Redactor(ctx.setup?.secrets ?? []);
    throw new CoordinatorError(
      `${redact.redact(err.message)} — the coordinator set by ${choice.from}: check the URL and that PostgreSQL is reachable`,
      err.cause,
    );
  }
}
