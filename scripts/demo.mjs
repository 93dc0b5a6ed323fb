// `npm start`: the demo, end to end, with nothing to set up. It starts the demo CRM API
// (lib/demo/crm-server.ts, built to dist/) on a free local port, runs the pipeline in models/ from a fresh
// state (first sync: everything is sent), applies the next night's warehouse export (a few
// customers changed, three new, two gone), runs again — only the changes are sent, and one
// invalid email is refused by the CRM — then shows `ebb status` with that failure, and stops
// the API. The committed extracts are restored at the end.

import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCrm } from '../dist/lib/demo/crm-server.js';
import { writeExtracts } from './make-warehouse.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const EBB = join(ROOT, 'dist', 'bin', 'ebb.js');
const STATE = join(ROOT, 'state');

/** Headings in bold on a terminal, plain when NO_COLOR is set (https://no-color.org) or output is piped. */
const BOLD = process.stderr.isTTY && !process.env.NO_COLOR ? ['\x1b[1m', '\x1b[0m'] : ['', ''];

function say(text) {
  process.stderr.write(`\n${BOLD[0]}== ${text}${BOLD[1]}\n`);
}

/** ebb runs the CLI as a child process (the demo API answers from this one meanwhile). */
function ebb(args, env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [EBB, ...args, '--project', ROOT], { stdio: 'inherit', env });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

function received(crm) {
  const lines = Object.entries(crm.stats.byRoute)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([route, n]) => `  ${String(n).padStart(6)}  ${route}`);
  return lines.length ? lines.join('\n') : '  (nothing)';
}

let failed = false;
const check = (ok, what) => {
  if (!ok) {
    failed = true;
    process.stderr.write(`demo: unexpected: ${what}\n`);
  }
};

rmSync(join(STATE, 'ebb.duckdb'), { force: true });
rmSync(join(STATE, 'ebb.duckdb.wal'), { force: true });
rmSync(join(STATE, 'demo-crm.json'), { force: true });
const crm = await startCrm({ data: join(STATE, 'demo-crm.json') });
const env = { ...process.env, CRM_URL: crm.url, CRM_TOKEN: crm.token };
try {
  say(`Demo CRM API listening on ${crm.url}. First run, from a fresh state: everything is new.`);
  check((await ebb(['run'], env)) === 0, 'the first run failed');
  say('The CRM received:');
  process.stderr.write(`${received(crm)}\n`);

  say('Second run, unchanged data: nothing to send.');
  crm.resetStats();
  check((await ebb(['run'], env)) === 0, 'the unchanged run failed');
  check(
    crm.stats.requests === 3,
    `the unchanged run sent ${crm.stats.requests} requests (3 ticket pages expected)`,
  );
  process.stderr.write(`${received(crm)}\n`);

  say(
    "The next night's export lands: 2 customers changed email (one invalid), 4 changed plan, 3 new, 2 gone, 25 new orders.",
  );
  await writeExtracts(join(ROOT, 'warehouse'), 2);
  crm.resetStats();
  const third = await ebb(['run'], env);
  // Every model ran; the CRM rejected one row: exit 3 (rows failed or were rejected).
  check(third === 3, `the run with one refused row exited ${third}, not 3`);
  say('Only the changes reached the CRM:');
  process.stderr.write(`${received(crm)}\n`);

  say(
    'ebb status: the one row the CRM refused is held back until its data changes (or `ebb retry sync.crm_contacts`).',
  );
  await ebb(['status'], env);
} finally {
  await writeExtracts(join(ROOT, 'warehouse'), 1);
  await crm.close();
}
if (failed) process.exit(1);
say('Demo done. Try: npx ebb sql "SELECT * FROM sync.crm_contacts LIMIT 5", npx ebb history, npx ebb plan.');
