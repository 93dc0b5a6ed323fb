// runStep runs one step of a snapshot test: the project's models, on the test's scratch state,
// reading files through the step's overlay, with every request recorded instead of sent; then
// the recorded requests are compared with the golden file and expect.sql is checked.

import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { RecordingTransport, Responses, loadResponses } from '../send/offline/index.js';
import { execute, missingRefs, planRun, setupOf, type ModelResult } from '../run/index.js';
import { ProjectError } from '../errors.js';
import { loadProject } from '../project/index.js';
import { setProjectKey, Store } from '../store/index.js';
import { EXPECT_FILE, GOLDEN_FILE, RESPONSES_FILE, type TestStep } from './discover.js';
import { parseExpectSql, runExpectations, updateExpectSql, type QueryOutcome } from './expect-sql.js';
import { compareRequests, type RequestDifference } from './golden.js';
import { buildOverlay } from './overlay.js';
import { VirtualClock } from '../runtime/virtual-clock.js';
import { offlineRedactor } from './redactor.js';
import { TEST_ENV_FILE } from './test-env.js';
import { sealDuckDB } from './seal.js';
import { TEST_PROJECT_KEY } from './test-key.js';

export interface StepResult {
  readonly test: string;
  readonly step: string;
  readonly status: 'pass' | 'fail';
  /** --update rewrote the step's golden files. */
  readonly updated: boolean;
  readonly requests: number;
  /** Requests in the golden file; null when there is none. */
  readonly expected_requests: number | null;
  readonly differences: readonly RequestDifference[];
  readonly difference_count: number;
  readonly expectations: readonly QueryOutcome[];
  /** Each model's outcome in the step. */
  readonly models: ReadonlyArray<Pick<ModelResult, 'model' | 'status' | 'error' | 'details'>>;
  /** Why the step failed besides request differences and expectations (a model error, no golden file). */
  readonly problems: readonly string[];
  /** Lines the models printed. */
  readonly output: readonly string[];
  readonly duration_ms: number;
}

export interface StepContext {
  /** The project's root (the step's files are laid over it). */
  readonly root: string;
  readonly test: string;
  /** The test's scratch folder (its state database lives here). */
  readonly scratch: string;
  readonly statePath: string;
  readonly env: NodeJS.ProcessEnv;
  readonly update: boolean;
  /** The project's path to the step, for messages (tests/NAME/01_step). */
  readonly shown: string;
  readonly signal?: AbortSignal | undefined;
}

export async function runStep(sc: StepContext, step: TestStep, index: number): Promise<StepResult> {
  const t0 = performance.now();
  const overlay = join(sc.scratch, `files-${index}`);
  buildOverlay(sc.root, step.dir, overlay);
  const recorded = join(sc.scratch, `requests-${index}.ndjson`);
  const output: string[] = [];
  const { results, expectations } = await runInOverlay(sc, step, overlay, recorded, output);
  const problems: string[] = [];
  for (const r of results)
    if (failsStep(r))
      problems.push(`${r.model} ${r.status === 'skipped' ? 'was skipped' : 'failed'}: ${r.error ?? ''}`);
  const { comparison, expectedRequests } = await checkGolden(sc, step, recorded, problems);
  const failed = problems.length > 0 || comparison.differenceCount > 0 || expectations.some((e) => !e.ok);
  return {
    test: sc.test,
    step: step.name,
    status: failed ? 'fail' : 'pass',
    updated: sc.update,
    requests: comparison.actualCount,
    expected_requests: expectedRequests,
    differences: expectedRequests === null ? [] : comparison.differences,
    difference_count: expectedRequests === null ? 0 : comparison.differenceCount,
    expectations,
    models: results.map((r) => ({
      model: r.model,
      status: r.status,
      ...(r.error === undefined ? {} : { error: r.error }),
      ...(r.details ? { details: r.details } : {}),
    })),
    problems,
    output,
    duration_ms: Math.round(performance.now() - t0),
  };
}

/**
 * runInOverlay runs the step's project (models, libraries and .env as the step sees them) on
 * the test's state with requests recorded to `recorded`, then checks the step's expect.sql.
 */
async function runInOverlay(
  sc: StepContext,
  step: TestStep,
  overlay: string,
  recorded: string,
  output: string[],
): Promise<{ results: readonly ModelResult[]; expectations: QueryOutcome[] }> {
  const responsesFile = join(step.dir, RESPONSES_FILE);
  const responses = existsSync(responsesFile) ? loadResponses(responsesFile) : new Responses();
  const project = loadProject(overlay);
  const setup = setupOf(project, sc.env);
  if (setup && setup.missing.length > 0) throw new ProjectError(missingRefs(project, setup.missing));
  // DuckDB resolves a relative path against the process's working folder before its
  // file_search_path: from the project's root, `extracts/x.csv` would be the project's file,
  // not the step's. So the step runs with the overlay as working folder (`ebb test` is a
  // process of its own; steps never run concurrently).
  const cwd = process.cwd();
  process.chdir(overlay);
  const store = await Store.open({
    path: sc.statePath,
    root: overlay,
    ...(setup === undefined ? {} : { setup: setup.steps }),
  }).catch((err: unknown) => {
    process.chdir(cwd);
    throw err;
  });
  try {
    await setProjectKey(store, TEST_PROJECT_KEY);
    await sealDuckDB(store);
    const plan = await planRun({ project, statePath: sc.statePath, setup }, store, []);
    const redactor = offlineRedactor(project, sc.env);
    const transport = new RecordingTransport({
      file: recorded,
      responses,
      redact: (t) => redactor.redact(t),
      learn: (secret) => redactor.add(secret),
    });
    let results: readonly ModelResult[];
    try {
      const summary = await execute(store, plan, {
        env: sc.env,
        transport,
        clock: new VirtualClock(),
        envSources: `the test's environment (${dirname(sc.shown)}/${TEST_ENV_FILE}) and the step's .env`,
        signal: sc.signal,
        onPrint: (model, line) => output.push(`${model.name}: ${line}`),
      });
      results = summary.results;
    } finally {
      await transport.close();
    }
    return { results, expectations: await checkExpectations(sc, step, store) };
  } finally {
    store.close();
    process.chdir(cwd);
  }
}

/** checkExpectations runs the step's expect.sql, if it has one (and rewrites it with --update). */
async function checkExpectations(sc: StepContext, step: TestStep, store: Store): Promise<QueryOutcome[]> {
  const expectPath = join(step.dir, EXPECT_FILE);
  if (!existsSync(expectPath)) return [];
  const expect = parseExpectSql(`${sc.shown}/${EXPECT_FILE}`, readFileSync(expectPath, 'utf8'));
  const expectations = await runExpectations(store, expect);
  if (!sc.update) return expectations;
  writeFileSync(expectPath, updateExpectSql(expect, expectations));
  return expectations.map((e) => (e.actual ? { line: e.line, sql: e.sql, ok: true, actual: e.actual } : e));
}

/**
 * checkGolden compares the recorded requests with the step's golden file (or, with --update,
 * writes it from them); a missing golden file is a problem of the step.
 */
async function checkGolden(
  sc: StepContext,
  step: TestStep,
  recorded: string,
  problems: string[],
): Promise<{ comparison: Awaited<ReturnType<typeof compareRequests>>; expectedRequests: number | null }> {
  const golden = join(step.dir, GOLDEN_FILE);
  const comparison = await compareRequests(golden, recorded);
  if (sc.update) {
    copyFileSync(recorded, golden);
    return {
      comparison: {
        ...comparison,
        expectedCount: comparison.actualCount,
        differences: [],
        differenceCount: 0,
      },
      expectedRequests: comparison.actualCount,
    };
  }
  if (!existsSync(golden)) {
    const n = comparison.actualCount;
    problems.push(
      `${sc.shown}/${GOLDEN_FILE} does not exist: run ebb test --update to write it from this run (${n} ${n === 1 ? 'request' : 'requests'})`,
    );
    return { comparison, expectedRequests: null };
  }
  return { comparison, expectedRequests: comparison.expectedCount };
}

/**
 * failsStep tells whether a model's outcome fails the step. Rows whose requests failed (a 500
 * from responses.json) make the model's run fail as they would in production, but that is
 * what such a step tests (with expect.sql on _ebb.failures), so they alone do not fail it.
 */
function failsStep(r: ModelResult): boolean {
  if (r.status === 'ok') return false;
  return !(r.status === 'error' && (r.details?.['failed'] ?? 0) > 0);
}
