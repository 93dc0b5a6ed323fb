// npm run bench: every benchmark script, one after the other.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './lib.mjs';

const scripts = [
  ['foundation', [join(REPO, 'bench', 'foundation.mjs')]],
  ['starlark', ['--import=tsx', join(REPO, 'bench', 'starlark', 'run.ts')]],
  ['detect', [join(REPO, 'bench', 'detect.mjs')]],
  ['offline', ['--import=tsx', join(REPO, 'bench', 'offline', 'state-copy.ts')]],
  ['send-seed', [join(REPO, 'bench', 'send', 'seed.mjs')]],
  ['send-batch', [join(REPO, 'bench', 'send', 'batch.mjs')]],
  ['send-rate', [join(REPO, 'bench', 'send', 'rate.mjs')]],
  ['ui', [join(REPO, 'bench', 'ui.mjs')]],
  ['send-partial', [join(REPO, 'bench', 'send', 'partial.mjs')]],
  ['send-outcomes', [join(REPO, 'bench', 'send', 'outcomes.mjs')]],
];
const only = process.argv.slice(2);
let failed = 0;
for (const [name, args] of scripts) {
  if (only.length > 0 && !only.includes(name)) continue;
  const file = args[args.length - 1];
  if (!existsSync(file)) continue;
  console.log(`\n=== ${name} ===`);
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: REPO });
  if (r.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
