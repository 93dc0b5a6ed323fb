// The project's own secret, kept in its state: 32 random bytes in `_ebb.project` (made by
// migration 6, filled on first use), which key the hash behind every Idempotency-Key (lib/send/idempotency.ts). A key
// must be stable — a retry and a re-send after a crash carry the same one — and must reveal
// nothing of the request: an unkeyed hash of a body gave a 4-digit PIN in it back in
// milliseconds. Losing the state (a new state file) gives a new secret, so the keys of requests
// sent again change. `ebb test` writes a fixed key into its scratch state so goldens are stable.

import { randomBytes } from 'node:crypto';
import type { Store } from '../store.js';

const TABLE = '_ebb.project';
const NAME = 'idempotency_secret';

/**
 * projectKey reads the project's secret, creating it (random) on first use. It is read first:
 * an INSERT OR IGNORE that inserts nothing is still a write transaction (~20 ms of every run's
 * start, on the way to its first request).
 */
export async function projectKey(store: Store): Promise<Uint8Array> {
  const select = `SELECT value FROM ${TABLE} WHERE name = ?`;
  let hex = await store.scalar(select, [NAME]);
  if (hex === undefined || hex === null) {
    // Another process may make it in between: the row that stays is the one both read.
    await store.exec(`INSERT OR IGNORE INTO ${TABLE} VALUES (?, ?)`, [NAME, randomBytes(32).toString('hex')]);
    hex = await store.scalar(select, [NAME]);
  }
  return Uint8Array.from(Buffer.from(String(hex), 'hex'));
}

/** setProjectKey replaces the project's secret (a scratch state that must give stable keys). */
export async function setProjectKey(store: Store, key: Uint8Array): Promise<void> {
  await store.exec(`INSERT OR REPLACE INTO ${TABLE} VALUES (?, ?)`, [NAME, Buffer.from(key).toString('hex')]);
}
