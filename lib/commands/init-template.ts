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
# save.row acknowledges it once the CRM accepted it (crm_outcome reads its answer). A row the
# CRM refuses is recorded as rejected (ebb status) and not sent again until it changes; one
# that failed (a 5xx, no answer) is sent again next run. Customers gone from the query are
# deleted. Start a local CRM to try it: ebb demo-server

load("destinations/crm.star", "crm_outcome", "delete_contact", "upsert_contact")

for customer in query("SELECT id, email, plan FROM example.customers"):
    upsert_contact(customer)
    save.row(customer, outcome=crm_outcome)

for gone in deleted():
    delete_contact(gone)
    save.delete(gone, outcome=crm_outcome)
`,
  'destinations/crm.star': `# A destination library, loaded by sync models with load("destinations/crm.star", ...).
# Its http and env are those of the model that loads it. CRM_URL and CRM_TOKEN come from the
# environment or .env; the defaults are those of \`ebb demo-server\`. Values read with env.get
# are secrets (shown as *** everywhere) unless read with secret=False.

BASE = env.get("CRM_URL", "http://127.0.0.1:4010", secret=False)
HEADERS = {"authorization": "Bearer " + env.get("CRM_TOKEN", "demo-secret-token")}

def upsert_contact(row):
    """Creates a new contact, updates a changed one. The response is not read: the save
    after it waits for the final answer (after retries) before it acknowledges the row."""
    if row.change == "new":
        http.post(BASE + "/contacts", json=row, headers=HEADERS)
    else:
        http.patch(BASE + "/contacts/%d" % row.id, json=row, headers=HEADERS)

def delete_contact(row):
    """Deletes a contact the query no longer has."""
    http.delete(BASE + "/contacts/%d" % row.id, headers=HEADERS)

def crm_outcome(response, rows):
    """What the CRM's answer means for the rows of a save (save.row(row, outcome=crm_outcome)),
    called once the answer is in, without making the script wait. A 400 is the CRM refusing the
    record (an invalid email): rejected with its message, not sent again until the row changes
    (or ebb retry). A 404 to a DELETE: the contact is gone already. Anything else: None, the
    default rule — accepted on a 2xx, failed (sent again next run) otherwise."""
    if response.method == "DELETE" and response.status_code == 404:
        return [outcome.accepted for _ in rows]
    if response.status_code == 400:
        return [outcome.rejected(response.text) for _ in rows]
    return None
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
