// The registry of every EBB_… code ebb emits: one row per code, saying what the code ends when
// it arises (`stops`), whether running again later may succeed with nothing changed
// (`transient`, dlt's transient vs terminal), and a one-line meaning. `EbbCode` is derived from
// it, and every error class's `code` is typed `EbbCode`, so tsc rejects a code not listed here.
//
// Adding a code is one line in ERROR_CODES below plus one row in docs/errors.md's table
// (test/error-codes.test.ts checks that the table lists exactly these codes, and that every
// `EBB_…` string in lib/ and bin/ is one of them or an environment variable).

/**
 * What an error with the code ends: `nothing` (a warning: the model succeeded), `request` (one
 * request or row failed, the model goes on), `model` (the model fails or stops sending; the run
 * goes on with the models that do not read it), `run` (the command ends).
 */
export type Stops = 'nothing' | 'request' | 'model' | 'run';

export interface CodeInfo {
  readonly stops: Stops;
  /** Running again later may succeed with nothing changed (an outage, a lock, a timeout). */
  readonly transient: boolean;
  readonly meaning: string;
}

const nothing = (meaning: string): CodeInfo => ({ stops: 'nothing', transient: false, meaning });
const request = (transient: boolean, meaning: string): CodeInfo => ({ stops: 'request', transient, meaning });
const model = (transient: boolean, meaning: string): CodeInfo => ({ stops: 'model', transient, meaning });
const run = (transient: boolean, meaning: string): CodeInfo => ({ stops: 'run', transient, meaning });

export const ERROR_CODES = {
  // Problems found in a project before anything runs (ebb validate; the model a run skips).
  EBB_DIRECTIVE: model(false, 'a directive is unknown, malformed, misplaced, repeated or has a bad value'),
  EBB_MODEL_NAME: model(false, "a model file's path is not a valid model name"),
  EBB_SQL_SYNTAX: model(false, "a model's SQL does not parse, or is not one SELECT"),
  EBB_SQL_BIND: model(
    false,
    "a model's SQL parses but does not bind (a missing table or column, a type error)",
  ),
  EBB_UNIQUE_KEY: model(false, "@unique_key names a column the model's query does not return"),
  EBB_STAR_SYNTAX: model(false, 'a .star file does not parse'),
  EBB_STAR_NAME: model(false, 'a .star file uses a name that is not defined'),
  EBB_CYCLE: model(false, 'models read each other in a circle (a model reading its own table too)'),
  EBB_PROJECT: run(false, 'a project has problems (each listed with its own code)'),
  EBB_PROJECT_FILE: run(
    false,
    'the project file (ebb.yaml) is not valid, or DuckDB refused one of its statements',
  ),
  EBB_ENV_MISSING: model(
    false,
    'a variable the project or a .star model reads is set nowhere, without a default',
  ),
  // A model while it runs.
  EBB_MODEL: model(false, 'a model failed while running (its SQL at run time, its script)'),
  EBB_UPSTREAM_FAILED: model(false, 'a model was not run because a model it reads failed'),
  EBB_DUPLICATE_KEY: model(false, "a merge or tracked model's query returned a key twice"),
  EBB_NULL_KEY: model(false, "a merge or tracked model's row has a NULL in its key"),
  EBB_COLUMNS_CHANGED: model(false, "an append model's result no longer fits its table's columns"),
  EBB_NO_TABLE: model(false, 'a model reads a model that has no table'),
  EBB_LOAD_MISSING: model(false, "a .star model's load() of a file that does not exist"),
  EBB_SHARD_SKIPPED: nothing(
    'in shard I > 0 of a sharded run, a .star model that is not tracked was not run (shard 0 runs it)',
  ),
  EBB_SHARD_MISMATCH: run(
    false,
    'a sharded state used the wrong way (another shard count, sharded beside unsharded); the fix is ebb reshard',
  ),
  EBB_NOTHING_ACKNOWLEDGED: nothing('a tracked .star model had rows to send and acknowledged none'),
  EBB_ROWS_NOT_DELIVERED: nothing(
    'a tracked model ran, but some of its rows failed or were rejected (exit 3)',
  ),
  EBB_PLAN: model(false, 'ebb plan could not plan a tracked model'),
  EBB_HOST: model(false, 'a host call of a .star model failed'),
  EBB_STORE: model(false, "storing a .star model's acknowledgements failed"),
  EBB_REPORTED: model(false, 'an error already reported at the host call that caused it'),
  EBB_INTERRUPTED: model(
    true,
    'a model was stopped by Ctrl-C (SIGINT/SIGTERM); what it acknowledged is kept',
  ),
  EBB_TIMEOUT: model(true, 'a model was stopped by ebb run --timeout; what it acknowledged is kept'),
  EBB_MODEL_LOCKED: model(true, 'the model runs in another process using the same coordinator'),
  EBB_SHARD_CONFLICT: model(
    true,
    'the model runs in another process with another shard count (or unsharded) using the same coordinator',
  ),
  EBB_COORDINATOR: model(
    true,
    'the coordinator (PostgreSQL) is unreachable or refused: the model stops sending',
  ),
  // Requests (lib/send).
  EBB_HTTP_STATUS: request(false, 'a request ended with a non-2xx status after its retries'),
  EBB_HTTP_NETWORK: request(true, 'a request got no connection (refused, reset, DNS) after its retries'),
  EBB_HTTP_TIMEOUT: request(true, 'a request got no complete response within @timeout, after its retries'),
  EBB_HTTP_CIRCUIT_OPEN: model(true, 'the model stopped sending to an origin whose requests mostly failed'),
  EBB_HTTP_RETRY_AFTER_TOO_LONG: model(true, 'the API asked to wait longer than the Retry-After cap'),
  EBB_HTTP_BAD_URL: request(false, 'a URL that is not http(s) or is malformed'),
  EBB_HTTP_INVALID_REQUEST: request(false, 'a request the HTTP client refuses to send (a bad header value)'),
  EBB_OAUTH: request(false, 'a token endpoint refused a grant or could not be reached, or a key cannot sign'),
  EBB_SEND_STOPPED: request(true, 'a request not sent (or not retried) because the run was stopping'),
  EBB_SEND_SETTINGS: run(false, 'the sender was given bad settings (a bug: please report it)'),
  EBB_SEND_NOT_READY: request(false, 'the sender was used before it was ready (a bug: please report it)'),
  EBB_SEND_INTERNAL: request(false, 'the sender failed unexpectedly (a bug: please report it)'),
  EBB_OFFLINE_RESPONSES: run(false, 'a responses.json that cannot be read'),
  EBB_OFFLINE_ABORTED: request(false, 'an offline request aborted before it was recorded'),
  EBB_OFFLINE_CLOSED: request(false, 'an offline request made after the recorder closed'),
  // The command.
  EBB_SELECTOR: run(false, 'a selector matches no model or is malformed (exit 2)'),
  EBB_USAGE: run(false, 'a bad invocation (exit 2)'),
  EBB_NO_PROJECT: run(false, 'no models/ folder here or above (exit 2)'),
  EBB_STATE_LOCKED: run(true, 'another ebb process has the state open (exit 75)'),
  EBB_STATE: run(false, 'the state cannot be opened or migrated'),
  EBB_STATE_CORRUPT: run(false, 'the state file is damaged: restore it from a backup'),
  EBB_FILESYSTEM: run(false, 'a file or folder ebb must create or read cannot be'),
  EBB_TEST_LAYOUT: run(false, 'tests/ is not laid out as tests/NAME/NN_step/'),
  EBB_TEST_EXPECT_SQL: run(false, 'an expect.sql block is malformed'),
  EBB_INTERNAL: model(false, 'anything else (a bug: please report it)'),
} as const satisfies Record<`EBB_${string}`, CodeInfo>;

export type EbbCode = keyof typeof ERROR_CODES;

/** CODE names each code as a constant (`CODE.EBB_SEND_STOPPED`), so sources spell none of them. */
export const CODE = Object.freeze(
  Object.fromEntries(Object.keys(ERROR_CODES).map((c) => [c, c])) as { readonly [C in EbbCode]: C },
);

/** isEbbCode tells whether a string (a code read back from a table, a wire message) is a code. */
export function isEbbCode(code: string): code is EbbCode {
  return Object.hasOwn(ERROR_CODES, code);
}

/** codesWhere lists the codes whose row matches, in the registry's order. */
export function codesWhere(match: (info: CodeInfo) => boolean): readonly EbbCode[] {
  return (Object.keys(ERROR_CODES) as EbbCode[]).filter((c) => match(ERROR_CODES[c]));
}
