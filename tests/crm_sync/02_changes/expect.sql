-- the invalid email was refused: customer 4 keeps its last delivered version and waits in _ebb.failures
SELECT customer_id, email FROM sync.crm_contacts ORDER BY customer_id;
-- expect:
-- customer_id,email
-- 1,customer1@example.com
-- 2,two@example.com
-- 3,customer3@example.com
-- 4,customer4@example.com
-- 6,six@example.com

SELECT model, key, status FROM _ebb.failures ORDER BY key;
-- expect:
-- model,key,status
-- sync.crm_contacts,"{""customer_id"":4}",400
