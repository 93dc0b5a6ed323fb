// A Context is an opened project: its root, its models, and where its state lives.

import { isAbsolute, join, resolve } from 'node:path';
import type { Shard } from '../detect/shard.js';
import { PROBLEM_CODES, ProjectError, type ProjectProblem } from '../errors.js';
import {
  findRoot,
  loadProject,
  projectEnv,
  projectSetup,
  type Project,
  type ProjectSetup,
} from '../project/index.js';
import { shardStatePath } from './shard-state.js';

export interface ContextOptions {
  /** Where the command runs from. */
  readonly cwd: string;
  /** --project DIR */
  readonly project?: string | undefined;
  /** --state PATH (else EBB_STATE, else <root>/state/ebb.duckdb) */
  readonly state?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
  /** The key shard of a sharded run: the state is that shard's file (shard-state.ts). */
  readonly shard?: Shard | undefined;
}

export interface Context {
  readonly project: Project;
  readonly statePath: string;
  /** What the project file asks of DuckDB when the state opens (none without a project file). */
  readonly setup: ProjectSetup | undefined;
}

/** statePathFor resolves the state database path: --state, then EBB_STATE, then the default. */
export function statePathFor(root: string, options: ContextOptions): string {
  const explicit = options.state ?? options.env?.['EBB_STATE'];
  if (explicit === undefined || explicit === '') return join(root, 'state', 'ebb.duckdb');
  if (explicit === ':memory:') return explicit;
  return isAbsolute(explicit) ? explicit : resolve(options.cwd, explicit);
}

export function openContext(options: ContextOptions): Context {
  const root = findRoot(options.cwd, options.project);
  const project = loadProject(root);
  const setup = setupOf(project, options.env ?? process.env);
  const missing = setup?.missing ?? [];
  if (missing.length > 0) throw new ProjectError(missingRefs(project, missing));
  const base = statePathFor(root, options);
  const statePath =
    options.shard === undefined || base === ':memory:' ? base : shardStatePath(base, options.shard);
  return { project, statePath, setup };
}

/** setupOf is the project file's statements, with `${VAR}`s read from `env` and the project's .env. */
export function setupOf(project: Project, env: NodeJS.ProcessEnv): ProjectSetup | undefined {
  return project.file && projectSetup(project.root, project.file, projectEnv(project.root, env));
}

/** missingRefs are the problems of `${VAR}`s of the project file that are set nowhere. */
export function missingRefs(project: Project, missing: ProjectSetup['missing']): ProjectProblem[] {
  return missing.map((m) => ({
    code: PROBLEM_CODES.envMissing,
    file: project.file?.file ?? '',
    line: m.line,
    message: `\${${m.name}} is set nowhere: set ${m.name} in the environment or in ${project.root}/.env`,
  }));
}
