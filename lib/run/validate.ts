// validate checks a project without writing anything: every model's directives and name,
// its syntax (each language's own check), the DAG (no cycle), and every model bound against
// its upstream models' shapes (inside a transaction that is always rolled back). Every
// problem is reported, with file, line and code — not only the first.

import { existsSync } from 'node:fs';
import { buildDag, type Dag } from '../dag/index.js';
import { CycleError, PROBLEM_CODES, ProjectError, ProjectFileError, type ProjectProblem } from '../errors.js';
import {
  findRoot,
  loadProject,
  type Model,
  type Project,
  type ProjectSetup,
  type ProjectWarning,
} from '../project/index.js';
import { Store } from '../store/index.js';
import { missingRefs, setupOf, statePathFor, type ContextOptions } from './context.js';
import { missingEnvReads } from './env-refs.js';
import { languageOf, modelSqlOf } from './languages/index.js';

export interface ValidateReport {
  readonly root: string;
  readonly models: number;
  readonly problems: readonly ProjectProblem[];
  /** Models that could not be bound because an upstream .star model's columns are known only when it runs. */
  readonly unbound: ReadonlyArray<{ readonly model: string; readonly file: string; readonly reason: string }>;
  /** Files that look like models but are not read. */
  readonly warnings: readonly ProjectWarning[];
}

export async function validateProject(options: ContextOptions): Promise<ValidateReport> {
  const root = findRoot(options.cwd, options.project);
  let project: Project;
  try {
    project = loadProject(root);
  } catch (err) {
    // Directive and name problems: the models cannot be built, but every problem is reported.
    if (err instanceof ProjectError)
      return { root, models: 0, problems: err.problems, unbound: [], warnings: [] };
    throw err;
  }
  const { models, warnings } = project;
  const setup = setupOf(project, options.env ?? process.env);
  const statePath = statePathFor(root, options);
  const useState = statePath !== ':memory:' && existsSync(statePath);
  const opened = await openChecked(useState ? statePath : ':memory:', project, setup);
  const store = opened.store;
  try {
    const problems: ProjectProblem[] = [
      ...opened.problems,
      ...models.flatMap((m) => languageOf(m).check(m)),
      ...missingEnvReads(root, models, options.env ?? process.env),
    ];
    const built = await buildDag(store, models, modelSqlOf);
    problems.push(...built.problems);
    const byName = new Map(models.map((m) => [m.name, m]));
    let order: string[];
    try {
      order = built.dag.sorted((n) => byName.get(n)!.file);
    } catch (err) {
      if (!(err instanceof CycleError)) throw err;
      problems.push({ code: PROBLEM_CODES.cycle, file: err.files[0] ?? '', message: err.message });
      return { root, models: models.length, problems, unbound: [], warnings };
    }
    // SQL that does not parse (or reads itself) cannot be bound; a .star file with an undefined name still can
    // (its language's bind skips a file that does not parse).
    const broken = new Set(
      problems
        .filter((p) => p.code === PROBLEM_CODES.sqlSyntax || p.code === PROBLEM_CODES.cycle)
        .map((p) => p.file),
    );
    const unbound: Array<{ model: string; file: string; reason: string }> = [];
    problems.push(
      ...(await bindAll(
        store,
        order.map((n) => byName.get(n)!),
        built.dag,
        broken,
        unbound,
      )),
    );
    return { root, models: models.length, problems, unbound, warnings };
  } finally {
    store.close();
  }
}

/**
 * openChecked opens the state with the project file's statements: a `${VAR}` set nowhere is a
 * problem (its statement is left out, so the rest is still checked; those of alerts: and
 * coordinator: are problems too, and a coordinator: that expands to no PostgreSQL URL), and so is
 * a statement DuckDB refuses — then the state opens without the file, and models that read a
 * source it attaches are reported as they bind.
 */
async function openChecked(
  path: string,
  project: Project,
  setup: ProjectSetup | undefined,
): Promise<{ store: Store; problems: ProjectProblem[] }> {
  const root = project.root;
  if (setup === undefined) return { store: await Store.open({ path, root }), problems: [] };
  const coordinator = setup.coordinator;
  const problems: ProjectProblem[] = missingRefs(project, [
    ...setup.missing,
    ...setup.missingForServe,
    ...(coordinator?.missing ?? []),
  ]);
  if (coordinator?.problem !== undefined && project.file)
    problems.push({
      code: PROBLEM_CODES.projectFile,
      file: project.file.file,
      line: coordinator.line,
      message: coordinator.problem,
    });
  const steps = setup.steps.filter((s) => !setup.missing.some((m) => m.line === s.line));
  try {
    return { store: await Store.open({ path, root, setup: steps }), problems };
  } catch (err) {
    if (!(err instanceof ProjectFileError)) throw err;
    problems.push({ code: PROBLEM_CODES.projectFile, file: err.file, line: err.line, message: err.detail });
    return { store: await Store.open({ path, root }), problems };
  }
}

/**
 * bindAll binds each model in dependency order, so each binds against its upstream models'
 * shapes; on a problem it restarts the transaction and replays the models that left a
 * shape, so every problem is reported, not only the first. A model whose upstream left no
 * shape (it has problems, or it is a .star model whose columns come from the rows it saves)
 * is not bound, and `unbound` says why.
 */
async function bindAll(
  store: Store,
  models: readonly Model[],
  dag: Dag,
  broken: ReadonlySet<string>,
  unbound: Array<{ model: string; file: string; reason: string }>,
): Promise<ProjectProblem[]> {
  const problems: ProjectProblem[] = [];
  const shaped: Model[] = [];
  /** Models without a shape, each with what its downstream models are told. */
  const shapeless = new Map<string, string>();
  await store.exec('BEGIN TRANSACTION');
  try {
    for (const model of models) {
      const blocker = dag.upstream(model.name).find((u) => shapeless.has(u));
      if (blocker !== undefined) {
        const reason = shapeless.get(blocker)!;
        shapeless.set(model.name, reason);
        unbound.push({ model: model.name, file: model.file, reason });
        continue;
      }
      if (broken.has(model.file)) {
        shapeless.set(model.name, `it reads ${model.name}, which has problems of its own`);
        continue;
      }
      const outcome = await languageOf(model).bind(store, model);
      if (outcome.shaped) shaped.push(model);
      else {
        shapeless.set(
          model.name,
          outcome.problems.length > 0
            ? `it reads ${model.name}, which has problems of its own`
            : `it reads ${model.name}, a .star model whose columns are known only when it runs (run it once: ebb run ${model.name})`,
        );
      }
      if (outcome.problems.length === 0) continue;
      problems.push(...outcome.problems);
      // A failed statement aborts DuckDB's transaction: start again with the shapes made so far.
      await store.exec('ROLLBACK');
      await store.exec('BEGIN TRANSACTION');
      for (const m of shaped) await languageOf(m).bind(store, m);
    }
  } finally {
    await store.exec('ROLLBACK');
  }
  return problems;
}

export function assertValid(report: ValidateReport): void {
  if (report.problems.length > 0) throw new ProjectError(report.problems);
}
