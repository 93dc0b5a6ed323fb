-- @kind: merge
-- @unique_key: customer_id
-- One row per customer with lifetime value; upserted by key on every run.
SELECT
  c.customer_id,
  c.email,
  c.plan,
  c.country,
  count(o.order_id) AS orders,
  coalesce(sum(o.amount), 0)::DECIMAL(12, 2) AS lifetime_value,
  max(o.ordered_on) AS last_order_on
FROM raw.customers AS c
LEFT JOIN raw.orders AS o USING (customer_id)
GROUP BY ALL
