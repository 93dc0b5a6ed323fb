// The errors of `ebb test`: a tests/ folder laid out wrongly, an expect.sql that cannot be read
// as queries and expected results. Each names the file (and line) and what to do.

import { CODE } from '../error-codes.js';
import { EbbError } from '../errors.js';

/** tests/ does not hold what `ebb test` needs (no tests, a test without steps, an unknown name). */
export class TestLayoutError extends EbbError {
  constructor(message: string, exitCode: 1 | 2 = 1) {
    super(CODE.EBB_TEST_LAYOUT, message, { exitCode });
    this.name = 'TestLayoutError';
  }
}

/** An expect.sql that cannot be parsed: the message starts with file:line. */
export class ExpectSqlError extends EbbError {
  constructor(file: string, line: number, message: string) {
    super(CODE.EBB_TEST_EXPECT_SQL, `${file}:${line}: ${message}`);
    this.name = 'ExpectSqlError';
  }
}
