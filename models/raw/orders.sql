-- @kind: table
-- The warehouse's order export.
SELECT order_id, customer_id, ordered_on, amount
FROM read_parquet('warehouse/orders.parquet')
