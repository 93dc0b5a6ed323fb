-- the invalid email was refused: customer 4 keeps its last delivered version and is kept in _ebb.failures as rejected, with the CRM's message
SELECT customer_id, email FROM sync.crm_contacts ORDER BY customer_id;
-- expect:
-- customer_id,email
-- 1,customer1@example.com
-- 2,two@example.com
-- 3,customer3@example.com
-- 4,customer4@example.com
-- 6,six@example.com

SELECT model, key, kind, status, error FROM _ebb.failures ORDER BY key;
-- expect:
-- model,key,kind,status,error
-- sync.crm_contacts,"{""customer_id"":4}",rejected,400,"invalid email: ""four-at-example.com"""
