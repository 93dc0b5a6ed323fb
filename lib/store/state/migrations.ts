// Migrations of ebb's own schema `_ebb`. Append only: a released migration never changes.

export interface Migration {
  readonly version: number;
  readonly statements: readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    statements: [
      `CREATE TABLE _ebb.runs (
         run_id VARCHAR NOT NULL,
         model VARCHAR NOT NULL,
         kind VARCHAR NOT NULL,
         status VARCHAR NOT NULL,
         rows BIGINT,
         duration_ms BIGINT NOT NULL,
         error VARCHAR,
         started_at TIMESTAMPTZ NOT NULL,
         finished_at TIMESTAMPTZ NOT NULL,
         details JSON
       )`,
    ],
  },
  {
    version: 2,
    statements: [
      // One row per tracked model: the version of the hash function its stored rows carry.
      `CREATE TABLE _ebb.tracked (
         model VARCHAR PRIMARY KEY,
         hash_version INTEGER NOT NULL,
         updated_at TIMESTAMPTZ NOT NULL
       )`,
    ],
  },
  {
    version: 3,
    statements: [
      // The stable code (EBB_…) of a model run's error, beside its message.
      `ALTER TABLE _ebb.runs ADD COLUMN error_code VARCHAR`,
      // Rows of tracked models whose requests failed after retries: not acknowledged, so the
      // next run sends them again; an entry is cleared when its key is delivered.
      `CREATE TABLE _ebb.failures (
         model VARCHAR NOT NULL,
         key VARCHAR NOT NULL,
         change VARCHAR NOT NULL,
         method VARCHAR NOT NULL,
         url VARCHAR NOT NULL,
         status INTEGER,
         error VARCHAR NOT NULL,
         attempts INTEGER NOT NULL,
         first_failed_at TIMESTAMPTZ NOT NULL,
         last_failed_at TIMESTAMPTZ NOT NULL,
         run_id VARCHAR NOT NULL,
         PRIMARY KEY (model, key)
       )`,
    ],
  },
  {
    version: 4,
    statements: [
      // The @unique_key a tracked model's stored rows are keyed by (a JSON list of lower-cased
      // names): a model whose key changes must start over, even when the new key's column is
      // in the table too. NULL for rows written before: the next run records the current key.
      `ALTER TABLE _ebb.tracked ADD COLUMN unique_key VARCHAR`,
    ],
  },
  {
    version: 5,
    statements: [
      // Models a --full-refresh is to reset, written before any reset and cleared with each
      // model's own reset: a run killed in between leaves the rest for the next run to finish.
      `CREATE TABLE _ebb.refresh (
         model VARCHAR PRIMARY KEY,
         requested_at TIMESTAMPTZ NOT NULL
       )`,
    ],
  },
  {
    version: 6,
    statements: [
      // The project's own secret (32 random bytes, hex), which keys every Idempotency-Key:
      // written on first use by ./project-key.ts.
      `CREATE TABLE IF NOT EXISTS _ebb.project (name VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)`,
    ],
  },
  {
    version: 7,
    statements: [
      // Per-record outcomes: a failure is 'failed' (transient: sent again next run) or
      // 'rejected' (the API refused the record: not sent again while the query's row keeps the
      // hash it had, row_hash, unless `ebb retry`). Entries written before were failed requests.
      `ALTER TABLE _ebb.failures ADD COLUMN kind VARCHAR DEFAULT 'failed'`,
      `ALTER TABLE _ebb.failures ADD COLUMN row_hash UBIGINT`,
    ],
  },
  {
    version: 8,
    statements: [
      // The request log (./requests.ts): one row per attempt of a model's request, URL and
      // bodies redacted and cut; the last successes per model and every failed one are kept.
      `CREATE TABLE _ebb.requests (
         run_id VARCHAR NOT NULL,
         model VARCHAR NOT NULL,
         sent_at TIMESTAMPTZ NOT NULL,
         method VARCHAR NOT NULL,
         url VARCHAR NOT NULL,
         status INTEGER,
         error VARCHAR,
         attempt INTEGER NOT NULL,
         failed BOOLEAN NOT NULL,
         latency_ms DOUBLE NOT NULL,
         request_body VARCHAR,
         response_body VARCHAR
       )`,
    ],
  },
  {
    version: 9,
    statements: [
      // Key shards (ebb run --shard I/N): the shard a state file holds the keys of, one row,
      // written by the first sharded run (or ebb reshard); none in an unsharded state.
      `CREATE TABLE _ebb.shard (
         shard_index INTEGER NOT NULL,
         shard_count INTEGER NOT NULL,
         recorded_at TIMESTAMPTZ NOT NULL
       )`,
    ],
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
