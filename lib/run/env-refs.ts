// missingEnvReads finds, for `ebb validate`, the variables .star models read with a literal
// `env.get("NAME")` and no default — a run would stop at that line — that are set neither in
// the environment nor in the project's .env. The libraries a model loads (project files and
// the shipped @ebb/ catalog, followed through their own loads) run with the model's
// environment, so their reads count as the model's: reported at the model's load line, naming
// the library's line. Names computed at run time, and reads with a default, cannot be checked
// before a run and are left alone.

import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, normalize } from 'node:path';
import { CATALOG_PREFIX, catalogNames, catalogPath, literalLoads } from '../catalog/catalog.js';
import { PROBLEM_CODES, type ProjectProblem } from '../errors.js';
import { projectEnv, type Model } from '../project/index.js';

/** env.get("NAME") or env.get("NAME", secret=…): no default, so the variable must be set. */
const REQUIRED_READ =
  /\benv\.get\(\s*(["'])([A-Za-z_][A-Za-z0-9_]*)\1\s*(?:,\s*secret\s*=\s*(?:True|False)\s*)?\)/g;

interface Read {
  readonly name: string;
  readonly line: number;
}

/** requiredReads are a source's literal reads without a default, outside comments. */
function requiredReads(source: string): Read[] {
  const out: Read[] = [];
  for (const m of source.matchAll(REQUIRED_READ)) {
    const before = source.slice(0, m.index);
    if (/#[^\n]*$/.test(before)) continue; // in a comment
    out.push({ name: m[2]!, line: before.split('\n').length });
  }
  return out;
}

/** library is a loaded module's shown name and source, or undefined when a run would refuse it. */
function library(root: string, module: string): { shown: string; source: string } | undefined {
  let path: string;
  if (module.startsWith(CATALOG_PREFIX)) {
    if (!catalogNames().includes(module.slice(CATALOG_PREFIX.length))) return undefined;
    path = catalogPath(module);
  } else {
    const rel = normalize(module);
    if (isAbsolute(module) || rel.startsWith('..')) return undefined;
    path = join(root, rel);
  }
  if (!existsSync(path)) return undefined;
  return { shown: module, source: readFileSync(path, 'utf8') };
}

/** libraryReads are the reads of the libraries a source loads, each at its load line. */
function libraryReads(root: string, source: string, seen: Set<string>): Array<Read & { at: string }> {
  const out: Array<Read & { at: string }> = [];
  for (const load of literalLoads(source)) {
    if (seen.has(load.module)) continue;
    seen.add(load.module);
    const lib = library(root, load.module);
    if (lib === undefined) continue;
    for (const r of requiredReads(lib.source))
      out.push({ ...r, at: `${lib.shown}:${r.line}`, line: load.line });
    for (const r of libraryReads(root, lib.source, seen)) out.push({ ...r, line: load.line });
  }
  return out;
}

export function missingEnvReads(
  root: string,
  models: readonly Model[],
  env: NodeJS.ProcessEnv,
): ProjectProblem[] {
  const known = projectEnv(root, env);
  const problems: ProjectProblem[] = [];
  const fix = (name: string) =>
    `set ${name} in the environment or in ${root}/.env, or give env.get a default`;
  for (const model of models) {
    if (model.language !== 'star') continue;
    for (const r of requiredReads(model.source)) {
      if (known[r.name] !== undefined) continue;
      problems.push({
        code: PROBLEM_CODES.envMissing,
        file: model.file,
        line: r.line,
        message: `env.get("${r.name}") reads a variable set nowhere: ${fix(r.name)}`,
      });
    }
    for (const r of libraryReads(root, model.source, new Set())) {
      if (known[r.name] !== undefined) continue;
      problems.push({
        code: PROBLEM_CODES.envMissing,
        file: model.file,
        line: r.line,
        message: `the library loaded here reads env.get("${r.name}") (${r.at}), a variable set nowhere: set ${r.name} in the environment or in ${root}/.env`,
      });
    }
  }
  return problems;
}
