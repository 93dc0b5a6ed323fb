-- @kind: table
-- The warehouse's nightly customer export, read straight from its Parquet snapshot
-- (warehouse/ is relative to the project root; `node scripts/make-warehouse.mjs` rewrites it).
SELECT customer_id, email, plan, country, signed_up_on
FROM read_parquet('warehouse/customers.parquet')
