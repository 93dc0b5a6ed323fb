// A seeded randomized differential test of the delta: it keeps its own model of the source and
// of what was delivered, mutates the source at random (tricky values included), and compares
// every delta (counts, rows, changes, .before), every deletion and the stored table with
// what the model says. Short by default; EBB_SLOW=1 runs a long one, EBB_SEED picks the seed.

import test from 'ava';
import { join } from 'node:path';
import { TrackedSession } from '../lib/detect/tracked.js';
import { loadProject } from '../lib/project/index.js';
import { Store } from '../lib/store/index.js';
import { makeProject } from './helpers/project.js';
import { prng } from './helpers/prng.js';

const STEPS = process.env['EBB_SLOW'] ? 300 : 12;
const SEED = Number(process.env['EBB_SEED'] ?? 20261129);

/** Each column: SQL literals and the canonical class of each (equal classes are not a change). */
const POOLS: Record<string, ReadonlyArray<readonly [string, string]>> = {
  s: [
    ['NULL', 'null'],
    ["''", 'e'],
    ["'a,b'", 'ab'],
    ["'a'", 'a'],
    ["'b,c'", 'bc'],
    ["'1:x=y'", 'x'],
    ["'é'", 'é'],
  ],
  d: [
    ['NULL', 'null'],
    ['1.50', '1.5'],
    ['1.5', '1.5'],
    ['2.00', '2'],
    ['2', '2'],
    ['-0.01', '-0.01'],
  ],
  f: [
    ['NULL', 'null'],
    ['0.0', '0'],
    ['-0.0', '0'],
    ["'NaN'", 'nan'],
    ["'-NaN'", 'nan'],
    ['1e-7', '1e-7'],
    ["'infinity'", 'inf'],
  ],
  ts: [
    ['NULL', 'null'],
    ["'infinity'", 'inf'],
    ["'-infinity'", '-inf'],
    ["'2026-01-02 03:04:05'", 't1'],
    ["'2026-01-02 03:04:05.000001'", 't2'],
  ],
  l: [
    ['NULL', 'null'],
    ['[]', '[]'],
    ['[1, NULL]', '[1,n]'],
    ['[1]', '[1]'],
    ['[NULL]', '[n]'],
  ],
};
const TYPES: Record<string, string> = {
  s: 'VARCHAR',
  d: 'DECIMAL(10,2)',
  f: 'DOUBLE',
  ts: 'TIMESTAMP',
  l: 'INTEGER[]',
};
const COLS = Object.keys(POOLS);

type Row = Record<string, number>; // column → index into its pool

function canonical(row: Row): string {
  return COLS.map((c) => POOLS[c]![row[c]!]![1]).join('|');
}

function randomRow(rnd: () => number): Row {
  return Object.fromEntries(COLS.map((c) => [c, Math.floor(rnd() * POOLS[c]!.length)]));
}

test(`the delta matches a model of the source over ${STEPS} random steps (seed ${SEED})`, async (t) => {
  const rnd = prng(SEED);
  const root = makeProject({ 'models/sync/t.star': '# @kind: tracked\n# @unique_key: id\n' });
  const model = loadProject(root).models[0]!;
  const store = await Store.open({ path: join(root, 'state', 'ebb.duckdb'), root });
  t.teardown(() => store.close());
  const source = new Map<number, Row>();
  const delivered = new Map<number, Row>();
  const select = `SELECT id, ${COLS.join(', ')} FROM src ; -- the source`;
  for (let step = 0; step < STEPS; step++) {
    const where = `step ${step} (seed ${SEED})`;
    // Mutate: insert, update one column, delete.
    for (let i = 0, n = 1 + Math.floor(rnd() * 8); i < n; i++) {
      const op = rnd();
      const keys = [...source.keys()];
      if (op < 0.4 || keys.length === 0) source.set(1 + Math.floor(rnd() * 40), randomRow(rnd));
      else if (op < 0.8) {
        const row = { ...source.get(keys[Math.floor(rnd() * keys.length)]!)! };
        const c = COLS[Math.floor(rnd() * COLS.length)]!;
        row[c] = Math.floor(rnd() * POOLS[c]!.length);
        source.set(keys[Math.floor(rnd() * keys.length)]!, row);
      } else source.delete(keys[Math.floor(rnd() * keys.length)]!);
    }
    const values = [...source].map(
      ([id, r]) => `(${id}, ${COLS.map((c) => `${POOLS[c]![r[c]!]![0]}::${TYPES[c]}`).join(', ')})`,
    );
    await store.exec(
      values.length > 0
        ? `CREATE OR REPLACE TABLE src AS SELECT * FROM (VALUES ${values.join(', ')}) v(id, ${COLS.join(', ')})`
        : `CREATE OR REPLACE TABLE src AS SELECT 0 AS id, ${COLS.map((c) => `NULL::${TYPES[c]} AS ${c}`).join(', ')} LIMIT 0`,
    );
    if (rnd() < 0.1 && delivered.size > 0) {
      // An engine or design upgrade: stored hashes are stale and must be recomputed from content.
      await store.exec("UPDATE _ebb.tracked SET hash_version = 0 WHERE model = 'sync.t'");
      await store.exec('UPDATE sync.t SET _ebb_hash = 0');
    }
    const expected = { new: 0, changed: 0, deleted: 0 };
    const changes = new Map<number, string>();
    for (const [id, r] of source) {
      const was = delivered.get(id);
      if (!was) expected.new++, changes.set(id, 'new');
      else if (canonical(was) !== canonical(r)) expected.changed++, changes.set(id, 'changed');
    }
    const gone = [...delivered.keys()].filter((id) => !source.has(id)).sort((a, b) => a - b);
    expected.deleted = gone.length;

    // ebb plan's read-only session agrees and writes nothing.
    const before = await store
      .queryJson('SELECT id, _ebb_hash::VARCHAR AS h FROM sync.t ORDER BY id')
      .catch(() => []);
    const planned = new TrackedSession(store, model, `plan-${step}`, { readOnly: true });
    t.deepEqual(await planned.computeDelta(select), expected, `plan ${where}`);
    await planned.close();
    t.deepEqual(
      await store.queryJson('SELECT id, _ebb_hash::VARCHAR AS h FROM sync.t ORDER BY id').catch(() => []),
      before,
      `plan wrote, ${where}`,
    );

    const session = new TrackedSession(store, model, `run-${step}`);
    t.deepEqual(await session.computeDelta(select), expected, where);
    const page = await session.page(0, 1000);
    t.deepEqual(
      page.rows.map((r) => [Number(r.values[0]), r.change]),
      [...changes].sort((a, b) => a[0] - b[0]),
      where,
    );
    for (const r of page.rows) {
      const id = Number(r.values[0]);
      const was = delivered.get(id);
      const b = r.before as { entries?: Record<string, unknown> } | null;
      t.is(b === null, was === undefined, `before of ${id}, ${where}`);
      if (was && b?.entries)
        t.is(
          String(b.entries['s'] ?? 'NULL'),
          POOLS['s']![was['s']!]![0] === 'NULL'
            ? 'NULL'
            : POOLS['s']![was['s']!]![0].slice(1, -1).replace(/''/g, "'"),
          `before.s of ${id}, ${where}`,
        );
    }
    // Acknowledge a random part, in batches with repeats, some by key.
    const picked = page.rows.filter(() => rnd() < 0.7);
    const bySeq = picked.filter(() => rnd() < 0.7);
    const byKey = picked.filter((r) => !bySeq.includes(r));
    await session.ack(bySeq.map((r) => r.seq));
    await session.ack(bySeq.slice(0, Math.ceil(bySeq.length / 2)).map((r) => r.seq));
    const found = await session.seqsForKeys(
      byKey.map((r) => [String(r.values[0])]),
      false,
    );
    await session.ack([...found.values()]);
    for (const r of picked) delivered.set(Number(r.values[0]), { ...source.get(Number(r.values[0]))! });
    t.is(session.saved, picked.length, `saved, ${where}`);
    const deleted = await session.deletedPage(0, 1000);
    t.deepEqual(
      deleted.rows.map((r) => Number(r.values[0])),
      gone,
      `deleted, ${where}`,
    );
    const deleting = deleted.rows.filter(() => rnd() < 0.6);
    await session.ackDeleted(deleting.map((r) => r.seq));
    await session.ackDeleted(deleting.map((r) => r.seq));
    for (const r of deleting) delivered.delete(Number(r.values[0]));
    t.is(session.deletedAcked, deleting.length, `deleted acks, ${where}`);
    await session.close();

    // The stored table holds exactly the delivered versions, one row per key.
    if (delivered.size > 0 || (await store.objectType('sync', 't'))) {
      const stored = await store.queryJson(
        `SELECT id, count(*) OVER (PARTITION BY id)::INT AS n, s FROM sync.t ORDER BY id`,
      );
      t.deepEqual(
        stored.map((r) => [r['id'], r['n'], r['s']]),
        [...delivered]
          .sort((a, b) => a[0] - b[0])
          .map(([id, r]) => {
            const lit = POOLS['s']![r['s']!]![0];
            return [id, 1, lit === 'NULL' ? null : lit.slice(1, -1)];
          }),
        `stored, ${where}`,
      );
    }
  }
});
