// Writes the demo's warehouse extracts (warehouse/customers.parquet, warehouse/orders.parquet)
// as deterministic Parquet snapshots, the way a nightly export from a warehouse would land.
//   node scripts/make-warehouse.mjs [--day 1|2] [--out DIR]
// Day 1 is the snapshot committed in the repo. Day 2 is the next night's export: a few
// customers changed plan or email (one of the new emails is invalid, so the CRM refuses it),
// three signed up, two left, and some orders came in — so the second run of the demo has a
// small delta to send and one failure to report.

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const CUSTOMERS_DAY1 = `
SELECT
  i AS customer_id,
  'customer' || i || '@example.com' AS email,
  ['free', 'starter', 'pro', 'enterprise'][1 + (i * 7) % 4] AS plan,
  ['DE', 'FR', 'US', 'JP', 'BR'][1 + (i * 13) % 5] AS country,
  DATE '2025-01-01' + INTERVAL (i % 365) DAY AS signed_up_on
FROM range(1, 2001) AS r(i)`;

const CUSTOMERS_DAY2 = `
SELECT customer_id,
  CASE customer_id
    WHEN 42 THEN 'ada.lovelace@example.com'
    WHEN 1234 THEN 'grace.hopper-at-example.com'   -- a typo in the warehouse: the CRM refuses it (400)
    ELSE email END AS email,
  CASE WHEN customer_id IN (7, 99, 512, 1500) THEN 'enterprise' ELSE plan END AS plan,
  country, signed_up_on
FROM (${CUSTOMERS_DAY1})
WHERE customer_id NOT IN (300, 301)
UNION ALL
SELECT i, 'new' || i || '@example.com', 'free', 'DE', DATE '2026-11-28'
FROM range(2001, 2004) AS r(i)`;

const ORDERS_DAY1 = `
SELECT
  o AS order_id,
  1 + (o * 31) % 2000 AS customer_id,
  DATE '2025-01-01' + INTERVAL ((o * 17) % 365) DAY AS ordered_on,
  round(5 + ((o * 7919) % 20000) / 100.0, 2)::DECIMAL(10, 2) AS amount
FROM range(1, 20001) AS r(o)`;

const ORDERS_DAY2 = `
${ORDERS_DAY1}
UNION ALL
SELECT o, 1 + (o * 31) % 2000, DATE '2026-11-28', 49.90::DECIMAL(10, 2)
FROM range(20001, 20026) AS r(o)`;

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
}

/** writeExtracts writes the snapshot of `day` (1 or 2) into `dir`. */
export async function writeExtracts(dir, day) {
  mkdirSync(dir, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  try {
    const customers = day === 2 ? CUSTOMERS_DAY2 : CUSTOMERS_DAY1;
    const orders = day === 2 ? ORDERS_DAY2 : ORDERS_DAY1;
    const quote = (p) => `'${p.replaceAll("'", "''")}'`;
    await db.run(
      `COPY (${customers} ORDER BY customer_id) TO ${quote(join(dir, 'customers.parquet'))} (FORMAT parquet)`,
    );
    await db.run(
      `COPY (${orders} ORDER BY order_id) TO ${quote(join(dir, 'orders.parquet'))} (FORMAT parquet)`,
    );
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

if (process.argv[1] && resolve(process.argv[1]).endsWith('make-warehouse.mjs')) {
  const day = Number(arg('--day', '1'));
  if (day !== 1 && day !== 2) throw new Error('--day must be 1 or 2');
  await writeExtracts(resolve(arg('--out', 'warehouse')), day);
}
