// PostgresCoordinator is what several ebb processes share through PostgreSQL (EBB_COORDINATOR):
// rate budgets (one row per key holding its GCRA time, leased in runs of slots — see
// lib/send/shared-limiter.ts), a lock per (project, model, shard) so a shard never runs twice —
// and a model never runs unsharded and sharded, or with two shard counts, at once —,
// and the breaker's open state per origin, so one process that finds an API down stops the
// others. Every statement is one atomic row update; the schema is created on first use under an
// advisory lock, so processes starting together do not race on it.
//
// Times: the budget's times are PostgreSQL's clock (clock_timestamp()), turned into this
// process's clock with the midpoint of the round trip, so processes on different machines agree
// on one sequence of slots whatever their own clocks say (to within half a round trip, which the
// rate limit's slack covers).

import { hostname } from 'node:os';
import pg from 'pg';
import { CoordinatorError, errorMessage } from '../errors.js';
import type { Clock } from '../send/clock.js';
import { systemClock } from '../send/clock.js';
import { SharedBreakerState, type BreakerSource, type OpenElsewhere } from '../send/shared-breaker.js';
import {
  SharedRateLimiter,
  type LayoutConflict,
  type Lease,
  type ShardLayout,
  type LeaseSource,
  type SharedLimits,
} from '../send/shared-limiter.js';

/** How long a statement may take before the coordinator counts as unreachable. */
const STATEMENT_TIMEOUT_MS = 5_000; // ms: a lease normally takes about one round trip
/** How long an origin stays open for the other processes after one opened it. */
export const SHARED_BREAKER_MS = 60_000; // ms: the time a destination is given to recover before others try

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS ebb_rate_limits (
     key text PRIMARY KEY, interval_ms double precision NOT NULL, tat_ms double precision NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS ebb_breakers (
     origin text PRIMARY KEY, opened_at timestamptz NOT NULL, reason text NOT NULL)`,
  // Added after the table first shipped: a coordinator created by an earlier ebb gains them.
  `ALTER TABLE ebb_breakers ADD COLUMN IF NOT EXISTS opened_by text NOT NULL DEFAULT '',
     ADD COLUMN IF NOT EXISTS last_error text NOT NULL DEFAULT ''`,
];

/** This process as the breaker rows name it, so a user can find the one that saw the outage. */
const THIS_PROCESS = `pid ${process.pid} on ${hostname()}`;

/**
 * LEASE reserves $3 slots of key $1 spaced $2 ms apart: from the key's theoretical time, or from
 * now + $4 ms when that has passed (no credit for idle time, so no burst; the lead is about one
 * round trip, so the first slot is not already past when the answer arrives). A key nobody is
 * using takes the interval asked for; one in use keeps its own, and the caller refuses a
 * different one.
 */
const LEASE = `
  WITH now AS (SELECT extract(epoch FROM clock_timestamp())::double precision * 1000 AS ms),
       ask AS (SELECT $1::text AS key, $2::double precision AS interval_ms, $3::integer AS slots,
                      $4::double precision AS lead_ms)
  INSERT INTO ebb_rate_limits AS r (key, interval_ms, tat_ms)
  SELECT ask.key, ask.interval_ms, now.ms + ask.lead_ms + ask.slots * ask.interval_ms FROM now, ask
  ON CONFLICT (key) DO UPDATE SET
    interval_ms = CASE WHEN r.tat_ms < (SELECT ms FROM now) THEN excluded.interval_ms ELSE r.interval_ms END,
    tat_ms = GREATEST(r.tat_ms, (SELECT ms + lead_ms FROM now, ask))
      + (SELECT slots FROM ask)
      * CASE WHEN r.tat_ms < (SELECT ms FROM now) THEN excluded.interval_ms ELSE r.interval_ms END
  RETURNING tat_ms - $3::integer * interval_ms AS first_ms, interval_ms, (SELECT ms FROM now) AS now_ms`;

/** The least lead given to a lease's first slot when the key is idle (ms). */
const MIN_LEAD_MS = 2;

/**
 * LAYOUT_OTHERS lists the shard counts other than $2 that runs of the model $1 hold now: each run
 * holds the shared advisory lock (hashtext($1), count), which pg_locks shows as classid (the
 * first key, unsigned) and objid (the count). Two models whose names hash alike would only refuse
 * each other while run with different counts at once: 1 chance in 2^32 per pair.
 */
const LAYOUT_OTHERS = `
  SELECT DISTINCT objid::bigint AS count FROM pg_locks
   WHERE locktype = 'advisory' AND objsubid = 2 AND granted
     AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
     AND classid::bigint = (hashtext($1)::bigint + 4294967296) % 4294967296
     AND objid::bigint <> $2::bigint
   ORDER BY 1`;

/** layoutConflict joins `layout` on `client` and returns the other counts in use, if any. */
async function layoutConflict(
  client: pg.PoolClient,
  layout: ShardLayout,
): Promise<LayoutConflict | undefined> {
  const group = `ebb layout ${layout.group}`;
  await client.query('SELECT pg_advisory_lock_shared(hashtext($1), $2::integer)', [group, layout.count]);
  const r = await client.query<{ count: string }>(LAYOUT_OTHERS, [group, layout.count]);
  return r.rows.length === 0 ? undefined : { counts: r.rows.map((x) => Number(x.count)) };
}

export class PostgresCoordinator {
  readonly #pool: pg.Pool;
  readonly #clock: Clock;
  readonly #locks = new Map<string, pg.PoolClient>();
  /** Breaker openings being written: close() waits for them, so a run that stops at once still tells. */
  readonly #telling = new Set<Promise<void>>();
  /** PostgreSQL's clock minus this process's, from the quickest round trip so far (the least error). */
  #offset = 0;
  #bestRoundTrip = Infinity;

  private constructor(pool: pg.Pool, clock: Clock) {
    this.#pool = pool;
    this.#clock = clock;
  }

  /** connect opens a pool to `url` and makes sure the coordinator's tables exist. */
  static async connect(url: string, clock: Clock = systemClock): Promise<PostgresCoordinator> {
    const pool = new pg.Pool({
      connectionString: url,
      max: 4,
      connectionTimeoutMillis: STATEMENT_TIMEOUT_MS,
      query_timeout: STATEMENT_TIMEOUT_MS,
    });
    // A connection that breaks (the coordinator stopping) is reported as an 'error' event: on the
    // pool for an idle client, on the client itself while it is checked out. Either way the
    // statement in flight fails (a CoordinatorError); the event must not crash the process.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    const c = new PostgresCoordinator(pool, clock);
    await c.#run('create the coordinator tables', async (client) => {
      await client.query('BEGIN');
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('ebb_coordinator_schema'))`);
      for (const sql of SCHEMA) await client.query(sql);
      await client.query('COMMIT');
    });
    return c;
  }

  /** sharedLimits is this coordinator as a run of `project` uses it: rate budgets, locks, breakers. */
  sharedLimits(project: string): SharedLimits {
    return {
      project,
      limiter: (key, intervalMs, toleranceMs) =>
        new SharedRateLimiter(this.leaseSource(key, intervalMs), intervalMs, toleranceMs, this.#clock),
      lock: (name, layout) => this.lock(name, layout),
      unlock: (name) => this.unlock(name),
      breakerState: () => new SharedBreakerState(this.breakerSource(), this.#clock),
    };
  }

  /** breakerSource is the breakers' table for a SharedBreakerState. */
  breakerSource(): BreakerSource {
    return {
      read: (origin) => this.breakerOpen(origin),
      open: (origin, why, lastError) => {
        const telling = this.openBreaker(origin, why, lastError);
        const settled = telling.then(
          () => undefined,
          () => undefined,
        );
        this.#telling.add(settled);
        void settled.then(() => this.#telling.delete(settled));
        return telling;
      },
    };
  }

  /** leaseSource is the shared budget `key` for a SharedRateLimiter, one slot every `intervalMs`. */
  leaseSource(key: string, intervalMs: number): LeaseSource {
    return { lease: (slots) => this.lease(key, intervalMs, slots) };
  }

  /** lease reserves `slots` consecutive slots of `key`, in this process's clock. */
  async lease(key: string, intervalMs: number, slots: number): Promise<Lease> {
    const t0 = this.#clock.now();
    const row = await this.#run(`lease from rate limit "${key}"`, async (client) => {
      const lead = Number.isFinite(this.#bestRoundTrip)
        ? Math.max(MIN_LEAD_MS, this.#bestRoundTrip)
        : MIN_LEAD_MS;
      const r = await client.query<{ first_ms: number; interval_ms: number; now_ms: number }>(LEASE, [
        key,
        intervalMs,
        slots,
        lead,
      ]);
      return r.rows[0]!;
    });
    const t1 = this.#clock.now();
    if (Math.abs(row.interval_ms - intervalMs) > intervalMs * 0.001) {
      throw new CoordinatorError(
        `rate limit "${key}" is in use at one request every ${row.interval_ms.toFixed(3)} ms, ` +
          `and this model asks for one every ${intervalMs.toFixed(3)} ms: give every model that shares the key the same @rate_limit`,
      );
    }
    if (t1 - t0 < this.#bestRoundTrip) {
      this.#bestRoundTrip = t1 - t0;
      this.#offset = row.now_ms - (t0 + t1) / 2;
    }
    return { first: row.first_ms - this.#offset, intervalMs: row.interval_ms, count: slots };
  }

  /**
   * lock takes the lock `name` for as long as this coordinator is open (or until unlock): false
   * when another process holds it. A process that dies loses its connection, and the lock with it.
   * With `layout`, the same connection also takes a shared lock on (model, shard count) and
   * refuses, letting both go, when another process holds one of the model with another count
   * (layoutConflict). Taking before looking means two runs of different counts starting together
   * cannot both miss each other: at worst both are refused.
   */
  async lock(name: string, layout?: ShardLayout): Promise<boolean | LayoutConflict> {
    if (this.#locks.has(name)) return true;
    const client = await this.#connect(`lock "${name}"`);
    try {
      const r = await client.query<{ ok: boolean }>(
        'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok',
        [name],
      );
      if (r.rows[0]?.ok !== true) {
        client.release();
        return false;
      }
      const conflict = layout === undefined ? undefined : await layoutConflict(client, layout);
      if (conflict !== undefined) {
        await client.query('SELECT pg_advisory_unlock_all()');
        client.release();
        return conflict;
      }
    } catch (err) {
      client.release(true);
      throw new CoordinatorError(`cannot take the lock "${name}": ${errorMessage(err)}`, err);
    }
    this.#locks.set(name, client);
    return true;
  }

  async unlock(name: string): Promise<void> {
    const client = this.#locks.get(name);
    if (!client) return;
    this.#locks.delete(name);
    // The client holds this lock and its layout's only.
    await client.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
    client.release();
  }

  /**
   * openBreaker tells the other processes that `origin` is down (for SHARED_BREAKER_MS): `why`
   * completes "found it down …", `lastError` is the error that opened it (already redacted).
   */
  async openBreaker(origin: string, why: string, lastError: string): Promise<void> {
    await this.#run(`open the breaker of ${origin}`, (client) =>
      client.query(
        `INSERT INTO ebb_breakers (origin, opened_at, reason, opened_by, last_error)
         VALUES ($1, clock_timestamp(), $2, $3, $4)
         ON CONFLICT (origin) DO UPDATE SET opened_at = excluded.opened_at, reason = excluded.reason,
           opened_by = excluded.opened_by, last_error = excluded.last_error`,
        [origin, why, THIS_PROCESS, lastError],
      ),
    );
  }

  /** breakerOpen is who opened `origin` and why, when it was less than SHARED_BREAKER_MS ago; else null. */
  async breakerOpen(origin: string): Promise<OpenElsewhere | null> {
    const r = await this.#run(`read the breaker of ${origin}`, (client) =>
      client.query<{ reason: string; opened_by: string; last_error: string }>(
        `SELECT reason, opened_by, last_error FROM ebb_breakers WHERE origin = $1
           AND opened_at > clock_timestamp() - make_interval(secs => $2::double precision / 1000)`,
        [origin, SHARED_BREAKER_MS],
      ),
    );
    const row = r.rows[0];
    if (row === undefined) return null;
    return {
      by: row.opened_by === '' ? 'unknown' : row.opened_by,
      why: row.reason,
      lastError: row.last_error === '' ? 'unknown' : row.last_error,
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.#telling]);
    for (const name of [...this.#locks.keys()]) await this.unlock(name);
    await this.#pool.end().catch(() => undefined);
  }

  async #connect(what: string): Promise<pg.PoolClient> {
    try {
      return await this.#pool.connect();
    } catch (err) {
      throw new CoordinatorError(`coordinator: cannot ${what}: ${errorMessage(err)}`, err);
    }
  }

  /** #run runs `fn` with a pooled client; any failure is the coordinator being unreachable or refusing. */
  async #run<T>(what: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#connect(what);
    try {
      return await fn(client);
    } catch (err) {
      if (err instanceof CoordinatorError) throw err;
      await client.query('ROLLBACK').catch(() => undefined);
      throw new CoordinatorError(`coordinator: cannot ${what}: ${errorMessage(err)}`, err);
    } finally {
      client.release();
    }
  }
}
