// The repo's own demo pipeline (models/, destinations/, warehouse/, tests/) works end to end
// against the demo CRM API: the first run sends everything, an unchanged run sends nothing,
// the next night's export sends only the changes and records the one refused row; and its
// offline snapshot tests pass.

import test from 'ava';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { startCrm } from '../lib/demo/crm-server.js';
import { ebb, REPO, tempDir } from './helpers/project.js';
// @ts-expect-error: a plain JS script of the demo, without type declarations
import { writeExtracts } from '../scripts/make-warehouse.mjs';

function copyDemo(): string {
  const root = tempDir();
  for (const dir of ['models', 'destinations', 'warehouse', 'tests'])
    cpSync(join(REPO, dir), join(root, dir), { recursive: true });
  return root;
}

test('the demo pipeline: full sync, nothing on an unchanged run, then only the changes and one recorded failure', async (t) => {
  const root = copyDemo();
  const crm = await startCrm({});
  t.teardown(() => crm.close());
  const env = { CRM_URL: crm.url, CRM_TOKEN: crm.token };

  const first = await ebb(['run', '--json'], { cwd: root, env });
  t.is(first.code, 0, first.stderr);
  t.is(Object.keys(crm.data.contacts).length, 2000);
  t.is(Object.keys(crm.data.deals).length, 20000);

  crm.resetStats();
  const second = await ebb(['run'], { cwd: root, env });
  t.is(second.code, 0, second.stderr);
  t.deepEqual(crm.stats.byRoute, { 'GET /tickets 200': 3 });

  await writeExtracts(join(root, 'warehouse'), 2);
  crm.resetStats();
  const third = await ebb(['run', '--json'], { cwd: root, env });
  t.is(third.code, 3, third.stderr);
  t.regex(third.stderr, /1 row was rejected by the API/);
  t.is(crm.stats.byRoute['PATCH /contacts/:id 400'], 1);
  t.is(crm.stats.byRoute['DELETE /contacts/:id 204'], 2);
  t.is(crm.stats.byRoute['POST /contacts 201'], 3);
  t.is(crm.stats.byRoute['POST /deals/batch/upsert 200'], 1);
  t.is(crm.data.contacts['42']?.['email'], 'ada.lovelace@example.com');
  t.is(crm.data.contacts['300'], undefined);

  const status = await ebb(['status', 'sync.crm_contacts', '--json'], { cwd: root, env });
  t.is(status.code, 0, status.stderr);
  const line = JSON.parse(status.stdout.trim().split('\n')[0]!) as Record<string, unknown>;
  t.is(line['pending_failures'], 1);
  t.regex(JSON.stringify(line['failures']), /invalid email/);
});

test("the demo project's offline snapshot tests pass", async (t) => {
  const r = await ebb(['test'], { cwd: copyDemo() });
  t.is(r.code, 0, r.stderr + r.stdout);
  t.regex(r.stderr, /1 passed, 0 failed/);
});
