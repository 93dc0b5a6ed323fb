-- @kind: table
-- Source data for the demo pipeline, generated in SQL so the repo runs with no files:
-- 2,000 customers with a deterministic plan, country and signup date.
SELECT
  i AS customer_id,
  'customer' || i || '@example.com' AS email,
  ['free', 'starter', 'pro', 'enterprise'][1 + (i * 7) % 4] AS plan,
  ['DE', 'FR', 'US', 'JP', 'BR'][1 + (i * 13) % 5] AS country,
  DATE '2025-01-01' + INTERVAL (i % 365) DAY AS signed_up_on
FROM range(1, 2001) AS r(i)
