// The offline recorder (`ebb test`) records per-record outcomes as a run does: a responses.json
// entry selects the batch that carries a record (`json_has`) and answers it with the API's
// per-record error body; the outcome function rejects that record, expect.sql sees it in
// _ebb.failures, and the next step sends nothing for it. Serial: a step changes the process's
// working folder while it runs.

import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { testCommand } from '../lib/commands/test.js';
import { listHas, parseResponses } from '../lib/send/offline/responses.js';
import { capture, makeProject } from './helpers/project.js';

const SYNC = `# @kind: tracked
# @unique_key: id
def per_record(response, rows):
    if response.status_code != 207:
        return None
    refused = {e["context"]["id"]: e["message"] for e in response.json()["errors"]}
    return [outcome.rejected(refused[r.id]) if r.id in refused else outcome.accepted for r in rows]

batch = list(query("SELECT id, email FROM src.users ORDER BY id"))
if batch:
    http.post("http://crm.test/batch", json={"inputs": batch})
    save.rows(batch, outcome=per_record)
`;

const RESPONSES = JSON.stringify([
  {
    method: 'POST',
    url: '*/batch',
    json_has: { email: 'not-an-email' },
    status: 207,
    body: { errors: [{ message: 'invalid email: not-an-email', context: { id: 2 } }] },
  },
]);

const EXPECT = `SELECT json_extract(key, '$.id')::INT AS id, kind, status, error FROM _ebb.failures;
-- expect:
-- id,kind,status,error
-- 2,rejected,207,invalid email: not-an-email

SELECT id FROM sync.users ORDER BY id;
-- expect:
-- id
-- 1
-- 3
`;

test.serial(
  'ebb test: a batch answered with a per-record error body rejects that record, and the next step sends nothing',
  async (t) => {
    const root = makeProject({
      'models/src/users.sql':
        "-- @kind: table\nSELECT * FROM (VALUES (1, 'a@x.org'), (2, 'not-an-email'), (3, 'c@x.org')) AS v(id, email)",
      'models/sync/users.star': SYNC,
      'tests/batch/01_initial/responses.json': RESPONSES,
      'tests/batch/01_initial/expect.sql': EXPECT,
      'tests/batch/02_again/expect.sql': EXPECT,
    });
    const out = capture();
    const code = await testCommand({ cwd: root, names: [], update: true, env: {} }, out.io);
    t.is(code, 0, out.err());
    const requests = (step: string) =>
      readFileSync(join(root, 'tests', 'batch', step, 'requests.ndjson'), 'utf8')
        .split('\n')
        .filter((l) => l !== '');
    t.is(requests('01_initial').length, 1);
    t.deepEqual(requests('02_again'), [], 'the rejected record is not sent again while it is unchanged');
    const again = capture();
    t.is(await testCommand({ cwd: root, names: [], env: {} }, again.io), 0, again.err());
  },
);

test('json_has selects a request whose JSON list (at any depth) has an element holding the fields', (t) => {
  t.true(
    listHas(
      {
        inputs: [
          { id: 1, email: 'a' },
          { id: 2, email: 'b' },
        ],
      },
      { email: 'b' },
    ),
  );
  t.true(listHas([{ id: 2, props: { email: 'b' } }], { props: { email: 'b' } }));
  t.true(listHas({ a: { b: [[{ x: 1 }]] } }, { x: 1 }));
  t.false(listHas({ inputs: [{ id: 1, email: 'a' }] }, { email: 'b' }));
  t.false(listHas({ email: 'b' }, { email: 'b' }), 'an object outside any list is no element');
  const [rule] = parseResponses(RESPONSES, 'responses.json');
  t.deepEqual(rule!.jsonHas, { email: 'not-an-email' });
  t.throws(() => parseResponses('[{"status": 207, "json_has": [1]}]', 'r.json'), {
    message: /entry 1: "json_has" must be an object/,
  });
});
