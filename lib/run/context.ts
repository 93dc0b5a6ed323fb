// A Context is an opened project: its root, its models, and where its state lives.

import { isAbsolute, join, resolve } from 'node:path';
import { findRoot, loadProject, type Project } from '../project/index.js';

export interface ContextOptions {
  /** Where the command runs from. */
  readonly cwd: string;
  /** --project DIR */
  readonly project?: string | undefined;
  /** --state PATH (else EBB_STATE, else <root>/state/ebb.duckdb) */
  readonly state?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
}

export interface Context {
  readonly project: Project;
  readonly statePath: string;
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
  return { project, statePath: statePathFor(root, options) };
}
