// A snapshot test's environment: what env.get() sees in `ebb test` is the test's own file,
// tests/NAME/env (dotenv format: NAME=value lines), and a step's own .env over it — never the
// project's .env nor the variables of the shell or CI that runs the test. So a golden file
// does not depend on who runs it: written on a laptop with a .env, it passes in CI where the
// same variables come from the environment.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'dotenv';

/** The file of a test's environment, in its folder. */
export const TEST_ENV_FILE = 'env';

/** testEnv reads tests/NAME/env (absent: an empty environment). */
export function testEnv(testDir: string): Record<string, string> {
  const path = join(testDir, TEST_ENV_FILE);
  return existsSync(path) ? parse(readFileSync(path)) : {};
}
