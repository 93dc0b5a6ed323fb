// The files `ebb init` writes: a small project that works at once — an SQL model, a tracked
// sync model with its destination library (to `ebb demo-server`, or any API with the same
// shape), a snapshot test for `ebb test`, a .env.example and a .gitignore. Paths are relative
// to the new project's root.

export const TEMPLATE: Readonly<Record<string, string>> = {
  'models/example/customers.sql': `-- @kind: table
-- An example model: the table example.customers, built from a SELECT. A model can read files
-- relative to the project root, e.g. SELECT * FROM read_parquet('extracts/*.parquet').
SELECT i AS id, 'user' || i || '@example.com' AS email, ['free', 'pro'][1 + i % 2] AS plan
FROM range(1, 6) AS t(i)
`,
  'models/sync/contacts.star': `# @kind: tracked
# @unique_key: id
#
# Reverse ETL: every customer that is new or changed since the last run goes to the CRM, and
# save.row acknowledges it once the CRM answered 2xx. A refused row is recorded (ebb status)
# and sent again next run. Start a local CRM to try it: ebb demo-server

load("destinations/crm.star", "upsert_contact")

for customer in query("SELECT id, email, plan FROM example.customers"):
    upsert_contact(customer)
    save.row(customer)
`,
  'destinations/crm.star': `# A destination library, loaded by sync models with load("destinations/crm.star", ...).
# Its http and env are those of the model that loads it. CRM_URL and CRM_TOKEN come from the
# environment or .env; the defaults are those of \`ebb demo-server\`. Values read with env.get
# are secrets (shown as *** everywhere) unless read with secret=False.

BASE = env.get("CRM_URL", "http://127.0.0.1:4010", secret=False)
HEADERS = {"authorization": "Bearer " + env.get("CRM_TOKEN", "demo-secret-token")}

def upsert_contact(row):
    """Creates a new contact, updates a changed one. The response is not read: the next
    save.row waits for its 2xx (after retries) before it acknowledges the row."""
    if row.change == "new":
        http.post(BASE + "/contacts", json=row, headers=HEADERS)
    else:
        http.patch(BASE + "/contacts/%d" % row.id, json=row, headers=HEADERS)
`,
  'tests/contacts_sync/01_initial/expect.sql': `-- after the first run every customer is delivered and acknowledged
SELECT id, plan FROM sync.contacts ORDER BY id;
-- expect:
-- id,plan
-- 1,pro
-- 2,free
-- 3,pro
-- 4,free
-- 5,pro
`,
  // The golden requests of the first run (regenerate with ebb test --update after a change).
  'tests/contacts_sync/01_initial/requests.ndjson':
    '{"method":"POST","url":"http://127.0.0.1:4010/contacts","headers":{"authorization":"Bearer demo-secret-token","content-type":"application/json","idempotency-key":"100c417d4a6e0e20"},"body":{"email":"user1@example.com","id":1,"plan":"pro"}}\n{"method":"POST","url":"http://127.0.0.1:4010/contacts","headers":{"authorization":"Bearer demo-secret-token","content-type":"application/json","idempotency-key":"fdb207e91033e178"},"body":{"email":"user2@example.com","id":2,"plan":"free"}}\n{"method":"POST","url":"http://127.0.0.1:4010/contacts","headers":{"authorization":"Bearer demo-secret-token","content-type":"application/json","idempotency-key":"b1b4377429a05dc7"},"body":{"email":"user3@example.com","id":3,"plan":"pro"}}\n{"method":"POST","url":"http://127.0.0.1:4010/contacts","headers":{"authorization":"Bearer demo-secret-token","content-type":"application/json","idempotency-key":"c67480e87bd2c5f7"},"body":{"email":"user4@example.com","id":4,"plan":"free"}}\n{"method":"POST","url":"http://127.0.0.1:4010/contacts","headers":{"authorization":"Bearer demo-secret-token","content-type":"application/json","idempotency-key":"4bf7e35b75d8d898"},"body":{"email":"user5@example.com","id":5,"plan":"pro"}}\n',
  '.env.example': `# Copy to .env and fill in. Values are read by env.get() in .star models and are
# redacted from every log line, error and history entry.
# CRM_URL=https://crm.example.com
# CRM_TOKEN=
`,
};

export const GITIGNORE = `# ebb's state (the DuckDB database) and secrets stay out of git
state/
.env
`;
