-- every customer reached the CRM and is acknowledged
SELECT customer_id, plan FROM sync.crm_contacts ORDER BY customer_id;
-- expect:
-- customer_id,plan
-- 1,enterprise
-- 2,pro
-- 3,starter
-- 4,free
-- 5,enterprise

-- the orders went as deals, in one batch
SELECT count(*) AS deals FROM sync.crm_deals;
-- expect:
-- deals
-- 7
