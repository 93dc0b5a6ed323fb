// discoverTests finds a project's snapshot tests: tests/NAME/ folders, each a sequence of step
// folders whose names start with a number (01_initial/, 02_changes/, …), run in that order.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { closest } from '../suggest.js';
import { TestLayoutError } from './errors.js';

export interface TestStep {
  /** The folder name, e.g. "01_initial". */
  readonly name: string;
  readonly dir: string;
}

export interface TestCase {
  readonly name: string;
  readonly dir: string;
  readonly steps: readonly TestStep[];
}

/** The files of a step folder that drive the step; every other file shadows a project file. */
export const GOLDEN_FILE = 'requests.ndjson';
export const RESPONSES_FILE = 'responses.json';
export const EXPECT_FILE = 'expect.sql';
export const CONTROL_FILES: ReadonlySet<string> = new Set([GOLDEN_FILE, RESPONSES_FILE, EXPECT_FILE]);

const STEP = /^(\d+)[_-]/;

/** discoverTests lists tests/NAME/ of the project (all, or those named), with their steps. */
export function discoverTests(root: string, names: readonly string[] = []): TestCase[] {
  const testsDir = join(root, 'tests');
  if (!existsSync(testsDir)) {
    throw new TestLayoutError(
      `no tests: ${testsDir} does not exist (a test is tests/NAME/01_step/ holding requests.ndjson)`,
    );
  }
  const all = readdirSync(testsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort();
  for (const n of names) {
    if (!all.includes(n)) {
      const near = closest(n, all);
      throw new TestLayoutError(
        `no test "${n}" in ${testsDir}${near ? ` (did you mean "${near}"?)` : ''}; tests: ${all.join(', ') || 'none'}`,
        2,
      );
    }
  }
  const chosen = names.length === 0 ? all : all.filter((n) => names.includes(n));
  const tests = chosen.map((name) => ({
    name,
    dir: join(testsDir, name),
    steps: stepsOf(join(testsDir, name)),
  }));
  if (tests.length === 0)
    throw new TestLayoutError(
      `no tests in ${testsDir} (a test is tests/NAME/01_step/ holding requests.ndjson)`,
    );
  return tests;
}

function stepsOf(dir: string): TestStep[] {
  const steps = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && STEP.test(d.name))
    .map((d) => ({ name: d.name, dir: join(dir, d.name), n: Number(STEP.exec(d.name)![1]) }))
    .sort((a, b) => a.n - b.n || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (steps.length === 0) {
    throw new TestLayoutError(
      `${dir} has no step folders: name them by their order, e.g. 01_initial/, 02_changes/`,
    );
  }
  return steps.map(({ name, dir: d }) => ({ name, dir: d }));
}
