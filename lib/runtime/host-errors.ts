// HostErrors maps a failed host call (a query DuckDB refused, rows that could not be stored) to
// the error the script sees, and remembers the last few so that a script ended by one reports
// that failure's code. The script sees host failures as its own error, at its own position: no
// file prefix, no echo of the SQL statement, no secret.

import { CODE, type EbbCode, isEbbCode } from '../error-codes.js';
import { ModelError, PROBLEM_CODES } from '../errors.js';
import { cleanDuckDBMessage, duckdbErrorKind } from '../store/index.js';
import { HostCallError, type WireError } from './channel.js';
import type { Redactor } from './secrets.js';

/** What the one-way messages store, for their error messages. */
const STORING: Readonly<Record<string, string>> = {
  'sink.rows': 'saved rows',
};

/** The code of a host failure with no more precise one. */
const HOST_CODE = CODE.EBB_HOST;

/**
 * How many failures are remembered: the one that ends a script is among the last few (the
 * script fails at the call, or at its next host call).
 */
const REMEMBERED = 16;

export class HostErrors {
  readonly #redactor: Redactor;
  readonly #recent: WireError[] = [];

  constructor(redactor: Redactor) {
    this.#redactor = redactor;
  }

  /** toError is the error the script sees for a host call `op` that failed with `err`. */
  toError(err: unknown, op: string): WireError {
    const raw = err instanceof Error ? err.message : String(err);
    const message = err instanceof ModelError ? err.detail : cleanDuckDBMessage(raw);
    const what = STORING[op];
    const wire: WireError = {
      code: codeOf(err, raw),
      message: this.#redactor.redact(what ? `storing ${what} failed: ${message}` : message),
    };
    this.#recent.push(wire);
    if (this.#recent.length > REMEMBERED) this.#recent.shift();
    return wire;
  }

  /**
   * codeFor is the code of the host call whose failure ended the script (a query whose SQL
   * does not bind, a key twice in a tracked query…), when it has a code more precise than
   * EBB_HOST; the model's code is EBB_MODEL otherwise.
   */
  codeFor(scriptError: string): EbbCode | undefined {
    for (let i = this.#recent.length - 1; i >= 0; i--) {
      const e = this.#recent[i];
      if (e !== undefined && scriptError.includes(e.message))
        return e.code === HOST_CODE ? undefined : e.code;
    }
    return undefined;
  }
}

/** codeOf is an error's own code, else the kind of DuckDB error its message names. */
function codeOf(err: unknown, raw: string): EbbCode {
  if (err instanceof HostCallError) return err.code;
  const own = (err as { code?: unknown } | null)?.code;
  if (typeof own === 'string' && isEbbCode(own)) return own;
  const kind = duckdbErrorKind(raw);
  if (kind === 'syntax') return PROBLEM_CODES.sqlSyntax;
  if (kind === 'bind') return PROBLEM_CODES.bind;
  return HOST_CODE;
}
