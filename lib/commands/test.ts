// `ebb test [tests…]`: run the project's snapshot tests (tests/NAME/NN_step/) offline and
// report each step; `--update` writes the golden files; `--json` prints one line per step and
// one per test. Exit 0 when every step passed, 1 otherwise, 130 after Ctrl-C.

import { openContext, formatSeconds } from '../run/index.js';
import { describeDifference, runTests, type StepResult, type TestResult } from '../testing/index.js';
import { guarded, type GlobalOptions, type IO } from './io.js';
import { INTERRUPTED_EXIT } from './run.js';

export interface TestOptions extends GlobalOptions {
  readonly names: readonly string[];
  readonly update?: boolean | undefined;
}

export function testCommand(options: TestOptions, io: IO): Promise<number> {
  // Ctrl-C stops the step that runs (as `ebb run` does) so the scratch states are removed.
  const stop = new AbortController();
  const onSignal = () => {
    if (stop.signal.aborted) process.exit(INTERRUPTED_EXIT);
    io.stderr('\nStopping after the current step (Ctrl-C again quits at once)…\n');
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return guarded(io, async () => {
    const ctx = openContext(options);
    const results = await runTests({
      signal: stop.signal,
      project: ctx.project,
      names: options.names,
      update: options.update ?? false,
      onStep: (step) => {
        io.stderr(stepLines(step).join('\n') + '\n');
        if (options.json) io.stdout(JSON.stringify({ type: 'step', ...step }) + '\n');
      },
    });
    for (const t of results) {
      if (options.json) {
        io.stdout(
          JSON.stringify({
            type: 'test',
            test: t.test,
            status: t.status,
            steps: t.steps.length,
            failed: t.steps.filter((s) => s.status === 'fail').length,
            duration_ms: t.duration_ms,
          }) + '\n',
        );
      }
    }
    io.stderr(summary(results) + '\n');
    if (stop.signal.aborted) return INTERRUPTED_EXIT;
    return results.every((t) => t.status === 'pass') ? 0 : 1;
  }).finally(() => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  });
}

/** The most differences of one step printed; --json has them all (up to the comparison's limit). */
const SHOWN = 10;

/** stepLines renders one step: a PASS/FAIL line, then what differs. */
export function stepLines(s: StepResult): string[] {
  const label = s.status === 'fail' ? 'FAIL' : s.updated ? 'UPDATE' : 'PASS';
  const counts =
    s.expected_requests === null || s.expected_requests === s.requests
      ? `${s.requests} ${s.requests === 1 ? 'request' : 'requests'}`
      : `${s.requests} requests, ${s.expected_requests} expected`;
  const out = [`${label.padEnd(7)}${s.test}/${s.step}   ${counts}   ${formatSeconds(s.duration_ms)}`];
  const detail = (line: string) => out.push(`       ${line}`);
  for (const p of s.problems) detail(p);
  for (const d of s.differences.slice(0, SHOWN)) detail(describeDifference(d));
  if (s.difference_count > SHOWN)
    detail(`… ${s.difference_count - SHOWN} more differences (--json lists the first 20)`);
  for (const e of s.expectations) if (!e.ok && e.message) detail(e.message);
  if (s.status === 'fail' && s.output.length > 0) {
    detail('models printed:');
    for (const line of s.output.slice(-20)) detail(`  ${line}`);
  }
  return out;
}

function summary(results: readonly TestResult[]): string {
  const steps = results.flatMap((t) => t.steps);
  const failed = results.filter((t) => t.status === 'fail').length;
  const ms = results.reduce((n, t) => n + t.duration_ms, 0);
  const tests = `${results.length} ${results.length === 1 ? 'test' : 'tests'}`;
  return `${tests} (${steps.length} ${steps.length === 1 ? 'step' : 'steps'}): ${results.length - failed} passed, ${failed} failed in ${formatSeconds(ms)}.`;
}
