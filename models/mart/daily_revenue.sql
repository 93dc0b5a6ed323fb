-- @kind: view
SELECT ordered_on AS day, count(*) AS orders, sum(amount) AS revenue
FROM raw.orders
GROUP BY ordered_on
ORDER BY day
