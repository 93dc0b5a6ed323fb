// A Language is everything ebb needs to know about one kind of model file (SQL, Starlark):
// which SQL it reads (for the DAG), how to check it without running it (validate, and the
// plan of a run), how to bind it against its upstream shapes (validate), which query a tracked
// model sends (ebb plan, ebb status), and how to run it.
// planRun, execute and validate go through these records and name no language: adding a
// language is one file implementing this interface plus one line in ./index.ts.

import type { EbbCode } from '../../error-codes.js';
import type { ModelSql } from '../../dag/index.js';
import type { ProjectProblem } from '../../errors.js';
import type { Model, ModelLanguage } from '../../project/index.js';
import type { QueryParam } from '../../runtime/protocol.js';
import type { ModelRunOptions } from '../../runtime/run-options.js';
import type { TrackedCounts } from '../../runtime/tracked-counts.js';
import type { Store } from '../../store/index.js';

/** LanguageRunOptions is the run's options object, passed on unchanged (lib/runtime/run-options.ts). */
export type { ModelRunOptions as LanguageRunOptions } from '../../runtime/run-options.js';

export interface LanguageRunResult {
  /** Rows written (null for a view). */
  readonly rows: number | null;
  /** A tracked model's delta and what became of it. */
  readonly details?: TrackedCounts;
  /** Something the user should know although the model succeeded (with its EBB_… code). */
  readonly warning?: { readonly code: EbbCode; readonly message: string };
}

/**
 * The query whose delta a tracked model sends, as far as it is known without running the model
 * (for ebb plan and ebb status): its SQL and literal parameters; or why it is not known (SQL or
 * parameters built at run time); or the error that keeps the model from being read.
 */
export type TrackedQuery =
  | { readonly sql: string; readonly params: readonly QueryParam[] }
  | { readonly unknown: string }
  | { readonly error: string };

/** What binding a model in validate's rolled-back transaction found. */
export interface BindOutcome {
  readonly problems: readonly ProjectProblem[];
  /**
   * Whether the model's table or view now exists with its columns, so its downstream models
   * can bind against it. A .star model whose rows are known only when it runs has no shape
   * on a fresh state: its downstream models are not bound (validate says so).
   */
  readonly shaped: boolean;
}

export interface Language {
  readonly name: ModelLanguage;
  /** sqlOf lists the SQL texts the model reads, with the file line each starts on (for the DAG). */
  sqlOf(model: Model): readonly ModelSql[];
  /** check finds the problems visible without a database (syntax, undefined names). */
  check(model: Model): readonly ProjectProblem[];
  /**
   * bind checks the model against its upstream models' shapes inside validate's transaction
   * (which is rolled back) and, when it can, leaves its own shape for its downstream models.
   */
  bind(store: Store, model: Model): Promise<BindOutcome>;
  /**
   * rebuild writes the model inside the caller's transaction, for `ebb plan` (which rolls it
   * back). A language whose models may have effects outside the state (a script calling an
   * API) leaves it out: plan then uses the table as the last run left it, and says so.
   */
  readonly rebuild?: (store: Store, model: Model) => Promise<void>;
  /**
   * trackedQuery is a tracked model's query, read without running it (see TrackedQuery). A
   * language without tracked models leaves it out.
   */
  readonly trackedQuery?: (model: Model) => TrackedQuery;
  /** run runs the model and writes its table (in its own transaction or transactions). */
  run(store: Store, model: Model, runId: string, options: ModelRunOptions): Promise<LanguageRunResult>;
}
