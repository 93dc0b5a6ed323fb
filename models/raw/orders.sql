-- @kind: table
-- 20,000 orders spread over the customers and over 2025.
SELECT
  o AS order_id,
  1 + (o * 31) % 2000 AS customer_id,
  DATE '2025-01-01' + INTERVAL ((o * 17) % 365) DAY AS ordered_on,
  round(5 + ((o * 7919) % 20000) / 100.0, 2)::DECIMAL(10, 2) AS amount
FROM range(1, 20001) AS r(o)
