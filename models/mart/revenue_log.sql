-- @kind: append
-- A snapshot of total revenue per run: append adds a row each time the pipeline runs.
SELECT now() AS taken_at, count(*) AS orders, sum(revenue) AS revenue
FROM mart.daily_revenue
