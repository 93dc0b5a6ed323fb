// The project file's `coordinator:` key: the PostgreSQL URL that the project's processes share
// rate budgets, breakers and locks through (lib/coordinate), as EBB_COORDINATOR gives it — the
// environment variable wins, so a machine can point elsewhere without editing the file. The URL
// holds `${VAR}` references like a source's connection string (the password from .env or the
// environment); they are expanded when a command connects (./project-setup.ts), and every value
// they read is a secret. Its scheme is checked where it is written, and again once expanded when
// a reference supplies it; neither check ever repeats the URL, which may hold a password.

import type { Node, Pair } from 'yaml';
import type { Reader } from './project-reader.js';

/** `coordinator:` as written: `${VAR}`s unexpanded. */
export interface CoordinatorKey {
  readonly url: string;
  readonly line: number;
}

const EXAMPLE = 'postgres://USER:${PASSWORD}@HOST:5432/DATABASE';

/** readCoordinator reads `coordinator: URL`, reporting a value that is no PostgreSQL URL. */
export function readCoordinator(r: Reader, node: unknown, at: Pair): CoordinatorKey | undefined {
  const url = r.string(node, `coordinator (a PostgreSQL URL such as ${EXAMPLE})`);
  if (url === undefined) return undefined;
  // A URL that starts with a reference gets its scheme from the environment: checked once expanded.
  const problem = url.startsWith('${') ? undefined : coordinatorUrlProblem(url);
  if (problem !== undefined) {
    r.problem(node as Node, problem);
    return undefined;
  }
  return { url, line: r.line(at) };
}

/**
 * coordinatorUrlProblem says why `url` is not a PostgreSQL URL (postgres:// or postgresql://),
 * naming its scheme only; undefined when it is one.
 */
export function coordinatorUrlProblem(url: string): string | undefined {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url)?.[1];
  if (scheme !== undefined && /^postgres(ql)?$/i.test(scheme)) return undefined;
  const what = scheme === undefined ? 'is not a URL' : `has the scheme "${scheme}"`;
  return `coordinator ${what}: the coordinator is a PostgreSQL URL, postgres:// or postgresql:// (e.g. ${EXAMPLE})`;
}
