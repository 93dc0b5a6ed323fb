// The errors of offline testing: a responses file that cannot be used, and a test folder or
// expect.sql that is malformed. Each names the file (and line or entry) and what to do.

import { CODE } from '../../error-codes.js';
import { EbbError } from '../../errors.js';

/** A responses.json (or --responses FILE) that is not valid: the message names the file and entry. */
export class ResponsesFileError extends EbbError {
  readonly file: string;
  constructor(file: string, message: string) {
    super(CODE.EBB_OFFLINE_RESPONSES, `${file}: ${message}`);
    this.name = 'ResponsesFileError';
    this.file = file;
  }
}
