// runTests runs a project's snapshot tests: each test on a fresh scratch state (a DuckDB file in
// a temporary folder, removed afterwards), its steps in order on that one state, so what step
// N acknowledged is what step N+1 starts from. The project's own state is never opened.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Project } from '../project/index.js';
import { discoverTests } from './discover.js';
import { runStep, type StepResult } from './run-step.js';
import { testEnv } from './test-env.js';

export interface TestRunOptions {
  readonly project: Project;
  /** Only these tests (names of tests/NAME folders); all when empty. */
  readonly names?: readonly string[];
  /** Write the golden files (requests.ndjson, expect.sql blocks) from what ran. */
  readonly update?: boolean;
  /** Called after each step, in order. */
  readonly onStep?: (result: StepResult) => void;
  /** Aborting it (Ctrl-C) stops the step that runs, as in `ebb run`, and runs no more. */
  readonly signal?: AbortSignal | undefined;
}

export interface TestResult {
  readonly test: string;
  readonly status: 'pass' | 'fail';
  readonly steps: readonly StepResult[];
  readonly duration_ms: number;
}

export async function runTests(options: TestRunOptions): Promise<TestResult[]> {
  const root = options.project.root;
  const tests = discoverTests(root, options.names ?? []);
  const out: TestResult[] = [];
  for (const test of tests) {
    if (options.signal?.aborted) break;
    const t0 = performance.now();
    const scratch = mkdtempSync(join(tmpdir(), `ebb-test-${test.name}-`));
    const steps: StepResult[] = [];
    try {
      const statePath = join(scratch, 'state.duckdb');
      for (const [i, step] of test.steps.entries()) {
        if (options.signal?.aborted) break;
        const result = await runStep(
          {
            root,
            test: test.name,
            scratch,
            statePath,
            env: testEnv(test.dir),
            update: options.update ?? false,
            signal: options.signal,
            shown: relative(root, step.dir) || step.dir,
          },
          step,
          i + 1,
        );
        steps.push(result);
        options.onStep?.(result);
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    out.push({
      test: test.name,
      status: steps.every((s) => s.status === 'pass') ? 'pass' : 'fail',
      steps,
      duration_ms: Math.round(performance.now() - t0),
    });
  }
  return out;
}
