-- @kind: table
-- One row per customer with lifetime value and open support tickets: what the CRM should know.
SELECT
  c.customer_id,
  c.email,
  c.plan,
  c.country,
  count(o.order_id) AS orders,
  coalesce(sum(o.amount), 0)::DECIMAL(12, 2) AS lifetime_value,
  max(o.ordered_on) AS last_order_on,
  (SELECT count(*) FROM raw.tickets AS t WHERE t.customer_id = c.customer_id AND t.status = 'open') AS open_tickets
FROM raw.customers AS c
LEFT JOIN raw.orders AS o USING (customer_id)
GROUP BY ALL
