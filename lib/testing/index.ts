// ebb's offline testing: snapshot tests (`ebb test`) and the scratch state of `ebb run --offline`.

export { runTests, type TestRunOptions, type TestResult } from './runner.js';
export { runStep, type StepResult } from './run-step.js';
export {
  discoverTests,
  GOLDEN_FILE,
  RESPONSES_FILE,
  EXPECT_FILE,
  type TestCase,
  type TestStep,
} from './discover.js';
export { buildOverlay, stepFiles } from './overlay.js';
export {
  compareRequests,
  describeDifference,
  diffValues,
  type RequestDifference,
  type RequestComparison,
} from './golden.js';
export {
  parseExpectSql,
  runExpectations,
  updateExpectSql,
  compareTables,
  parseCsvLine,
  formatCsvLine,
  type ExpectFile,
  type QueryOutcome,
} from './expect-sql.js';
export { TestLayoutError, ExpectSqlError } from './errors.js';
export { offlineRedactor } from './redactor.js';
export { sealDuckDB } from './seal.js';
