// `ebb init` makes a project that works at once: its snapshot test passes offline, and its
// sync delivers to the demo CRM API.

import test from 'ava';
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { startCrm } from '../lib/demo/crm-server.js';
import { ebb, tempDir } from './helpers/project.js';

test('ebb init: an example sync with its library, a passing ebb test, .env.example and .gitignore; ebb run delivers', async (t) => {
  const root = join(tempDir(), 'my-pipeline');
  const init = await ebb(['init', root], { cwd: tempDir() });
  t.is(init.code, 0, init.stderr);
  for (const f of [
    'models/sync/contacts.star',
    'destinations/crm.star',
    'tests/contacts_sync/01_initial/requests.ndjson',
    '.env.example',
  ]) {
    t.true(existsSync(join(root, f)), f);
  }
  t.regex(readFileSync(join(root, '.gitignore'), 'utf8'), /^state\/$/m);
  t.regex(readFileSync(join(root, '.gitignore'), 'utf8'), /^\.env$/m);

  const offline = await ebb(['test'], { cwd: root });
  t.is(offline.code, 0, offline.stderr);
  t.regex(offline.stderr, /PASS +contacts_sync\/01_initial +5 requests/);

  const crm = await startCrm({});
  t.teardown(() => crm.close());
  const run = await ebb(['run'], { cwd: root, env: { CRM_URL: crm.url, CRM_TOKEN: crm.token } });
  t.is(run.code, 0, run.stderr);
  t.deepEqual(Object.keys(crm.data.contacts).sort(), ['1', '2', '3', '4', '5']);
});
