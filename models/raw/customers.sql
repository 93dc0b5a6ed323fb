-- @kind: table
-- The warehouse's nightly customer export, read straight from its Parquet snapshot
-- (extracts/ is relative to the project root; `node scripts/make-extracts.mjs` rewrites it).
SELECT customer_id, email, plan, country, signed_up_on
FROM read_parquet('extracts/customers.parquet')
