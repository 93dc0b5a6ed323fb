// migrateState brings ebb's own schema `_ebb` to this release's version (migrations.ts), each
// migration in a transaction of its own, recorded in `_ebb.meta`. It is given the few
// statements it needs rather than the Store, so store.ts can call it without a cycle.

import { StateError } from '../../errors.js';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';

/** What migrating needs from the Store. */
export interface MigrationTarget {
  readonly path: string;
  exec(sql: string, params?: readonly string[]): Promise<void>;
  query(sql: string): Promise<Array<Record<string, unknown>>>;
  transaction<T>(fn: () => Promise<T>): Promise<T>;
}

export async function migrateState(store: MigrationTarget): Promise<void> {
  await store.exec('CREATE SCHEMA IF NOT EXISTS _ebb');
  await store.exec('CREATE TABLE IF NOT EXISTS _ebb.meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)');
  const rows = await store.query(`SELECT value FROM _ebb.meta WHERE key = 'schema_version'`);
  const current = rows.length === 0 ? 0 : Number(rows[0]!['value']);
  if (current > SCHEMA_VERSION) {
    throw new StateError(
      `state ${store.path} has schema version ${current}, newer than this ebb understands (${SCHEMA_VERSION}); upgrade ebb`,
    );
  }
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    await store.transaction(async () => {
      for (const sql of m.statements) await store.exec(sql);
      await store.exec(`INSERT OR REPLACE INTO _ebb.meta VALUES ('schema_version', ?)`, [String(m.version)]);
    });
  }
}
